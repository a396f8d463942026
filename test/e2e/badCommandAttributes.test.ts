import Long from 'long';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { errorShape, GrpcCode, payload, rawWorker, type Command, type RawWorker } from '../src/harness/rawWorker';

/*
 * Every command type with attributes Temporal's validator refuses (ids and names empty or past
 * the 1,000-byte limit, negative or mixed-sign durations, bad retry policies, task queues and
 * priorities, unknown namespaces, run ids that are not UUIDs...) and with values it accepts but
 * caps (int64-max durations: 100 years): raw gRPC workers send the same completion to Kairos and
 * to the real Temporal dev server, and the answer (code and message), the next workflow task and
 * the history (WorkflowTaskFailed with its cause and message, or the capped values in the
 * events) must be the same.
 */

const { CommandType, TaskQueueKind } = temporal.api.enums.v1;
type Attrs<K extends keyof temporal.api.command.v1.ICommand> = NonNullable<temporal.api.command.v1.ICommand[K]>;

/** An id or name past Temporal's 1,000-byte limit. */
const LONG = 'x'.repeat(1_001);
/** int64-max seconds: Temporal takes it and caps it at 100 years. */
const INT64_MAX = Long.fromString('9223372036854775807');
const d = (seconds: number | Long, nanos = 0) => ({ seconds: seconds as never, nanos });
const RUN_ID = '0190f3a1-1111-7abc-8def-123456789abc';

interface Case {
  /** The completion's commands, made from the run's ids (so names derived from the suffix line up). */
  commands: (w: RawWorker, suffix: string) => Command[];
  /**
   * An accepted completion whose events call for more workflow tasks the scenario waits for (a
   * child started): how many come on the run's queue (a child on its parent's queue has its own).
   */
  waitForTasks?: number;
}

const activity = (attrs: Attrs<'scheduleActivityTaskCommandAttributes'>): Case['commands'] => () => [
  {
    commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: { activityId: 'a1', activityType: { name: 'Act' }, taskQueue: { name: 'act-q' }, startToCloseTimeout: d(10), ...attrs },
  },
];
const timer = (attrs: Attrs<'startTimerCommandAttributes'>): Case['commands'] => () => [
  { commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: 't1', startToFireTimeout: d(5), ...attrs } },
];
const one = (command: Command): Case['commands'] => () => [command];
const child = (attrs: Attrs<'startChildWorkflowExecutionCommandAttributes'>): Case['commands'] => (_w, suffix) => [
  {
    commandType: CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
    startChildWorkflowExecutionCommandAttributes: { workflowId: `child-${suffix}`, workflowType: { name: 'Child' }, taskQueue: { name: `child-q-${suffix}` }, ...attrs },
  },
];
const continueAsNew = (attrs: Attrs<'continueAsNewWorkflowExecutionCommandAttributes'>): Case['commands'] => () => [
  { commandType: CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION, continueAsNewWorkflowExecutionCommandAttributes: { workflowType: { name: 'RawWorkflow' }, ...attrs } },
];
const signal = (attrs: Attrs<'signalExternalWorkflowExecutionCommandAttributes'>): Case['commands'] => () => [
  { commandType: CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION, signalExternalWorkflowExecutionCommandAttributes: { execution: { workflowId: 'target' }, signalName: 'sig', ...attrs } },
];
const cancelExternal = (attrs: Attrs<'requestCancelExternalWorkflowExecutionCommandAttributes'>): Case['commands'] => () => [
  { commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION, requestCancelExternalWorkflowExecutionCommandAttributes: { workflowId: 'target', ...attrs } },
];

/** Refused: one invalid variant (at least) of every attribute Temporal checks. */
const REFUSED: Record<string, Case> = {
  // ScheduleActivityTask
  'activity: no task queue': { commands: activity({ taskQueue: null }) },
  'activity: empty task queue name': { commands: activity({ taskQueue: { name: '' } }) },
  'activity: task queue too long': { commands: activity({ taskQueue: { name: LONG } }) },
  'activity: reserved task queue prefix': { commands: activity({ taskQueue: { name: '/_sys/q' } }) },
  'activity: internal per-namespace task queue': { commands: activity({ taskQueue: { name: 'temporal-sys-per-ns-tq' } }) },
  'activity: no activity id': { commands: activity({ activityId: '' }) },
  'activity: no activity type': { commands: activity({ activityType: null }) },
  'activity: activity id too long': { commands: activity({ activityId: LONG }) },
  'activity: activity type too long': { commands: activity({ activityType: { name: LONG } }) },
  'activity: backoff coefficient below 1': { commands: activity({ retryPolicy: { backoffCoefficient: 0.5 } }) },
  'activity: negative initial interval': { commands: activity({ retryPolicy: { initialInterval: d(-1) } }) },
  'activity: negative maximum interval': { commands: activity({ retryPolicy: { maximumInterval: d(-5) } }) },
  'activity: maximum interval below initial': { commands: activity({ retryPolicy: { initialInterval: d(10), maximumInterval: d(5) } }) },
  'activity: negative maximum attempts': { commands: activity({ retryPolicy: { maximumAttempts: -1 } }) },
  'activity: unknown timeout type in non-retryable errors': { commands: activity({ retryPolicy: { nonRetryableErrorTypes: ['TemporalTimeout:Foo'] } }) },
  'activity: int64-max initial interval (its default maximum overflows)': { commands: activity({ retryPolicy: { initialInterval: d(INT64_MAX) } }) },
  'activity: negative priority key': { commands: activity({ priority: { priorityKey: -1 } }) },
  'activity: fairness key too long': { commands: activity({ priority: { fairnessKey: 'k'.repeat(65) } }) },
  'activity: negative fairness weight': { commands: activity({ priority: { fairnessWeight: -1 } }) },
  'activity: negative schedule-to-close': { commands: activity({ scheduleToCloseTimeout: d(-1) }) },
  'activity: negative nanos schedule-to-start': { commands: activity({ scheduleToStartTimeout: d(0, -3) }) },
  'activity: mixed-sign start-to-close': { commands: activity({ startToCloseTimeout: d(5, -3) }) },
  'activity: mixed-sign heartbeat': { commands: activity({ heartbeatTimeout: d(-5, 3) }) },
  'activity: neither start-to-close nor schedule-to-close': { commands: activity({ startToCloseTimeout: null }) },
  'activity: use-workflow-build-id on another queue': { commands: activity({ useWorkflowBuildId: true, taskQueue: { name: 'other-q' } }) },
  'activity: the same id twice': { commands: (w, s) => [...activity({})(w, s), ...activity({})(w, s)] },
  // RequestCancelActivityTask
  'cancel activity: no scheduled event id': { commands: one({ commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK, requestCancelActivityTaskCommandAttributes: { scheduledEventId: 0 as never } }) },
  'cancel activity: negative scheduled event id': { commands: one({ commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK, requestCancelActivityTaskCommandAttributes: { scheduledEventId: -4 as never } }) },
  'cancel activity: unknown activity': { commands: one({ commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK, requestCancelActivityTaskCommandAttributes: { scheduledEventId: 77 as never } }) },
  // StartTimer, CancelTimer
  'timer: timer id too long': { commands: timer({ timerId: LONG }) },
  'timer: mixed-sign start-to-fire': { commands: timer({ startToFireTimeout: d(5, -1) }) },
  'timer: the same id twice': { commands: (w, s) => [...timer({})(w, s), ...timer({})(w, s)] },
  'cancel timer: no timer id': { commands: one({ commandType: CommandType.COMMAND_TYPE_CANCEL_TIMER, cancelTimerCommandAttributes: { timerId: '' } }) },
  'cancel timer: timer id too long': { commands: one({ commandType: CommandType.COMMAND_TYPE_CANCEL_TIMER, cancelTimerCommandAttributes: { timerId: LONG } }) },
  'cancel timer: unknown timer': { commands: one({ commandType: CommandType.COMMAND_TYPE_CANCEL_TIMER, cancelTimerCommandAttributes: { timerId: 'nope' } }) },
  // RecordMarker, ModifyWorkflowProperties, FailWorkflowExecution, ProtocolMessage
  'marker: no marker name': { commands: one({ commandType: CommandType.COMMAND_TYPE_RECORD_MARKER, recordMarkerCommandAttributes: { markerName: '' } }) },
  'marker: marker name too long': { commands: one({ commandType: CommandType.COMMAND_TYPE_RECORD_MARKER, recordMarkerCommandAttributes: { markerName: LONG } }) },
  'properties: no memo': { commands: one({ commandType: CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES, modifyWorkflowPropertiesCommandAttributes: {} }) },
  'properties: memo without fields': { commands: one({ commandType: CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES, modifyWorkflowPropertiesCommandAttributes: { upsertedMemo: { fields: {} } } }) },
  'fail workflow: no failure': { commands: one({ commandType: CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, failWorkflowExecutionCommandAttributes: {} }) },
  'protocol message: no attributes': { commands: one({ commandType: CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE }) },
  'protocol message: no message id': { commands: one({ commandType: CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE, protocolMessageCommandAttributes: { messageId: '' } }) },
  // SignalExternalWorkflowExecution
  'signal: no execution': { commands: signal({ execution: null }) },
  'signal: no workflow id': { commands: signal({ execution: { workflowId: '' } }) },
  'signal: workflow id too long': { commands: signal({ execution: { workflowId: LONG } }) },
  'signal: run id not a UUID': { commands: signal({ execution: { workflowId: 'target', runId: 'not-a-uuid' } }) },
  'signal: no signal name': { commands: signal({ signalName: '' }) },
  // RequestCancelExternalWorkflowExecution
  'cancel external: no workflow id': { commands: cancelExternal({ workflowId: '', runId: RUN_ID }) },
  'cancel external: workflow id too long': { commands: cancelExternal({ workflowId: LONG }) },
  'cancel external: run id not a UUID': { commands: cancelExternal({ runId: 'not-a-uuid' }) },
  'cancel external: a child started by the same task': {
    commands: (w, s) => [...child({})(w, s), ...cancelExternal({ workflowId: `child-${s}` })(w, s)],
  },
  // StartChildWorkflowExecution
  'child: no workflow id': { commands: child({ workflowId: '' }) },
  'child: no workflow type': { commands: child({ workflowType: null }) },
  'child: workflow id too long': { commands: child({ workflowId: LONG }) },
  'child: workflow type too long': { commands: child({ workflowType: { name: LONG } }) },
  'child: negative execution timeout': { commands: child({ workflowExecutionTimeout: d(0, -1) }) },
  'child: negative run timeout': { commands: child({ workflowRunTimeout: d(-1) }) },
  'child: mixed-sign task timeout': { commands: child({ workflowTaskTimeout: d(3, -1) }) },
  'child: bad retry policy': { commands: child({ retryPolicy: { backoffCoefficient: 0.2 } }) },
  'child: bad cron schedule': { commands: child({ cronSchedule: 'not a cron' }) },
  'child: unknown search attribute': { commands: child({ searchAttributes: { indexedFields: { NoSuchAttribute: payload('x') } } }) },
  'child: negative priority key': { commands: child({ priority: { priorityKey: -2 } }) },
  'child: task queue too long': { commands: child({ taskQueue: { name: LONG } }) },
  'child: reserved task queue prefix': { commands: child({ taskQueue: { name: '/_sys/x' } }) },
  'child: inherit build id on another queue': { commands: child({ inheritBuildId: true }) },
  // ContinueAsNewWorkflowExecution
  'continue-as-new: workflow type too long': { commands: continueAsNew({ workflowType: { name: LONG } }) },
  'continue-as-new: task queue too long': { commands: continueAsNew({ taskQueue: { name: LONG } }) },
  'continue-as-new: reserved task queue prefix': { commands: continueAsNew({ taskQueue: { name: '/_sys/x' } }) },
  'continue-as-new: negative run timeout': { commands: continueAsNew({ workflowRunTimeout: d(-1) }) },
  'continue-as-new: mixed-sign task timeout': { commands: continueAsNew({ workflowTaskTimeout: d(5, -1) }) },
  'continue-as-new: negative backoff': { commands: continueAsNew({ backoffStartInterval: d(-3) }) },
  'continue-as-new: bad retry policy': { commands: continueAsNew({ retryPolicy: { maximumAttempts: -3 } }) },
  'continue-as-new: unknown search attribute': { commands: continueAsNew({ searchAttributes: { indexedFields: { NoSuchAttribute: payload('x') } } }) },
  'continue-as-new: inherit build id on another queue': { commands: continueAsNew({ inheritBuildId: true, taskQueue: { name: 'other-q' } }) },
};

/** Accepted, with what Temporal makes of them written in the events: caps, defaults, kept values. */
const ACCEPTED: Record<string, Case> = {
  'activity: int64-max start-to-close (capped)': { commands: activity({ startToCloseTimeout: d(INT64_MAX) }) },
  'activity: int64-max timeouts (capped; the others follow schedule-to-close)': {
    commands: activity({ scheduleToCloseTimeout: d(INT64_MAX), startToCloseTimeout: null, heartbeatTimeout: d(INT64_MAX) }),
  },
  'activity: one attempt, nothing else of the policy checked': { commands: activity({ retryPolicy: { maximumAttempts: 1, backoffCoefficient: 0.1 } }) },
  'activity: a sticky task queue kind': { commands: activity({ taskQueue: { name: 'act-q', kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY } }) },
  'timer: int64-max start-to-fire (capped)': { commands: timer({ startToFireTimeout: d(INT64_MAX) }) },
  // The target does not exist: the failed signal schedules a workflow task, taken before the
  // terminate so the failure is recorded first on both servers.
  'signal: a signal name of any length': { commands: signal({ signalName: LONG }), waitForTasks: 1 },
  'child: int64-max timeouts (capped; task timeout at most 2 minutes)': {
    commands: child({ workflowExecutionTimeout: d(INT64_MAX), workflowRunTimeout: d(INT64_MAX), workflowTaskTimeout: d(INT64_MAX) }),
    waitForTasks: 1,
  },
  "child: no task queue (the parent's)": { commands: child({ taskQueue: null }), waitForTasks: 2 },
  'continue-as-new: int64-max timeouts and backoff (capped)': {
    commands: continueAsNew({ workflowRunTimeout: d(INT64_MAX), workflowTaskTimeout: d(INT64_MAX), backoffStartInterval: d(INT64_MAX) }),
  },
};

/** The completion with this case's commands: the answer, and the next workflow task when one must come. */
const completing = (name: string, c: Case): Scenario => async (address, { suffix }) => {
  const w = await rawWorker(address, { name: `attrs-${name.replace(/[^a-z0-9]+/gi, '-')}`.slice(0, 80), suffix });
  try {
    const task = await w.mustPoll();
    const refused = await errorShape(w.complete(task, c.commands(w, suffix)));
    // A refused completion fails the task (attempt 2 follows); an accepted one that started a
    // child gets a task when the child has started (and the child its first, on the same queue
    // when it has no queue of its own: the order of the two is the servers' own).
    const invalid = refused !== 'OK' && refused.code === GrpcCode.INVALID_ARGUMENT;
    const polls = invalid ? 1 : refused === 'OK' ? (c.waitForTasks ?? 0) : 0;
    const tasks = [];
    for (let i = 0; i < polls; i++) {
      const next = await w.mustPoll();
      tasks.push({ ...(w.shape(next) as object), workflowId: next.workflowExecution?.workflowId });
    }
    tasks.sort((a, b) => String(a.workflowId).localeCompare(String(b.workflowId)));
    const next = polls === 0 ? 'not polled' : polls === 1 ? tasks[0] : tasks;
    await w.terminate('done');
    return { outcome: { refused, next }, workflowIds: [w.workflowId] };
  } finally {
    await w.connection.close();
  }
};

describe('command attributes Temporal refuses, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  for (const [name, c] of Object.entries(REFUSED)) {
    it(name, async () => {
      const run = await servers.compare(completing(name, c));
      const { refused, next } = run.outcome as { refused: { code: number; details: string }; next: { attempt: number } };
      expect(refused.code).toBe(GrpcCode.INVALID_ARGUMENT);
      expect(refused.details).toMatch(/^(Bad\w+|ScheduleActivityDuplicateId|StartTimerDuplicateId): /);
      expect(next.attempt).toBe(2);
    });
  }

  it('a completion from an identity past 1,000 bytes is INVALID_ARGUMENT, and the task is not failed', async () => {
    const longIdentity: Scenario = async (address, { suffix }) => {
      const w = await rawWorker(address, { name: 'attrs-long-identity', suffix });
      try {
        const task = await w.mustPoll();
        const refused = await errorShape(w.complete(task, [], [], { identity: LONG }));
        await w.terminate('done');
        return { outcome: { refused }, workflowIds: [w.workflowId] };
      } finally {
        await w.connection.close();
      }
    };
    const run = await servers.compare(longIdentity);
    expect(run.outcome).toEqual({ refused: { code: GrpcCode.INVALID_ARGUMENT, details: 'Identity length exceeds limit.' } });
  });

  it('a command naming a namespace that does not exist is NOT_FOUND, and the task is not failed', async () => {
    for (const commands of [
      signal({ namespace: 'no-such-namespace' }),
      cancelExternal({ namespace: 'no-such-namespace' }),
      child({ namespace: 'no-such-namespace' }),
    ]) {
      const run = await servers.compare(completing('unknown-namespace', { commands }));
      expect(run.outcome).toEqual({ refused: { code: GrpcCode.NOT_FOUND, details: 'Namespace no-such-namespace is not found.' }, next: 'not polled' });
    }
  });
});

describe('command attributes Temporal accepts and caps, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  for (const [name, c] of Object.entries(ACCEPTED)) {
    it(name, async () => {
      const run = await servers.compare(completing(name, c));
      expect((run.outcome as { refused: unknown }).refused).toBe('OK');
    });
  }

  it('the capped values are 100 years', async () => {
    const run = await servers.compare(completing('capped-timer', ACCEPTED['timer: int64-max start-to-fire (capped)']!));
    const history = Object.values(run.histories)[0]!;
    expect(history.find((e) => e.eventType === 'EVENT_TYPE_TIMER_STARTED')).toMatchObject({ timerStartedEventAttributes: { startToFireTimeout: '3153600000s' } });
  });
});
