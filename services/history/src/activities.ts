import { addMs, durationToMs, msToDuration } from '@kairos/domain';
import { ExecutionUpdate } from './executionUpdate';
import {
  ActivityInfo,
  EventType,
  Failure,
  Payloads,
  RetryState,
  TaskQueue,
  TaskQueueKind,
  TimeoutType,
  TimerTaskKind,
  TransferTaskKind,
  WorkflowTaskFailedCause,
} from './protos';
import type { Duration } from './protos';
import type { WorkerVersionStamp } from '@kairos/proto/temporal/api/common/v1/message';
import { decideRetry, validateRetryPolicy, withRetryDefaults } from './retryPolicy';
import { scheduleWorkflowTask } from './workflowTasks';
import type { ScheduleActivityTaskCommandAttributes } from '@kairos/proto/temporal/api/command/v1/message';

/** Invalid command attributes; `failedCause` says which WorkflowTaskFailed cause Temporal records. */
export class BadCommandAttributesError extends Error {
  constructor(
    message: string,
    readonly failedCause: WorkflowTaskFailedCause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
  ) {
    super(message);
  }
}

interface NormalizedTimeouts {
  scheduleToClose: number;
  scheduleToStart: number;
  startToClose: number;
  heartbeat: number;
}

/** Temporal's defaulting and capping of activity timeouts (all in ms, 0 = none). */
export function normalizeActivityTimeouts(
  attrs: {
    scheduleToCloseTimeout?: Duration;
    scheduleToStartTimeout?: Duration;
    startToCloseTimeout?: Duration;
    heartbeatTimeout?: Duration;
    activityId?: string;
    activityType?: { name: string };
  },
  runTimeoutMs: number,
): NormalizedTimeouts {
  let scheduleToClose = durationToMs(attrs.scheduleToCloseTimeout);
  let scheduleToStart = durationToMs(attrs.scheduleToStartTimeout);
  let startToClose = durationToMs(attrs.startToCloseTimeout);
  let heartbeat = durationToMs(attrs.heartbeatTimeout);
  const negative: Array<[number, string]> = [
    [scheduleToClose, 'ScheduleToCloseTimeout'],
    [scheduleToStart, 'ScheduleToStartTimeout'],
    [startToClose, 'StartToCloseTimeout'],
    [heartbeat, 'HeartbeatTimeout'],
  ];
  for (const [value, name] of negative) {
    if (value < 0) throw new BadCommandAttributesError(`invalid ${name}: negative duration`);
  }
  if (scheduleToClose > 0) {
    scheduleToStart = scheduleToStart > 0 ? Math.min(scheduleToStart, scheduleToClose) : scheduleToClose;
    startToClose = startToClose > 0 ? Math.min(startToClose, scheduleToClose) : scheduleToClose;
  } else if (startToClose > 0) {
    scheduleToClose = runTimeoutMs;
    if (scheduleToStart === 0) scheduleToStart = runTimeoutMs;
  } else {
    throw new BadCommandAttributesError(
      `a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=${attrs.activityId ?? ''} ActivityType=${attrs.activityType?.name ?? ''}`,
    );
  }
  if (runTimeoutMs > 0) {
    scheduleToClose = Math.min(scheduleToClose || runTimeoutMs, runTimeoutMs);
    scheduleToStart = Math.min(scheduleToStart || runTimeoutMs, runTimeoutMs);
    startToClose = Math.min(startToClose, runTimeoutMs);
    heartbeat = Math.min(heartbeat, runTimeoutMs);
  }
  heartbeat = Math.min(heartbeat, startToClose);
  return { scheduleToClose, scheduleToStart, startToClose, heartbeat };
}

/** Handles a ScheduleActivityTask command: event, pending activity, dispatch and timers. */
/**
 * Handles a ScheduleActivityTask command: event, pending activity, timers and, unless the worker
 * will run it eagerly (it is then started by the caller, not dispatched), a task for matching.
 * Returns the pending activity.
 */
export function scheduleActivity(
  update: ExecutionUpdate,
  attrs: ScheduleActivityTaskCommandAttributes,
  workflowTaskCompletedEventId: number,
  eager = false,
): ActivityInfo {
  if (!attrs.activityId) throw new BadCommandAttributesError('activityId is not set');
  if (!attrs.activityType?.name) throw new BadCommandAttributesError('activityType is not set');
  for (const pending of Object.values(update.state.activities)) {
    if (pending.activityId === attrs.activityId) {
      throw new BadCommandAttributesError(
        `invalid history builder state for action: add-activitytask-scheduled-event, ActivityID: ${attrs.activityId}`,
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID,
      );
    }
  }
  const policyProblem = validateRetryPolicy(attrs.retryPolicy);
  if (policyProblem) throw new BadCommandAttributesError(policyProblem);
  const info = update.info;
  const timeouts = normalizeActivityTimeouts(attrs, durationToMs(info.workflowRunTimeout));
  const taskQueue = TaskQueue.fromPartial({
    name: attrs.taskQueue?.name || info.taskQueue!.name,
    kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
  });
  const retryPolicy = withRetryDefaults(attrs.retryPolicy);
  const event = update.appendEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
    activityTaskScheduledEventAttributes: {
      activityId: attrs.activityId,
      activityType: attrs.activityType,
      taskQueue,
      header: attrs.header,
      input: attrs.input,
      scheduleToCloseTimeout: msToDuration(timeouts.scheduleToClose),
      scheduleToStartTimeout: msToDuration(timeouts.scheduleToStart),
      startToCloseTimeout: msToDuration(timeouts.startToClose),
      heartbeatTimeout: msToDuration(timeouts.heartbeat),
      workflowTaskCompletedEventId,
      retryPolicy,
      useWorkflowBuildId: attrs.useWorkflowBuildId,
      priority: attrs.priority,
    },
  });
  const activity = ActivityInfo.fromPartial({
    scheduledEventId: event.eventId,
    activityId: attrs.activityId,
    activityType: attrs.activityType,
    taskQueue,
    scheduleToCloseTimeout: msToDuration(timeouts.scheduleToClose),
    scheduleToStartTimeout: msToDuration(timeouts.scheduleToStart),
    startToCloseTimeout: msToDuration(timeouts.startToClose),
    heartbeatTimeout: msToDuration(timeouts.heartbeat),
    retryPolicy,
    scheduledTime: update.now,
    currentAttemptScheduledTime: update.now,
    attempt: 1,
  });
  update.state.activities[event.eventId] = activity;
  if (!eager) dispatchActivityAttempt(update, activity);
  if (timeouts.scheduleToClose > 0) {
    update.addTimerTask({
      kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
      fireTime: addMs(update.now, timeouts.scheduleToClose),
      eventId: event.eventId,
      attempt: 1,
      timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
    });
  }
  return activity;
}

/** Hands the activity's current attempt to matching and arms its schedule-to-start timer. */
function dispatchActivityAttempt(update: ExecutionUpdate, activity: ActivityInfo): void {
  update.addTransferTask({
    kind: TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK,
    scheduledEventId: activity.scheduledEventId,
    taskQueue: activity.taskQueue,
    attempt: activity.attempt,
    scheduleToStartTimeout: activity.scheduleToStartTimeout,
  });
  const scheduleToStart = durationToMs(activity.scheduleToStartTimeout);
  const scheduleToClose = durationToMs(activity.scheduleToCloseTimeout);
  // Schedule-to-close covers the same ground when it is not longer.
  if (scheduleToStart > 0 && (scheduleToClose === 0 || scheduleToStart < scheduleToClose)) {
    update.addTimerTask({
      kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
      fireTime: addMs(update.now, scheduleToStart),
      eventId: activity.scheduledEventId,
      attempt: activity.attempt,
      timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
    });
  }
}

/** Marks the current attempt started. No event: ActivityTaskStarted is written when the activity closes. */
export function startActivity(
  update: ExecutionUpdate,
  activity: ActivityInfo,
  requestId: string,
  identity: string,
  workerVersion?: WorkerVersionStamp,
): void {
  activity.started = true;
  activity.startedWorkerVersion = workerVersion;
  activity.startedTime = update.now;
  activity.startedIdentity = identity;
  activity.startedRequestId = requestId;
  activity.lastWorkerIdentity = identity;
  update.addTimerTask({
    kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
    fireTime: addMs(update.now, durationToMs(activity.startToCloseTimeout)),
    eventId: activity.scheduledEventId,
    attempt: activity.attempt,
    timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
  });
  const heartbeat = durationToMs(activity.heartbeatTimeout);
  if (heartbeat > 0) {
    update.addTimerTask({
      kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
      fireTime: addMs(update.now, heartbeat),
      eventId: activity.scheduledEventId,
      attempt: activity.attempt,
      timeoutType: TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
    });
  }
}

/** How an activity closes; `workerVersion` is the closing worker's stamp (none when the server closes it). */
type ClosingEvent =
  | { type: EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED; attrs: { result?: Payloads; identity: string } }
  | { type: EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED; attrs: { failure?: Failure; identity: string; retryState: RetryState } }
  | { type: EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT; attrs: { failure?: Failure; retryState: RetryState } }
  | {
      type: EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED;
      attrs: { details?: Payloads; identity: string; latestCancelRequestedEventId: number };
    };

/**
 * Closes the activity: writes its (lazy) ActivityTaskStarted if it ever started, then the closing
 * event, removes it from the pending set and schedules a workflow task so the workflow sees it.
 */
export function closeActivity(
  update: ExecutionUpdate,
  activity: ActivityInfo,
  closing: ClosingEvent,
  workerVersion?: WorkerVersionStamp,
): void {
  let startedEventId = 0;
  const buffering = update.workflowTaskInFlight;
  if (activity.started) {
    const startedAttrs = {
      activityTaskStartedEventAttributes: {
        scheduledEventId: activity.scheduledEventId,
        identity: activity.startedIdentity,
        requestId: activity.startedRequestId,
        attempt: activity.attempt,
        lastFailure: activity.lastFailure,
        // Temporal stamps the started event with the build id of the worker that closed the attempt.
        workerVersion,
      },
    };
    if (buffering) {
      update.appendOrBufferEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, startedAttrs);
      update.state.bufferedEvents[update.state.bufferedEvents.length - 1]!.eventTime = activity.startedTime;
    } else {
      const started = update.appendEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, startedAttrs);
      started.eventTime = activity.startedTime;
      startedEventId = started.eventId;
    }
  }
  const common = { scheduledEventId: activity.scheduledEventId, startedEventId };
  switch (closing.type) {
    case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      update.appendOrBufferEvent(closing.type, { activityTaskCompletedEventAttributes: { ...common, ...closing.attrs } });
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      update.appendOrBufferEvent(closing.type, { activityTaskFailedEventAttributes: { ...common, ...closing.attrs } });
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      update.appendOrBufferEvent(closing.type, { activityTaskTimedOutEventAttributes: { ...common, ...closing.attrs } });
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      update.appendOrBufferEvent(closing.type, { activityTaskCanceledEventAttributes: { ...common, ...closing.attrs } });
      break;
  }
  delete update.state.activities[activity.scheduledEventId];
  scheduleWorkflowTask(update);
}

function expirationOf(activity: ActivityInfo): Date | undefined {
  const scheduleToClose = durationToMs(activity.scheduleToCloseTimeout);
  return scheduleToClose > 0 ? addMs(activity.scheduledTime!, scheduleToClose) : undefined;
}

/** Schedules the next attempt after `backoffMs`; no event is written for the failed attempt. */
function retryActivity(update: ExecutionUpdate, activity: ActivityInfo, backoffMs: number, failure: Failure | undefined): void {
  activity.attempt += 1;
  activity.lastFailure = failure;
  activity.started = false;
  activity.startedTime = undefined;
  activity.startedIdentity = '';
  activity.startedRequestId = '';
  activity.startedWorkerVersion = undefined;
  activity.currentAttemptScheduledTime = addMs(update.now, backoffMs);
  update.addTimerTask({
    kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY,
    fireTime: activity.currentAttemptScheduledTime,
    eventId: activity.scheduledEventId,
    attempt: activity.attempt,
  });
}

/** The retry timer fired: dispatch the attempt now. */
export function dispatchRetriedActivity(update: ExecutionUpdate, activity: ActivityInfo): void {
  dispatchActivityAttempt(update, activity);
}

/** A worker reported the attempt failed: retry per policy, or close with ActivityTaskFailed. */
export function failActivityAttempt(
  update: ExecutionUpdate,
  activity: ActivityInfo,
  failure: Failure | undefined,
  identity: string,
  workerVersion?: WorkerVersionStamp,
): void {
  const decision = decideRetry({
    policy: activity.retryPolicy!,
    attempt: activity.attempt,
    failure,
    cancelRequested: activity.cancelRequested,
    now: update.now,
    expiration: expirationOf(activity),
  });
  if (decision.retryState === RetryState.RETRY_STATE_IN_PROGRESS) {
    retryActivity(update, activity, decision.backoffMs, failure);
    return;
  }
  closeActivity(
    update,
    activity,
    { type: EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, attrs: { failure, identity, retryState: decision.retryState } },
    workerVersion,
  );
}

const TIMEOUT_NAMES: Record<number, string> = {
  [TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE]: 'StartToClose',
  [TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START]: 'ScheduleToStart',
  [TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE]: 'ScheduleToClose',
  [TimeoutType.TIMEOUT_TYPE_HEARTBEAT]: 'Heartbeat',
};

/** A server-built timeout failure, shaped as Temporal's so the SDKs decode the timeout type. */
export function timeoutFailure(timeoutType: TimeoutType, activity: ActivityInfo, message?: string): Failure {
  return Failure.fromPartial({
    message: message ?? `activity ${TIMEOUT_NAMES[timeoutType]} timeout`,
    source: 'Server',
    timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: activity.lastHeartbeatDetails },
  });
}

/** An activity timer fired for the current attempt: retry where Temporal retries, else time out. */
export function timeOutActivity(update: ExecutionUpdate, activity: ActivityInfo, timeoutType: TimeoutType): void {
  const failure = timeoutFailure(timeoutType, activity);
  const decision = decideRetry({
    policy: activity.retryPolicy!,
    attempt: activity.attempt,
    failure,
    timeoutType,
    cancelRequested: activity.cancelRequested,
    now: update.now,
    expiration: expirationOf(activity),
  });
  if (decision.retryState === RetryState.RETRY_STATE_IN_PROGRESS) {
    retryActivity(update, activity, decision.backoffMs, failure);
    return;
  }
  let closingFailure = failure;
  if (decision.retryState === RetryState.RETRY_STATE_TIMEOUT && timeoutType !== TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
    // Temporal reports "no time left for another attempt" as a schedule-to-close timeout.
    closingFailure = timeoutFailure(
      TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
      activity,
      timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
        ? undefined
        : 'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying',
    );
  }
  // The terminal timeout's cause is the previous attempt's failure, if any.
  closingFailure.cause = activity.lastFailure;
  closeActivity(update, activity, {
    type: EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
    attrs: { failure: closingFailure, retryState: decision.retryState },
  });
}
