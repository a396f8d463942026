import { namespaceNotFound } from '@kairos/common/errors';
import {
  byteLength,
  checkedDuration,
  checkedRetryPolicy,
  checkTaskQueue,
  durationNanos,
  isPositiveDuration,
  isValidUuid,
  maxIdLength,
  minDuration,
  priorityProblem,
  durationFromNanos,
  taskQueueText,
  validateCronSchedule,
} from '@kairos/domain';
import { setting } from '@kairos/common/settings';
import type {
  ContinueAsNewWorkflowExecutionCommandAttributes,
  FailWorkflowExecutionCommandAttributes,
  ModifyWorkflowPropertiesCommandAttributes,
  ProtocolMessageCommandAttributes,
  RecordMarkerCommandAttributes,
  RequestCancelActivityTaskCommandAttributes,
  RequestCancelExternalWorkflowExecutionCommandAttributes,
  ScheduleActivityTaskCommandAttributes,
  SignalExternalWorkflowExecutionCommandAttributes,
  StartChildWorkflowExecutionCommandAttributes,
  StartTimerCommandAttributes,
  CancelTimerCommandAttributes,
} from '@kairos/proto/temporal/api/command/v1/message';
import type { SearchAttributes } from '@kairos/proto/temporal/api/common/v1/message';
import { RetryPolicy, TaskQueue, TaskQueueKind, WorkflowTaskFailedCause as Cause, type Duration, type ExecutionInfo } from './protos';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';

/*
 * Temporal's checks of each command's attributes (its CommandAttrValidator and the checks its
 * workflow task handler makes before writing an event), in its order and words, with the
 * defaults and caps it applies on the way: pure functions that answer the attributes as Temporal
 * goes on with them, or throw the rejection that fails the workflow task with the command's
 * Bad…Attributes cause. Payload sizes, pending limits and duplicate ids are checked where the
 * command is carried out (commands.ts and the per-concern modules), after these, as Temporal does.
 */

/** A search-attributes problem: `unmapped` ones (a name the namespace does not know) are reported as they are. */
export interface SearchAttributesProblem {
  message: string;
  unmapped: boolean;
}

/** Checks search attributes a command sets against the namespace's; undefined when they are fine. */
export type SearchAttributesCheck = (searchAttributes: SearchAttributes | undefined) => SearchAttributesProblem | undefined;

/** What the checks need to know about the run and the completion. */
export interface CommandContext {
  info: ExecutionInfo;
  /** The run's namespace name ('' when unknown, e.g. in unit tests: commands naming one are then not checked against it). */
  namespaceName: string;
  /** Whether a namespace another command names exists (Temporal looks it up first: NOT_FOUND otherwise). */
  namespaceExists: (name: string) => boolean;
  checkSearchAttributes: SearchAttributesCheck;
  /** Workflow ids of the children this completion's earlier commands started. */
  childrenStarted: Set<string>;
}

function reject(cause: Cause, message: string): WorkflowTaskCompletionRejected {
  return new WorkflowTaskCompletionRejected(cause, message);
}

const tooLong = (value: string) => byteLength(value) > maxIdLength();

/** The default workflow task timeout and Temporal's two-minute cap on any. */
const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = setting('history.defaultWorkflowTaskTimeout');
const MAX_WORKFLOW_TASK_TIMEOUT_MS = setting('history.maxWorkflowTaskTimeout');
const msNanos = (ms: number) => BigInt(ms) * 1_000_000n;

/** Temporal's overrideWorkflowRunTimeout: the run timeout within the execution timeout (zero: none). */
export function overriddenRunTimeout(run: Duration | undefined, execution: Duration | undefined): Duration {
  const r = durationNanos(run);
  const e = durationNanos(execution);
  return durationFromNanos(e === 0n ? r : r === 0n ? e : r < e ? r : e);
}

/** Temporal's overrideWorkflowTaskTimeout: the default when unset, at most two minutes and the run timeout. */
export function overriddenTaskTimeout(task: Duration | undefined, run: Duration | undefined): Duration {
  let t = durationNanos(task) || msNanos(DEFAULT_WORKFLOW_TASK_TIMEOUT_MS);
  if (t > msNanos(MAX_WORKFLOW_TASK_TIMEOUT_MS)) t = msNanos(MAX_WORKFLOW_TASK_TIMEOUT_MS);
  const r = durationNanos(run);
  return durationFromNanos(r === 0n || t < r ? t : r);
}

/** A namespace a command names must exist: Temporal looks it up before anything else and answers NOT_FOUND. */
function requireNamespace(target: string, ctx: CommandContext): void {
  if (target && ctx.namespaceName && target !== ctx.namespaceName && !ctx.namespaceExists(target)) throw namespaceNotFound(target);
}

/** Temporal's default (system.enableCrossNamespaceCommands off): a command aimed at another namespace fails the task. */
function checkSameNamespace(target: string, ctx: CommandContext, cause: Cause): void {
  if (target && ctx.namespaceName && target !== ctx.namespaceName) throw reject(cause, 'cross namespace commands are not allowed');
}

// -------------------------------------------------------------------------------------------
// Activities and timers

/** ScheduleActivityTask: ids, retry policy, priority and timeouts; answers the attributes with Temporal's task queue, policy and timeouts. */
export function validateScheduleActivity(attrs: ScheduleActivityTaskCommandAttributes, info: ExecutionInfo): ScheduleActivityTaskCommandAttributes {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES;
  const refuse = (message: string) => reject(cause, message);
  const runQueue = info.taskQueue?.name ?? '';
  // No default: the SDKs always name the queue (the workflow's, unless told otherwise).
  const queue = checkTaskQueue(attrs.taskQueue, '', runQueue);
  if (queue.problem !== undefined) throw refuse(queue.problem);
  const activityId = attrs.activityId;
  const activityType = attrs.activityType?.name ?? '';
  if (!activityId) throw refuse('activityId is not set');
  if (!activityType) throw refuse('activityType is not set');
  // (An activity always gets a policy: unset, it is all defaults.)
  const retryPolicy = checkedRetryPolicy(attrs.retryPolicy ?? RetryPolicy.fromPartial({}), refuse);
  if (tooLong(activityId)) throw refuse(`activityId exceeds length limit. Length=${byteLength(activityId)} Limit=${maxIdLength()}`);
  if (tooLong(activityType)) throw refuse(`activityType exceeds length limit. Length=${byteLength(activityType)} Limit=${maxIdLength()}`);
  const priority = priorityProblem(attrs.priority);
  if (priority) throw refuse(`invalid priorities: ${priority}`);
  const timeouts = activityTimeouts(attrs, info.workflowRunTimeout, refuse);
  if (attrs.useWorkflowBuildId && attrs.taskQueue?.name && attrs.taskQueue.name !== runQueue) {
    throw refuse('Activity with UseCompatibleVersion cannot run on different task queue.');
  }
  return { ...attrs, taskQueue: queue.taskQueue, retryPolicy, ...timeouts };
}

type ActivityTimeouts = Pick<ScheduleActivityTaskCommandAttributes, 'scheduleToCloseTimeout' | 'scheduleToStartTimeout' | 'startToCloseTimeout' | 'heartbeatTimeout'>;

/**
 * Temporal's activity timeouts: each checked and capped; schedule-to-close bounds the others,
 * or (absent) becomes the run timeout when start-to-close is set; none of them past the run
 * timeout; the heartbeat within start-to-close.
 */
function activityTimeouts(attrs: ScheduleActivityTaskCommandAttributes, runTimeout: Duration | undefined, refuse: (message: string) => Error): ActivityTimeouts {
  const checked = (d: Duration | undefined, name: string) => checkedDuration(d, (problem) => refuse(`invalid ${name}: ${problem}`));
  let scheduleToClose = checked(attrs.scheduleToCloseTimeout, 'ScheduleToCloseTimeout');
  let scheduleToStart = checked(attrs.scheduleToStartTimeout, 'ScheduleToStartTimeout');
  let startToClose = checked(attrs.startToCloseTimeout, 'StartToCloseTimeout');
  let heartbeat = checked(attrs.heartbeatTimeout, 'HeartbeatTimeout');
  const run = runTimeout ?? { seconds: 0, nanos: 0 };
  if (isPositiveDuration(scheduleToClose)) {
    scheduleToStart = isPositiveDuration(scheduleToStart) ? minDuration(scheduleToStart, scheduleToClose) : scheduleToClose;
    startToClose = isPositiveDuration(startToClose) ? minDuration(startToClose, scheduleToClose) : scheduleToClose;
  } else if (isPositiveDuration(startToClose)) {
    scheduleToClose = run;
    if (!isPositiveDuration(scheduleToStart)) scheduleToStart = run;
  } else {
    throw refuse(
      `a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=${attrs.activityId} ActivityType=${attrs.activityType?.name ?? ''}`,
    );
  }
  const runNanos = durationNanos(run);
  if (runNanos > 0n) {
    const within = (d: Duration | undefined) => (durationNanos(d) > runNanos ? run : d);
    scheduleToClose = within(scheduleToClose);
    scheduleToStart = within(scheduleToStart);
    startToClose = within(startToClose);
    heartbeat = within(heartbeat);
  }
  heartbeat = minDuration(heartbeat, startToClose);
  return { scheduleToCloseTimeout: scheduleToClose, scheduleToStartTimeout: scheduleToStart, startToCloseTimeout: startToClose, heartbeatTimeout: heartbeat };
}

/** RequestCancelActivityTask: a scheduled event id. */
export function validateRequestCancelActivity(attrs: RequestCancelActivityTaskCommandAttributes): void {
  if (attrs.scheduledEventId <= 0) {
    throw reject(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES, 'ScheduledEventId is not set on RequestCancelActivityTaskCommand.');
  }
}

/** StartTimer: a timer id within the limit and a valid start-to-fire timeout (capped). */
export function validateStartTimer(attrs: StartTimerCommandAttributes): StartTimerCommandAttributes {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES;
  const timerId = attrs.timerId;
  if (!timerId) throw reject(cause, 'TimerId is not set on StartTimerCommand.');
  if (tooLong(timerId)) throw reject(cause, `TimerId on StartTimerCommand exceeds length limit. TimerId=${timerId} Length=${byteLength(timerId)} Limit=${maxIdLength()}`);
  const startToFireTimeout = checkedDuration(attrs.startToFireTimeout, (problem) =>
    reject(cause, `An invalid StartToFireTimeout is set on StartTimerCommand: ${problem}. TimerId=${timerId}`),
  );
  return { ...attrs, startToFireTimeout };
}

/** CancelTimer: a timer id within the limit. */
export function validateCancelTimer(attrs: CancelTimerCommandAttributes): void {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES;
  const timerId = attrs.timerId;
  if (!timerId) throw reject(cause, 'TimerId is not set on CancelTimerCommand.');
  if (tooLong(timerId)) throw reject(cause, `TimerId on CancelTimerCommand exceeds length limit. TimerId=${timerId} Length=${byteLength(timerId)} Limit=${maxIdLength()}`);
}

// -------------------------------------------------------------------------------------------
// Markers, properties, closing the run

/** RecordMarker: a marker name within the limit. */
export function validateRecordMarker(attrs: RecordMarkerCommandAttributes): void {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES;
  const name = attrs.markerName;
  if (!name) throw reject(cause, 'MarkerName is not set on RecordMarkerCommand.');
  if (tooLong(name)) throw reject(cause, `MarkerName on RecordMarkerCommand exceeds length limit. MarkerName=${name} Length=${byteLength(name)} Limit=${maxIdLength()}`);
}

/** ModifyWorkflowProperties: a memo with fields. */
export function validateModifyWorkflowProperties(attrs: ModifyWorkflowPropertiesCommandAttributes): void {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES;
  if (!attrs.upsertedMemo) throw reject(cause, 'UpsertedMemo is not set on ModifyWorkflowPropertiesCommand.');
  if (Object.keys(attrs.upsertedMemo.fields).length === 0) throw reject(cause, 'UpsertedMemo.Fields is not set on ModifyWorkflowPropertiesCommand.');
}

/** FailWorkflowExecution: a failure. */
export function validateFailWorkflow(attrs: FailWorkflowExecutionCommandAttributes): void {
  if (!attrs.failure) throw reject(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES, 'Failure is not set on FailWorkflowExecutionCommand.');
}

/** ProtocolMessage: its attributes and a message id. */
export function validateProtocolMessage(attrs: ProtocolMessageCommandAttributes | undefined): string {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE;
  if (!attrs) throw reject(cause, 'ProtocolMessageCommandAttributes is not set on ProtocolMessageCommand.');
  if (!attrs.messageId) throw reject(cause, 'MessageID is not set on ProtocolMessageCommand.');
  return attrs.messageId;
}

/** UpsertWorkflowSearchAttributes: attributes, at least one, and the namespace's check. */
export function validateUpsertSearchAttributes(searchAttributes: SearchAttributes | undefined, ctx: CommandContext): SearchAttributes {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES;
  if (!searchAttributes) throw reject(cause, 'SearchAttributes is not set on UpsertWorkflowSearchAttributesCommand.');
  if (Object.keys(searchAttributes.indexedFields).length === 0) throw reject(cause, 'IndexedFields is not set on UpsertWorkflowSearchAttributesCommand.');
  const problem = ctx.checkSearchAttributes(searchAttributes);
  if (problem) throw reject(cause, problem.message);
  return searchAttributes;
}

// -------------------------------------------------------------------------------------------
// Other runs: external signals and cancellations, children

/** RequestCancelExternalWorkflowExecution: the target namespace, a workflow id, a valid run id, not a child started by this same task. */
export function validateRequestCancelExternal(attrs: RequestCancelExternalWorkflowExecutionCommandAttributes, ctx: CommandContext): void {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES;
  const refuse = (message: string) => reject(cause, message);
  requireNamespace(attrs.namespace, ctx);
  checkSameNamespace(attrs.namespace, ctx, cause);
  const { workflowId, runId, namespace } = attrs;
  const command = 'RequestCancelExternalWorkflowExecutionCommand';
  if (!workflowId) throw refuse(`WorkflowId is not set on ${command}. Namespace=${namespace} RunId=${runId}`);
  if (tooLong(namespace)) {
    throw refuse(`Namespace on ${command} exceeds length limit. WorkflowId=${workflowId} RunId=${runId} Namespace=${namespace} Length=${byteLength(namespace)} Limit=${maxIdLength()}`);
  }
  if (tooLong(workflowId)) {
    throw refuse(`WorkflowId on ${command} exceeds length limit. WorkflowId=${workflowId} Length=${byteLength(workflowId)} Limit=${maxIdLength()} RunId=${runId} Namespace=${namespace}`);
  }
  if (runId && !isValidUuid(runId)) throw refuse(`Invalid RunId set on ${command}. WorkflowId=${workflowId} RunId=${runId} Namespace=${namespace}`);
  if (ctx.childrenStarted.has(workflowId)) {
    throw refuse(`Start and RequestCancel for child workflow is not allowed in same workflow task. WorkflowId=${workflowId} RunId=${runId} Namespace=${namespace}`);
  }
}

/** SignalExternalWorkflowExecution: an execution, the target namespace, a workflow id, a valid run id, a signal name. */
export function validateSignalExternal(attrs: SignalExternalWorkflowExecutionCommandAttributes, ctx: CommandContext): void {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES;
  const refuse = (message: string) => reject(cause, message);
  requireNamespace(attrs.namespace, ctx);
  if (!attrs.execution) throw refuse('Execution is not set on SignalExternalWorkflowExecutionCommand.');
  checkSameNamespace(attrs.namespace, ctx, cause);
  const { namespace, signalName } = attrs;
  const { workflowId, runId } = attrs.execution;
  const command = 'SignalExternalWorkflowExecutionCommand';
  if (!workflowId) throw refuse(`WorkflowId is not set on ${command}. Namespace=${namespace} RunId=${runId} SignalName=${signalName}`);
  if (tooLong(namespace)) {
    throw refuse(`Namespace on ${command} exceeds length limit. WorkflowId=${workflowId} Namespace=${namespace} Length=${byteLength(namespace)} Limit=${maxIdLength()} RunId=${runId} SignalName=${signalName}`);
  }
  if (tooLong(workflowId)) {
    throw refuse(`WorkflowId on ${command} exceeds length limit. WorkflowId=${workflowId} Length=${byteLength(workflowId)} Limit=${maxIdLength()} Namespace=${namespace} RunId=${runId} SignalName=${signalName}`);
  }
  if (runId && !isValidUuid(runId)) throw refuse(`Invalid RunId set on ${command}. WorkflowId=${workflowId} Namespace=${namespace} RunId=${runId} SignalName=${signalName}`);
  if (!signalName) throw refuse(`SignalName is not set on ${command}. WorkflowId=${workflowId} Namespace=${namespace} RunId=${runId}`);
}

/**
 * The search attributes a child or continue-as-new sets: a name the namespace does not know fails
 * the task at once, in the mapper's words (Temporal resolves aliases before it validates the
 * command); any other problem is answered by the returned check, at its place among the command's.
 */
function searchAttributesChecker(searchAttributes: SearchAttributes | undefined, ctx: CommandContext): (describe: (problem: string) => string) => void {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES;
  const problem = ctx.checkSearchAttributes(searchAttributes);
  if (problem?.unmapped) throw reject(cause, problem.message);
  return (describe) => {
    if (problem) throw reject(cause, describe(problem.message));
  };
}

/**
 * StartChildWorkflowExecution: the target namespace (unset: the parent's), ids within the limit,
 * timeouts, retry policy, cron schedule, search attributes, priority and task queue (unset: the
 * parent's). Answers the attributes with the namespace, task queue, policy and Temporal's run and
 * task timeouts filled in.
 */
export function validateStartChild(attrs: StartChildWorkflowExecutionCommandAttributes, ctx: CommandContext): StartChildWorkflowExecutionCommandAttributes {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES;
  const refuse = (message: string) => reject(cause, message);
  requireNamespace(attrs.namespace, ctx);
  const checkSearchAttributes = searchAttributesChecker(attrs.searchAttributes, ctx);
  checkSameNamespace(attrs.namespace, ctx, cause);
  const namespace = attrs.namespace || ctx.namespaceName;
  const workflowId = attrs.workflowId;
  const workflowType = attrs.workflowType?.name ?? '';
  const command = 'StartChildWorkflowExecutionCommand';
  const about = `WorkflowId=${workflowId} WorkflowType=${workflowType} Namespace=${namespace}`;
  if (!workflowId) throw refuse(`Required field WorkflowId is not set on ${command}. WorkflowType=${workflowType} Namespace=${namespace}`);
  if (!workflowType) throw refuse(`Required field WorkflowType is not set on ${command}. WorkflowId=${workflowId} Namespace=${namespace}`);
  if (tooLong(namespace)) {
    throw refuse(`Namespace on ${command} exceeds length limit. WorkflowId=${workflowId} WorkflowType=${workflowType} Namespace=${namespace} Length=${byteLength(namespace)} Limit=${maxIdLength()}`);
  }
  if (tooLong(workflowId)) {
    throw refuse(`WorkflowId on ${command} exceeds length limit. WorkflowId=${workflowId} Length=${byteLength(workflowId)} Limit=${maxIdLength()} WorkflowType=${workflowType} Namespace=${namespace}`);
  }
  if (tooLong(workflowType)) {
    throw refuse(`WorkflowType on ${command} exceeds length limit. WorkflowId=${workflowId} WorkflowType=${workflowType} Length=${byteLength(workflowType)} Limit=${maxIdLength()} Namespace=${namespace}`);
  }
  const timeout = (d: Duration | undefined, name: string) => checkedDuration(d, (problem) => refuse(`Invalid ${name} on ${command}: ${problem}. ${about}`));
  const workflowExecutionTimeout = timeout(attrs.workflowExecutionTimeout, 'WorkflowExecutionTimeout');
  const runTimeout = timeout(attrs.workflowRunTimeout, 'WorkflowRunTimeout');
  const taskTimeout = timeout(attrs.workflowTaskTimeout, 'WorkflowTaskTimeout');
  const retryPolicy = checkedRetryPolicy(attrs.retryPolicy, (problem) => refuse(`invalid WorkflowRetryPolicy on ${command}: ${problem}. ${about}`));
  const cronProblem = validateCronSchedule(attrs.cronSchedule);
  if (cronProblem) throw refuse(`invalid CronSchedule on ${command}: ${cronProblem}. ${about}`);
  checkSearchAttributes((problem) => `invalid SearchAttributes on StartChildWorkflowCommand: ${problem}. ${about}`);
  const priority = priorityProblem(attrs.priority);
  if (priority) throw refuse(priority);
  const parentQueue = ctx.info.taskQueue?.name ?? '';
  const given = attrs.taskQueue ?? TaskQueue.fromPartial({ kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
  const queue = checkTaskQueue(given, parentQueue, parentQueue);
  if (queue.problem !== undefined) {
    const shown = TaskQueue.fromPartial({ ...given, kind: given.kind || TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
    throw refuse(`invalid TaskQueue on ${command}: ${queue.problem}. ${about} TaskQueue=${taskQueueText(shown)}`);
  }
  const workflowRunTimeout = overriddenRunTimeout(runTimeout, workflowExecutionTimeout);
  if (attrs.inheritBuildId && attrs.taskQueue?.name && attrs.taskQueue.name !== parentQueue) {
    throw refuse('StartChildWorkflowExecution with UseCompatibleVersion cannot run on different task queue.');
  }
  return {
    ...attrs,
    namespace,
    taskQueue: queue.taskQueue,
    workflowExecutionTimeout,
    workflowRunTimeout,
    workflowTaskTimeout: overriddenTaskTimeout(taskTimeout, workflowRunTimeout),
    retryPolicy,
  };
}

/**
 * ContinueAsNewWorkflowExecution: the type (unset: the run's) within the limit, the task queue
 * (unset: the run's), timeouts and backoff, retry policy and search attributes. Answers the
 * attributes with the type, task queue, policy and Temporal's run and task timeouts filled in.
 */
export function validateContinueAsNew(attrs: ContinueAsNewWorkflowExecutionCommandAttributes, ctx: CommandContext): ContinueAsNewWorkflowExecutionCommandAttributes {
  const cause = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES;
  const refuse = (message: string) => reject(cause, message);
  const info = ctx.info;
  const checkSearchAttributes = searchAttributesChecker(attrs.searchAttributes, ctx);
  const command = 'ContinueAsNewWorkflowExecutionCommand';
  const workflowType = attrs.workflowType?.name ? attrs.workflowType : { name: info.workflowTypeName };
  if (tooLong(workflowType.name)) {
    throw refuse(`WorkflowType on ${command} exceeds length limit. WorkflowType=${workflowType.name} Length=${byteLength(workflowType.name)} Limit=${maxIdLength()}`);
  }
  const runQueue = info.taskQueue?.name ?? '';
  const given = attrs.taskQueue ?? TaskQueue.fromPartial({ kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
  const queue = checkTaskQueue(given, runQueue, runQueue);
  const shownQueue = taskQueueText(queue.taskQueue ?? TaskQueue.fromPartial({ ...given, kind: given.kind || TaskQueueKind.TASK_QUEUE_KIND_NORMAL }));
  const about = `WorkflowType=${workflowType.name} TaskQueue=${shownQueue}`;
  if (queue.problem !== undefined) throw refuse(`error validating ${command} TaskQueue: ${queue.problem}. ${about}`);
  const timeout = (d: Duration | undefined, name: string) => checkedDuration(d, (problem) => refuse(`Invalid ${name} on ${command}: ${problem}. ${about}`));
  let runTimeout = timeout(attrs.workflowRunTimeout, 'WorkflowRunTimeout');
  let taskTimeout = timeout(attrs.workflowTaskTimeout, 'WorkflowTaskTimeout');
  const backoffStartInterval = timeout(attrs.backoffStartInterval, 'BackoffStartInterval');
  if (durationNanos(runTimeout) === 0n) runTimeout = info.workflowRunTimeout;
  if (durationNanos(taskTimeout) === 0n) taskTimeout = info.workflowTaskTimeout;
  const workflowRunTimeout = overriddenRunTimeout(runTimeout, info.workflowExecutionTimeout);
  const workflowTaskTimeout = overriddenTaskTimeout(taskTimeout, workflowRunTimeout);
  const retryPolicy = checkedRetryPolicy(attrs.retryPolicy, (problem) => refuse(`invalid WorkflowRetryPolicy on ${command}: ${problem}. ${about}`));
  checkSearchAttributes((problem) => `invalid SearchAttributes on ${command}: ${problem}. ${about}`);
  if (attrs.inheritBuildId && attrs.taskQueue?.name && attrs.taskQueue.name !== runQueue) {
    throw refuse('ContinueAsNew with UseCompatibleVersion cannot run on different task queue.');
  }
  return { ...attrs, workflowType, taskQueue: queue.taskQueue, workflowRunTimeout, workflowTaskTimeout, backoffStartInterval, retryPolicy };
}
