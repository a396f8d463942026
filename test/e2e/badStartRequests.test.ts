import Long from 'long';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHistoryClient, type RawHistoryClient } from '@kairos/testing';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { errorShape, GrpcCode } from '../src/harness/rawWorker';
import { startKairosCluster, type KairosCluster } from '../src/harness/servers';
import { snapshotStore } from '../src/harness/storeSnapshot';

/*
 * Start requests Temporal refuses, or takes and caps, at the frontend (compared with the real
 * Temporal dev server) and sent straight to Kairos's history service, past the frontend: history
 * applies the same rules (@kairos/domain validateStartRequest) and writes nothing for a bad one.
 */

const { WorkflowIdReusePolicy, WorkflowIdConflictPolicy } = temporal.api.enums.v1;
type Start = temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest;

const LONG = 'x'.repeat(10_000);
const INT64_MAX = Long.fromString('9223372036854775807');
const d = (seconds: number | Long, nanos = 0) => ({ seconds: seconds as never, nanos });

/** One bad (or capped) variant of every start option Temporal checks. */
const VARIANTS: Record<string, Partial<Start>> = {
  noWorkflowId: { workflowId: '' },
  longWorkflowId: { workflowId: LONG },
  longWorkflowType: { workflowType: { name: LONG } },
  noWorkflowType: { workflowType: null },
  emptyTaskQueue: { taskQueue: { name: '' } },
  longTaskQueue: { taskQueue: { name: LONG } },
  reservedTaskQueue: { taskQueue: { name: '/_sys/q' } },
  internalTaskQueue: { taskQueue: { name: 'temporal-sys-per-ns-tq' } },
  longRequestId: { requestId: LONG },
  negativeRunTimeout: { workflowRunTimeout: d(-5) },
  negativeNanosExecutionTimeout: { workflowExecutionTimeout: d(0, -1) },
  negativeTaskTimeout: { workflowTaskTimeout: d(-1) },
  mixedSignsRunTimeout: { workflowRunTimeout: d(5, -1) },
  mixedSignsRunTimeout2: { workflowRunTimeout: d(-5, 1) },
  negativeStartDelay: { workflowStartDelay: d(-1) },
  cronAndStartDelay: { cronSchedule: '* * * * *', workflowStartDelay: d(1) },
  badCron: { cronSchedule: 'nope' },
  retryBackoffBelowOne: { retryPolicy: { backoffCoefficient: 0.5 } },
  retryNegativeInitialInterval: { retryPolicy: { initialInterval: d(-1) } },
  retryMaximumBelowInitial: { retryPolicy: { initialInterval: d(10), maximumInterval: d(2) } },
  retryNegativeAttempts: { retryPolicy: { maximumAttempts: -2 } },
  retryUnknownTimeoutType: { retryPolicy: { nonRetryableErrorTypes: ['TemporalTimeout:Bogus'] } },
  retryInt64MaxInitialInterval: { retryPolicy: { initialInterval: d(INT64_MAX) } },
  negativePriorityKey: { priority: { priorityKey: -1 } },
  longFairnessKey: { priority: { fairnessKey: 'k'.repeat(65) } },
  negativeFairnessWeight: { priority: { fairnessWeight: -1 } },
  terminateIfRunningWithConflictPolicy: {
    workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
  },
  rejectDuplicateWithTerminateExisting: {
    workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
  },
  longNamespace: { namespace: LONG },
  memoTooBig: { memo: { fields: { m: { data: Buffer.alloc(3 * 1024 * 1024) } } } },
  // Accepted, capped at 100 years (and a task timeout at 2 minutes): the started events are compared.
  int64MaxRunTimeout: { workflowRunTimeout: d(INT64_MAX) },
  int64MaxExecutionTimeout: { workflowExecutionTimeout: d(INT64_MAX) },
  int64MaxTaskTimeout: { workflowTaskTimeout: d(INT64_MAX) },
  secondsPastProtoRange: { workflowRunTimeout: d(400_000_000_000) },
  int64MaxStartDelay: { workflowStartDelay: d(INT64_MAX) },
  longIdentity: { identity: LONG },
};

/** Every variant as StartWorkflowExecution and as SignalWithStartWorkflowExecution; the outcome is the answers, the histories those of the runs started. */
const startRequests: Scenario = async (address, { suffix }) => {
  const connection = await Connection.connect({ address });
  const service = connection.workflowService;
  const answers: Record<string, unknown> = {};
  const started: string[] = [];
  try {
    let n = 0;
    const base = () => {
      n += 1;
      return { namespace: 'default', workflowId: `bad-start-${n}-${suffix}`, workflowType: { name: 'W' }, taskQueue: { name: `bad-start-q-${suffix}` }, requestId: `req-${n}-${suffix}`, identity: 'bad-start' };
    };
    for (const [name, variant] of Object.entries(VARIANTS)) {
      for (const kind of ['start', 'signalWithStart'] as const) {
        const request = { ...base(), ...variant };
        const answer =
          kind === 'start'
            ? await errorShape(service.startWorkflowExecution(request))
            : await errorShape(service.signalWithStartWorkflowExecution({ ...request, signalName: 'go' }));
        answers[`${kind}.${name}`] = answer;
        if (answer === 'OK') started.push(request.workflowId!);
      }
    }
    answers['signalWithStart.noSignalName'] = await errorShape(service.signalWithStartWorkflowExecution({ ...base(), signalName: '' }));
    answers['signalWithStart.longSignalName'] = await errorShape(service.signalWithStartWorkflowExecution({ ...base(), signalName: LONG }));
    answers['signalWithStart.failConflictPolicy'] = await errorShape(
      service.signalWithStartWorkflowExecution({ ...base(), signalName: 'go', workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL }),
    );
    answers['signal.longSignalName'] = await errorShape(service.signalWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: `nobody-${suffix}` }, signalName: LONG }));
    answers['respondWorkflowTaskCompleted.longIdentity'] = await errorShape(
      service.respondWorkflowTaskCompleted({ namespace: 'default', taskToken: Buffer.from('not a token'), identity: LONG }),
    );
    // A long workflow id elsewhere is simply not found.
    answers['describe.longWorkflowId'] = await errorShape(service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: LONG } }));
    answers['register.mixedSignsRetention'] = await errorShape(service.registerNamespace({ namespace: `ns-mixed-${suffix}`, workflowExecutionRetentionPeriod: d(2 * 86_400, -5) }));
    answers['register.int64MaxRetention'] = await errorShape(service.registerNamespace({ namespace: `ns-huge-${suffix}`, workflowExecutionRetentionPeriod: d(INT64_MAX) }));
    for (const id of started) await service.terminateWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: id }, reason: 'done' });
    return { outcome: answers, workflowIds: started };
  } finally {
    await connection.close();
  }
};

describe('start requests at the frontend, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('answers every bad start option with Temporal’s code and message, and caps int64-max durations as it does', async () => {
    const { outcome } = await servers.compare(startRequests);
    const answers = outcome as Record<string, { code: number; details: string } | 'OK'>;
    expect(answers['start.longWorkflowId']).toEqual({ code: GrpcCode.INVALID_ARGUMENT, details: 'WorkflowId exceeds maximum allowed length (10000/1000)' });
    expect(answers['start.negativeRunTimeout']).toEqual({ code: GrpcCode.INVALID_ARGUMENT, details: 'An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration' });
    expect(answers['start.emptyTaskQueue']).toEqual({ code: GrpcCode.INVALID_ARGUMENT, details: 'missing task queue name' });
    for (const capped of ['int64MaxRunTimeout', 'int64MaxExecutionTimeout', 'int64MaxTaskTimeout', 'int64MaxStartDelay']) {
      expect(answers[`start.${capped}`], capped).toBe('OK');
      expect(answers[`signalWithStart.${capped}`], capped).toBe('OK');
    }
  });

  it('ListOpenWorkflowExecutions with a time past any date is INVALID_ARGUMENT (Kairos only: the dev server’s message prints the year, which Kairos cannot)', async () => {
    const connection = await Connection.connect({ address: servers.kairos.address });
    try {
      const answer = await errorShape(
        connection.workflowService.listOpenWorkflowExecutions({ namespace: 'default', maximumPageSize: 1, startTimeFilter: { earliestTime: { seconds: INT64_MAX as never } } }),
      );
      expect(answer).toEqual({ code: GrpcCode.INVALID_ARGUMENT, details: 'invalid query: invalid expression: unable to parse datetime' });
    } finally {
      await connection.close();
    }
  });
});

/** The tables a start writes to; the cluster's leases and membership rows change on their own. */
const EXECUTION_TABLES = ['executions', 'current_executions', 'history_events', 'transfer_tasks', 'timer_tasks', 'task_queue_tasks', 'runs'];

describe('history called directly, past the frontend (Kairos only: a cluster whose history instance the test reaches)', () => {
  let cluster: KairosCluster;
  let history: RawHistoryClient;
  let connection: Connection;
  let namespaceId: string;

  beforeAll(async () => {
    cluster = await startKairosCluster();
    history = rawHistoryClient(cluster.addresses.history);
    connection = await Connection.connect({ address: cluster.address });
    namespaceId = (await connection.workflowService.describeNamespace({ namespace: 'default' })).namespaceInfo!.id!;
  });

  afterAll(async () => {
    history?.close();
    await connection?.close();
    await cluster?.stop();
  });

  let counter = 0;
  const startRequest = (overrides: Record<string, unknown>) => {
    counter += 1;
    return { namespace: 'default', workflowId: `direct-${counter}-${Date.now()}`, workflowType: { name: 'W' }, taskQueue: { name: 'direct-q' }, requestId: `direct-req-${counter}`, ...overrides };
  };

  /** The answer of a call that must be refused, checking that no execution table changed. */
  async function refusedWritingNothing(call: () => Promise<unknown>): Promise<{ code: number; details: string }> {
    const before = snapshotStore(cluster.dbFile, EXECUTION_TABLES);
    const answer = await errorShape(call());
    expect(snapshotStore(cluster.dbFile, EXECUTION_TABLES), 'the execution tables').toEqual(before);
    if (answer === 'OK') throw new Error('expected the call to be refused');
    return answer;
  }

  it('StartWorkflowExecution with a 10,000-character workflow id, a negative run timeout or an empty task queue is INVALID_ARGUMENT, as at the frontend, and writes nothing', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ workflowId: LONG }, 'WorkflowId exceeds maximum allowed length (10000/1000)'],
      [{ workflowRunTimeout: { seconds: -5, nanos: 0 } }, 'An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration'],
      [{ taskQueue: { name: '' } }, 'missing task queue name'],
      [{ workflowType: undefined }, 'WorkflowType is not set on request.'],
      [{ workflowTaskTimeout: { seconds: 3, nanos: -1 } }, 'An invalid WorkflowTaskTimeoutSeconds is set on request. cause: duration has seconds and nanos with different signs'],
      [{ retryPolicy: { maximumAttempts: -1 } }, 'MaximumAttempts cannot be negative on retry policy.'],
      [{ taskQueue: { name: '/_sys/q' } }, 'task queue name cannot start with reserved prefix /_sys/'],
    ];
    for (const [overrides, message] of cases) {
      const request = startRequest(overrides);
      const answer = await refusedWritingNothing(() => history.call('startWorkflowExecution', { namespaceId, request }));
      expect(answer, message).toEqual({ code: GrpcCode.INVALID_ARGUMENT, details: message });
      // The frontend answers the same request the same way.
      expect(await errorShape(connection.workflowService.startWorkflowExecution(request as Start))).toEqual(answer);
    }
    // No request at all.
    expect(await refusedWritingNothing(() => history.call('startWorkflowExecution', { namespaceId }))).toEqual({ code: GrpcCode.INVALID_ARGUMENT, details: 'Request is nil.' });
  });

  it('SignalWithStartWorkflowExecution and update-with-start are checked the same way', async () => {
    const swsAnswer = await refusedWritingNothing(() =>
      history.call('signalWithStartWorkflowExecution', { namespaceId, request: { ...startRequest({ workflowRunTimeout: { seconds: -5, nanos: 0 } }), signalName: 'go' } }),
    );
    expect(swsAnswer).toEqual({ code: GrpcCode.INVALID_ARGUMENT, details: 'An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration' });
    const noSignal = await refusedWritingNothing(() => history.call('signalWithStartWorkflowExecution', { namespaceId, request: { ...startRequest({}), signalName: '' } }));
    expect(noSignal).toEqual({ code: GrpcCode.INVALID_ARGUMENT, details: 'signal not set' });
    const start = startRequest({ workflowId: LONG });
    const multi = await refusedWritingNothing(() =>
      history.call('executeMultiOperation', {
        namespaceId,
        startWorkflow: start,
        updateWorkflow: { namespace: 'default', workflowExecution: { workflowId: LONG }, request: { meta: { updateId: 'u' }, input: { name: 'x' } } },
      }),
    );
    expect(multi.code).toBe(GrpcCode.INVALID_ARGUMENT);
  });

  it('an int64-max run timeout is taken and capped at 100 years, as at the frontend', async () => {
    const request = startRequest({ workflowRunTimeout: { seconds: Number('9223372036854775807'), nanos: 0 } });
    await history.call('startWorkflowExecution', { namespaceId, request });
    const { history: events } = await connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: request.workflowId } });
    const startedEvent = events!.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(Number(startedEvent.workflowRunTimeout!.seconds)).toBe(3_153_600_000);
    await connection.workflowService.terminateWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: request.workflowId }, reason: 'done' });
  });
});
