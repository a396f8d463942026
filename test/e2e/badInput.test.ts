import { Connection, WorkflowExecutionAlreadyStartedError, Client } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotStore } from '../src/harness/storeSnapshot';
import { startKairosDev, type KairosDev } from '../src/harness/servers';

/** gRPC status codes used here. */
const Code = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, ALREADY_EXISTS: 6 } as const;

interface GrpcError {
  code: number;
  details: string;
  metadata?: { get(key: string): Array<string | Buffer> };
}

async function grpcError(call: Promise<unknown>): Promise<GrpcError> {
  try {
    await call;
  } catch (err) {
    return err as GrpcError;
  }
  throw new Error('expected the call to fail');
}

/** The Temporal error detail carried in the grpc-status-details-bin trailer. */
function statusDetail(err: GrpcError): google.protobuf.IAny | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')?.[0];
  if (!raw) return undefined;
  const status = google.rpc.Status.decode(typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw);
  return status.details[0];
}

function startRequest(overrides: Partial<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>) {
  return {
    namespace: 'default',
    workflowId: `bad-input-${Date.now()}-${Math.random()}`,
    workflowType: { name: 'SomeWorkflow' },
    taskQueue: { name: 'bad-input-queue' },
    requestId: `req-${Math.random()}`,
    identity: 'bad-input-test',
    ...overrides,
  };
}

describe('bad input gets Temporal’s errors and changes nothing', () => {
  let kairos: KairosDev;
  let connection: Connection;

  beforeAll(async () => {
    kairos = await startKairosDev();
    connection = await Connection.connect({ address: kairos.address });
  });

  afterAll(async () => {
    await connection?.close();
    await kairos?.stop();
  });

  /** Background work of earlier steps (task dispatch) may still be writing: wait until it is done. */
  async function quiescentSnapshot(): Promise<Record<string, string>> {
    let previous = snapshotStore(kairos.dbFile);
    for (;;) {
      await new Promise((r) => setTimeout(r, 150));
      const current = snapshotStore(kairos.dbFile);
      if (JSON.stringify(current) === JSON.stringify(previous)) return current;
      previous = current;
    }
  }

  /** Runs the failing call and checks the store is byte-for-byte the same before and after. */
  async function expectUnchanged(call: () => Promise<unknown>): Promise<GrpcError> {
    const before = await quiescentSnapshot();
    const err = await grpcError(call());
    expect(snapshotStore(kairos.dbFile)).toEqual(before);
    return err;
  }

  it('unknown namespace → NOT_FOUND with NamespaceNotFoundFailure', async () => {
    const err = await expectUnchanged(() =>
      connection.workflowService.startWorkflowExecution(startRequest({ namespace: 'no-such-namespace' })),
    );
    expect(err.code).toBe(Code.NOT_FOUND);
    expect(err.details).toContain('no-such-namespace');
    const detail = statusDetail(err);
    expect(detail?.type_url).toBe('type.googleapis.com/temporal.api.errordetails.v1.NamespaceNotFoundFailure');
    expect(temporal.api.errordetails.v1.NamespaceNotFoundFailure.decode(detail!.value!).namespace).toBe('no-such-namespace');
    const describe = await grpcError(connection.workflowService.describeNamespace({ namespace: 'no-such-namespace' }));
    expect(describe.code).toBe(Code.NOT_FOUND);
  });

  it('missing workflow id → INVALID_ARGUMENT', async () => {
    const err = await expectUnchanged(() => connection.workflowService.startWorkflowExecution(startRequest({ workflowId: '' })));
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.details).toMatch(/WorkflowId/);
  });

  it('missing workflow type → INVALID_ARGUMENT', async () => {
    const err = await expectUnchanged(() => connection.workflowService.startWorkflowExecution(startRequest({ workflowType: { name: '' } })));
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.details).toMatch(/WorkflowType/);
  });

  it('missing task queue → INVALID_ARGUMENT', async () => {
    const err = await expectUnchanged(() => connection.workflowService.startWorkflowExecution(startRequest({ taskQueue: { name: '' } })));
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.details).toMatch(/TaskQueue/);
  });

  it('duplicate start → ALREADY_EXISTS with WorkflowExecutionAlreadyStartedFailure', async () => {
    const request = startRequest({});
    const first = await connection.workflowService.startWorkflowExecution(request);
    expect(first.runId).toBeTruthy();
    // The same request retried (same request id) is answered with the same run, not an error.
    const retried = await connection.workflowService.startWorkflowExecution(request);
    expect(retried.runId).toBe(first.runId);

    const err = await expectUnchanged(() =>
      connection.workflowService.startWorkflowExecution({ ...request, requestId: `another-${Math.random()}` }),
    );
    expect(err.code).toBe(Code.ALREADY_EXISTS);
    const detail = statusDetail(err);
    expect(detail?.type_url).toBe('type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure');
    const failure = temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.decode(detail!.value!);
    expect(failure.runId).toBe(first.runId);
    expect(failure.startRequestId).toBe(request.requestId);

    // The SDK client turns it into its typed error.
    const client = new Client({ connection });
    await expect(
      client.workflow.start('SomeWorkflow', { workflowId: request.workflowId, taskQueue: 'bad-input-queue' }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  });

  it('a garbage task token → INVALID_ARGUMENT', async () => {
    const err = await expectUnchanged(() =>
      connection.workflowService.respondActivityTaskCompleted({
        namespace: 'default',
        taskToken: Buffer.from('definitely not a task token'),
        identity: 'bad-input-test',
      }),
    );
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    const wft = await expectUnchanged(() =>
      connection.workflowService.respondWorkflowTaskCompleted({ namespace: 'default', taskToken: Buffer.from([1, 2, 3]), identity: 'x' }),
    );
    expect(wft.code).toBe(Code.INVALID_ARGUMENT);
  });

  it('history of an unknown workflow → NOT_FOUND', async () => {
    const err = await expectUnchanged(() =>
      connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: 'never-started' } }),
    );
    expect(err.code).toBe(Code.NOT_FOUND);
  });
});

describe('task polls need a deadline, as Temporal requires', () => {
  it('a poll without a deadline → INVALID_ARGUMENT "Context timeout is not set."', async () => {
    const kairos = await startKairosDev({ dbFile: ':memory:' });
    const connection = await Connection.connect({ address: kairos.address });
    try {
      const err = await grpcError(
        connection.workflowService.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: 'no-deadline' }, identity: 'x' }),
      );
      expect(err.code).toBe(Code.INVALID_ARGUMENT);
      expect(err.details).toBe('Context timeout is not set.');
    } finally {
      await connection.close();
      await kairos.stop();
    }
  });
});
