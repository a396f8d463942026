import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKairosDev, type KairosDev } from '../src/harness/servers';
import { snapshotStore } from '../src/harness/storeSnapshot';

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

/** The google.rpc.Status carried in the grpc-status-details-bin trailer, decoded. */
function statusDetail(err: GrpcError): google.protobuf.IAny | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')?.[0];
  if (!raw) return undefined;
  const status = google.rpc.Status.decode(typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw);
  expect(status.code).toBe(err.code);
  return status.details[0];
}

let counter = 0;
function freshId(what: string): string {
  counter += 1;
  return `bad-input-${what}-${Date.now()}-${counter}`;
}

function startRequest(overrides: Partial<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>) {
  return {
    namespace: 'default',
    workflowId: freshId('wf'),
    workflowType: { name: 'SomeWorkflow' },
    taskQueue: { name: 'bad-input-queue' },
    requestId: freshId('req'),
    identity: 'bad-input-test',
    ...overrides,
  };
}

describe('bad input gets Temporal’s errors and changes nothing', () => {
  let server: KairosDev;
  let connection: Connection;
  /** A running execution whose history must not move when bad requests come in. */
  let existing: { workflowId: string; runId: string };

  beforeAll(async () => {
    server = await startKairosDev();
    connection = await Connection.connect({ address: server.address });
    const request = startRequest({ workflowId: freshId('existing') });
    const { runId } = await connection.workflowService.startWorkflowExecution(request);
    existing = { workflowId: request.workflowId, runId };
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
  });

  /** Describe of an id: its run id and history length, or NOT_FOUND. */
  async function describeId(workflowId: string): Promise<string> {
    try {
      const d = await connection.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
      return `${d.workflowExecutionInfo?.execution?.runId} with ${String(d.workflowExecutionInfo?.historyLength)} events`;
    } catch (err) {
      if ((err as GrpcError).code === Code.NOT_FOUND) return 'NOT_FOUND';
      throw err;
    }
  }

  async function historyOf(workflowId: string): Promise<string[]> {
    const { history } = await connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } });
    return (history?.events ?? []).map((e) => `${String(e.eventId)}:${temporal.api.enums.v1.EventType[e.eventType ?? 0]}`);
  }

  /** Kairos's whole store, once background work (task dispatch of earlier steps) has settled. */
  async function quiescentStore(): Promise<Record<string, string> | undefined> {
    if (server.kind !== 'kairos') return undefined; // KAIROS_TEST_TARGET=temporal: API-level checks only
    let previous = snapshotStore(server.dbFile);
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 150));
      const current = snapshotStore(server.dbFile);
      if (JSON.stringify(current) === JSON.stringify(previous)) return current;
      previous = current;
    }
    throw new Error('the store never stopped changing');
  }

  /**
   * Runs the failing call and checks nothing changed: ids that must not exist still do not, the
   * existing execution's description and history are the same, and (on Kairos) the store is
   * byte-for-byte the same.
   */
  async function expectUnchanged(call: () => Promise<unknown>, absentIds: string[] = []): Promise<GrpcError> {
    const store = await quiescentStore();
    const before = { existing: await describeId(existing.workflowId), history: await historyOf(existing.workflowId) };
    const err = await grpcError(call());
    if (store) expect(snapshotStore(server.dbFile), 'the store').toEqual(store);
    for (const id of absentIds) expect(await describeId(id), `execution ${id}`).toBe('NOT_FOUND');
    expect({ existing: await describeId(existing.workflowId), history: await historyOf(existing.workflowId) }).toEqual(before);
    return err;
  }

  it('unknown namespace → NOT_FOUND with NamespaceNotFoundFailure', async () => {
    const request = startRequest({ namespace: 'no-such-namespace' });
    const err = await expectUnchanged(() => connection.workflowService.startWorkflowExecution(request), [request.workflowId]);
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
    const request = startRequest({ workflowType: { name: '' } });
    const err = await expectUnchanged(() => connection.workflowService.startWorkflowExecution(request), [request.workflowId]);
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.details).toMatch(/WorkflowType/);
  });

  it('missing task queue → INVALID_ARGUMENT', async () => {
    const request = startRequest({ taskQueue: { name: '' } });
    const err = await expectUnchanged(() => connection.workflowService.startWorkflowExecution(request), [request.workflowId]);
    expect(err.code).toBe(Code.INVALID_ARGUMENT);
    expect(err.details).toMatch(/TaskQueue/);
    const noQueue = startRequest({ taskQueue: null });
    const err2 = await expectUnchanged(() => connection.workflowService.startWorkflowExecution(noQueue), [noQueue.workflowId]);
    expect(err2.code).toBe(Code.INVALID_ARGUMENT);
  });

  it('duplicate start → ALREADY_EXISTS with WorkflowExecutionAlreadyStartedFailure', async () => {
    const request = startRequest({});
    const first = await connection.workflowService.startWorkflowExecution(request);
    expect(first.runId).toBeTruthy();
    // The same request retried (same request id) is answered with the same run, not an error.
    const retried = await connection.workflowService.startWorkflowExecution(request);
    expect(retried.runId).toBe(first.runId);
    const historyBefore = await historyOf(request.workflowId);

    const err = await expectUnchanged(() =>
      connection.workflowService.startWorkflowExecution({ ...request, requestId: freshId('another-req') }),
    );
    expect(err.code).toBe(Code.ALREADY_EXISTS);
    const detail = statusDetail(err);
    expect(detail?.type_url).toBe('type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure');
    const failure = temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure.decode(detail!.value!);
    expect(failure.runId).toBe(first.runId);
    expect(failure.startRequestId).toBe(request.requestId);
    expect(await historyOf(request.workflowId)).toEqual(historyBefore);
    expect(await describeId(request.workflowId)).toMatch(new RegExp(`^${first.runId} `));

    // The SDK client turns it into its typed error.
    const client = new Client({ connection });
    await expect(
      client.workflow.start('SomeWorkflow', { workflowId: request.workflowId, taskQueue: 'bad-input-queue' }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect(await historyOf(request.workflowId)).toEqual(historyBefore);
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
    const server = await startKairosDev({ inMemory: true });
    const connection = await Connection.connect({ address: server.address });
    try {
      const err = await grpcError(
        connection.workflowService.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: 'no-deadline' }, identity: 'x' }),
      );
      expect(err.code).toBe(Code.INVALID_ARGUMENT);
      expect(err.details).toBe('Context timeout is not set.');
    } finally {
      await connection.close();
      await server.stop();
    }
  });
});
