import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAcrossServers, startOracleReference, type Scenario } from '../src/harness/oracle';
import { startKairosDev, type KairosDev, type TestServer } from '../src/harness/servers';
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

type StartRequest = temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest;
function startRequest(overrides: Partial<StartRequest>): StartRequest & { workflowId: string; requestId: string } {
  return {
    namespace: 'default',
    workflowId: freshId('wf'),
    workflowType: { name: 'SomeWorkflow' },
    taskQueue: { name: 'bad-input-queue' },
    requestId: freshId('req'),
    identity: 'bad-input-test',
    ...(overrides as object),
  } as StartRequest & { workflowId: string; requestId: string };
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
    expect(err.details).toBe('missing task queue name');
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

/** The error (code, message, detail type) of one call, or "OK"; run ids in messages masked. */
async function errorShape(call: Promise<unknown>, runIds: string[] = []) {
  try {
    await call;
    return 'OK';
  } catch (err) {
    const e = err as GrpcError;
    let details = e.details;
    for (const runId of runIds) details = details.split(runId).join('<run-id>');
    return { code: e.code, details, detail: statusDetail(e)?.type_url ?? null };
  }
}

/** Every bad request of this file, against one server; the outcome is the list of error shapes. */
const badRequests: Scenario = async (address, { suffix }) => {
  const connection = await Connection.connect({ address });
  const service = connection.workflowService;
  try {
    const request = (overrides: Partial<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>) => ({
      namespace: 'default',
      workflowId: `bad-oracle-${suffix}`,
      workflowType: { name: 'SomeWorkflow' },
      taskQueue: { name: `bad-oracle-queue-${suffix}` },
      requestId: `bad-oracle-req-${suffix}`,
      identity: 'bad-input-test',
      ...overrides,
    });
    const shapes: Record<string, unknown> = {};
    shapes.unknownNamespace = await errorShape(service.startWorkflowExecution(request({ namespace: `no-such-namespace-${suffix}` })));
    shapes.describeUnknownNamespace = await errorShape(service.describeNamespace({ namespace: `no-such-namespace-${suffix}` }));
    shapes.missingWorkflowId = await errorShape(service.startWorkflowExecution(request({ workflowId: '' })));
    shapes.missingWorkflowType = await errorShape(service.startWorkflowExecution(request({ workflowType: { name: '' } })));
    shapes.nullWorkflowType = await errorShape(service.startWorkflowExecution(request({ workflowType: null })));
    shapes.missingTaskQueueName = await errorShape(service.startWorkflowExecution(request({ taskQueue: { name: '' } })));
    shapes.nullTaskQueue = await errorShape(service.startWorkflowExecution(request({ taskQueue: null })));
    const { runId } = await service.startWorkflowExecution(request({}));
    shapes.retriedStart = await errorShape(service.startWorkflowExecution(request({})));
    shapes.duplicateStart = await errorShape(service.startWorkflowExecution(request({ requestId: `another-${suffix}` })), [runId]);
    shapes.garbageActivityToken = await errorShape(
      service.respondActivityTaskCompleted({ namespace: 'default', taskToken: Buffer.from('definitely not a task token'), identity: 'x' }),
    );
    shapes.garbageWorkflowTaskToken = await errorShape(
      service.respondWorkflowTaskCompleted({ namespace: 'default', taskToken: Buffer.from([1, 2, 3]), identity: 'x' }),
    );
    shapes.unknownWorkflowHistory = await errorShape(
      service.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: `never-started-${suffix}` } }),
    );
    shapes.unknownWorkflowDescribe = await errorShape(
      service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: `never-started-${suffix}` } }),
    );
    // Run ids must be UUIDs (the features harness's readiness probe relies on this answer).
    shapes.describeBadRunId = await errorShape(
      service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: '!sonotreal', runId: 'superneverexistwf!' } }),
    );
    shapes.signalBadRunId = await errorShape(
      service.signalWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: `bad-oracle-${suffix}`, runId: 'not-a-uuid' }, signalName: 's' }),
    );
    shapes.updateWithoutName = await errorShape(
      service.updateWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: `bad-oracle-${suffix}` }, request: { meta: { updateId: 'u' }, input: { name: '' } } }),
    );
    shapes.updateWithoutMeta = await errorShape(
      service.updateWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: `bad-oracle-${suffix}` }, request: { input: { name: 'x' } } }),
    );
    shapes.pollUnknownUpdate = await errorShape(
      service.pollWorkflowExecutionUpdate({ namespace: 'default', updateRef: { workflowExecution: { workflowId: `bad-oracle-${suffix}` }, updateId: 'never-sent' } }),
    );
    const multiOperation = (start: Partial<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>, update: Partial<temporal.api.workflowservice.v1.IUpdateWorkflowExecutionRequest>) =>
      service.executeMultiOperation({
        namespace: 'default',
        operations: [
          { startWorkflow: request({ workflowId: `bad-multi-${suffix}`, requestId: `bad-multi-req-${suffix}`, ...start }) },
          { updateWorkflow: { namespace: 'default', workflowExecution: { workflowId: `bad-multi-${suffix}` }, request: { meta: { updateId: 'u' }, input: { name: 'x' } }, ...update } },
        ],
      });
    shapes.multiOperationWithCron = await errorShape(multiOperation({ cronSchedule: '* * * * *' }, {}));
    shapes.multiOperationOtherWorkflow = await errorShape(multiOperation({}, { workflowExecution: { workflowId: `another-${suffix}` } }));
    shapes.multiOperationOneOperation = await errorShape(service.executeMultiOperation({ namespace: 'default', operations: [{ startWorkflow: request({}) }] }));
    return { outcome: shapes, workflowIds: [`bad-oracle-${suffix}`] };
  } finally {
    await connection.close();
  }
};

describe('bad input: the same errors as the real Temporal dev server', () => {
  let kairos: KairosDev;
  /** undefined only with KAIROS_ORACLE=off. */
  let reference: TestServer | undefined;

  beforeAll(async () => {
    kairos = await startKairosDev();
    reference = await startOracleReference();
  });

  afterAll(async () => {
    await kairos?.stop();
    await reference?.stop();
  });

  it('answers every bad request with Temporal’s code, message and error detail, and writes the same history', async () => {
    const { outcome } = await compareAcrossServers(kairos, reference, badRequests);
    expect(outcome).toMatchObject({
      unknownNamespace: { code: Code.NOT_FOUND, detail: 'type.googleapis.com/temporal.api.errordetails.v1.NamespaceNotFoundFailure' },
      missingWorkflowId: { code: Code.INVALID_ARGUMENT },
      missingTaskQueueName: { code: Code.INVALID_ARGUMENT },
      retriedStart: 'OK',
      duplicateStart: { code: Code.ALREADY_EXISTS, detail: 'type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure' },
      garbageActivityToken: { code: Code.INVALID_ARGUMENT },
      unknownWorkflowHistory: { code: Code.NOT_FOUND },
      describeBadRunId: { code: Code.INVALID_ARGUMENT, details: 'Invalid RunId.' },
      updateWithoutName: { code: Code.INVALID_ARGUMENT, details: 'Update name is not set on request.' },
      pollUnknownUpdate: { code: Code.NOT_FOUND, details: 'update "never-sent" not found' },
      multiOperationWithCron: { code: Code.INVALID_ARGUMENT, detail: 'type.googleapis.com/temporal.api.errordetails.v1.MultiOperationExecutionFailure' },
    });
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
