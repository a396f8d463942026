import { addMs, durationToMs, mergePriorities } from '@kairos/domain';
import type { RunTransaction } from './runTransaction';
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
import type { TimerTask } from './protos';
import type { WorkerVersionStamp } from '@kairos/proto/temporal/api/common/v1/message';
import { decideRetry, type RetryDecision } from './retryPolicy';
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

/**
 * Handles a ScheduleActivityTask command whose attributes validateScheduleActivity checked and
 * normalised (task queue, retry policy, timeouts): event, pending activity, timers and, unless
 * the worker will run it eagerly (it is then started by the caller, not dispatched), a task for
 * matching. An activity id already pending fails the workflow task. Returns the pending activity.
 */
export function scheduleActivity(
  run: RunTransaction,
  attrs: ScheduleActivityTaskCommandAttributes,
  workflowTaskCompletedEventId: number,
  eager = false,
): ActivityInfo {
  for (const pending of Object.values(run.state.activities)) {
    if (pending.activityId === attrs.activityId) {
      throw new BadCommandAttributesError(
        `invalid history builder state for action: add-activitytask-scheduled-event, ActivityID: ${attrs.activityId}`,
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID,
      );
    }
  }
  const retryPolicy = attrs.retryPolicy!;
  // The event keeps the queue as the command named it; the attempts go to its normal queue.
  const taskQueue = TaskQueue.fromPartial({ name: attrs.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
  const event = run.appendEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
    activityTaskScheduledEventAttributes: {
      activityId: attrs.activityId,
      activityType: attrs.activityType,
      taskQueue: attrs.taskQueue,
      header: attrs.header,
      input: attrs.input,
      scheduleToCloseTimeout: attrs.scheduleToCloseTimeout,
      scheduleToStartTimeout: attrs.scheduleToStartTimeout,
      startToCloseTimeout: attrs.startToCloseTimeout,
      heartbeatTimeout: attrs.heartbeatTimeout,
      workflowTaskCompletedEventId,
      retryPolicy,
      useWorkflowBuildId: attrs.useWorkflowBuildId,
      priority: attrs.priority,
    },
  });
  const activity = ActivityInfo.fromPartial({
    // Matching's per-fairness-key rate limits read the key and weight of each attempt's task.
    priority: mergePriorities(run.info.priority, attrs.priority),
    scheduledEventId: event.eventId,
    activityId: attrs.activityId,
    activityType: attrs.activityType,
    taskQueue,
    scheduleToCloseTimeout: attrs.scheduleToCloseTimeout,
    scheduleToStartTimeout: attrs.scheduleToStartTimeout,
    startToCloseTimeout: attrs.startToCloseTimeout,
    heartbeatTimeout: attrs.heartbeatTimeout,
    retryPolicy,
    scheduledTime: run.now,
    currentAttemptScheduledTime: run.now,
    attempt: 1,
  });
  run.state.activities[event.eventId] = activity;
  if (!eager) dispatchActivityAttempt(run, activity);
  armScheduleToClose(run, activity);
  return activity;
}

/** The activity's schedule-to-close deadline, from now (when it has one). */
export function armScheduleToClose(run: RunTransaction, activity: ActivityInfo): void {
  const scheduleToClose = durationToMs(activity.scheduleToCloseTimeout);
  if (scheduleToClose > 0) {
    run.addTimerTask({
      kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
      fireTime: addMs(run.now, scheduleToClose),
      eventId: activity.scheduledEventId,
      attempt: activity.attempt,
      timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
      activityStamp: activity.stamp,
    });
  }
}

/** Hands the activity's current attempt to matching and arms its schedule-to-start timer. */
export function dispatchActivityAttempt(run: RunTransaction, activity: ActivityInfo): void {
  run.addTransferTask({
    kind: TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK,
    scheduledEventId: activity.scheduledEventId,
    taskQueue: activity.taskQueue,
    attempt: activity.attempt,
    scheduleToStartTimeout: activity.scheduleToStartTimeout,
    priority: activity.priority,
  });
  const scheduleToStart = durationToMs(activity.scheduleToStartTimeout);
  const scheduleToClose = durationToMs(activity.scheduleToCloseTimeout);
  // Schedule-to-close covers the same ground when it is not longer.
  if (scheduleToStart > 0 && (scheduleToClose === 0 || scheduleToStart < scheduleToClose)) {
    run.addTimerTask({
      kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
      fireTime: addMs(run.now, scheduleToStart),
      eventId: activity.scheduledEventId,
      attempt: activity.attempt,
      timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
      activityStamp: activity.stamp,
    });
  }
}

/** Marks the current attempt started. No event: ActivityTaskStarted is written when the activity closes. */
export function startActivity(
  run: RunTransaction,
  activity: ActivityInfo,
  requestId: string,
  identity: string,
  workerVersion?: WorkerVersionStamp,
): void {
  activity.started = true;
  activity.startedWorkerVersion = workerVersion;
  activity.startedTime = run.now;
  activity.startedIdentity = identity;
  activity.startedRequestId = requestId;
  activity.lastWorkerIdentity = identity;
  run.addTimerTask({
    kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
    fireTime: addMs(run.now, durationToMs(activity.startToCloseTimeout)),
    eventId: activity.scheduledEventId,
    attempt: activity.attempt,
    timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
    activityStamp: activity.stamp,
  });
  const heartbeat = durationToMs(activity.heartbeatTimeout);
  if (heartbeat > 0) {
    run.addTimerTask({
      kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
      fireTime: addMs(run.now, heartbeat),
      eventId: activity.scheduledEventId,
      attempt: activity.attempt,
      timeoutType: TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
      activityStamp: activity.stamp,
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
  run: RunTransaction,
  activity: ActivityInfo,
  closing: ClosingEvent,
  workerVersion?: WorkerVersionStamp,
): void {
  let startedEventId = 0;
  const buffering = run.workflowTaskInFlight;
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
      run.appendOrBufferEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, startedAttrs);
      run.state.bufferedEvents[run.state.bufferedEvents.length - 1]!.eventTime = activity.startedTime;
    } else {
      const started = run.appendEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, startedAttrs);
      started.eventTime = activity.startedTime;
      startedEventId = started.eventId;
    }
  }
  const common = { scheduledEventId: activity.scheduledEventId, startedEventId };
  switch (closing.type) {
    case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      run.appendOrBufferEvent(closing.type, { activityTaskCompletedEventAttributes: { ...common, ...closing.attrs } });
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      run.appendOrBufferEvent(closing.type, { activityTaskFailedEventAttributes: { ...common, ...closing.attrs } });
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      run.appendOrBufferEvent(closing.type, { activityTaskTimedOutEventAttributes: { ...common, ...closing.attrs } });
      break;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      run.appendOrBufferEvent(closing.type, { activityTaskCanceledEventAttributes: { ...common, ...closing.attrs } });
      break;
  }
  delete run.state.activities[activity.scheduledEventId];
  scheduleWorkflowTask(run);
}

function expirationOf(activity: ActivityInfo): Date | undefined {
  const scheduleToClose = durationToMs(activity.scheduleToCloseTimeout);
  return scheduleToClose > 0 ? addMs(activity.scheduledTime!, scheduleToClose) : undefined;
}

/** Schedules the next attempt after `backoffMs`; no event is written for the failed attempt. */
function retryActivity(run: RunTransaction, activity: ActivityInfo, backoffMs: number, failure: Failure | undefined): void {
  endAttempt(run, activity, failure);
  // A reset (with reset_heartbeat) of the attempt that just ended applies from the next one.
  if (activity.resetHeartbeats) {
    activity.lastHeartbeatDetails = undefined;
    activity.lastHeartbeatTime = undefined;
  }
  activity.activityReset = false;
  activity.resetHeartbeats = false;
  activity.currentAttemptScheduledTime = addMs(run.now, backoffMs);
  addRetryTimer(run, activity, activity.currentAttemptScheduledTime);
}

/** The current attempt ended and the next one is counted; it is not started. */
function endAttempt(run: RunTransaction, activity: ActivityInfo, failure: Failure | undefined): void {
  activity.attempt += 1;
  activity.lastFailure = failure;
  activity.lastAttemptCompleteTime = run.now;
  activity.started = false;
  activity.startedTime = undefined;
  activity.startedIdentity = '';
  activity.startedRequestId = '';
  activity.startedWorkerVersion = undefined;
}

/** The timer that dispatches the current attempt at `fireTime`. */
export function addRetryTimer(run: RunTransaction, activity: ActivityInfo, fireTime: Date): void {
  run.addTimerTask({
    kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY,
    fireTime,
    eventId: activity.scheduledEventId,
    attempt: activity.attempt,
    activityStamp: activity.stamp,
  });
}

/**
 * The retry policy's decision on the attempt that just ended: the next attempt is scheduled
 * (undefined), or the decision to close the activity with is returned.
 */
function retryOrDecide(run: RunTransaction, activity: ActivityInfo, failure: Failure | undefined, timeoutType?: TimeoutType): RetryDecision | undefined {
  if (activity.paused) {
    // As Temporal: a paused activity's failed attempt is counted but neither the attempt limit nor
    // the expiration applies, and no next attempt is scheduled until it is unpaused.
    const decision = decideRetry({
      policy: { ...activity.retryPolicy!, maximumAttempts: 0 },
      attempt: activity.attempt,
      failure,
      timeoutType,
      cancelRequested: activity.cancelRequested,
      now: run.now,
    });
    if (decision.retryState !== RetryState.RETRY_STATE_IN_PROGRESS) return decision;
    endAttempt(run, activity, failure);
    return undefined;
  }
  const decision = decideRetry({
    policy: activity.retryPolicy!,
    attempt: activity.attempt,
    failure,
    timeoutType,
    cancelRequested: activity.cancelRequested,
    now: run.now,
    expiration: expirationOf(activity),
  });
  if (decision.retryState !== RetryState.RETRY_STATE_IN_PROGRESS) return decision;
  retryActivity(run, activity, decision.backoffMs, failure);
  return undefined;
}

/**
 * A worker reported the attempt failed (with its last heartbeat details, if it sent them): retry
 * per policy, or close with ActivityTaskFailed.
 */
export function failActivityAttempt(
  run: RunTransaction,
  activity: ActivityInfo,
  failure: Failure | undefined,
  identity: string,
  workerVersion?: WorkerVersionStamp,
  lastHeartbeatDetails?: Payloads,
): void {
  if (lastHeartbeatDetails) activity.lastHeartbeatDetails = lastHeartbeatDetails;
  const decision = retryOrDecide(run, activity, failure);
  if (!decision) return;
  closeActivity(
    run,
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
export function timeOutActivity(run: RunTransaction, activity: ActivityInfo, timeoutType: TimeoutType): void {
  const failure = timeoutFailure(timeoutType, activity);
  const decision = retryOrDecide(run, activity, failure, timeoutType);
  if (!decision) return;
  let closingFailure = failure;
  if (decision.retryState === RetryState.RETRY_STATE_TIMEOUT && timeoutType !== TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
    // Temporal reports "no time left for another attempt" as a schedule-to-close timeout, in
    // these words also when the schedule-to-close timer itself fired.
    closingFailure = timeoutFailure(
      TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE,
      activity,
      'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying',
    );
  }
  // The terminal timeout's cause is the previous attempt's failure, if any.
  closingFailure.cause = activity.lastFailure;
  closeActivity(run, activity, {
    type: EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
    attrs: { failure: closingFailure, retryState: decision.retryState },
  });
}

/** A heartbeat of the started attempt: its details and time are kept; answers whether cancellation was requested. */
export function recordActivityHeartbeat(run: RunTransaction, activity: ActivityInfo, details: Payloads | undefined): boolean {
  activity.lastHeartbeatDetails = details;
  activity.lastHeartbeatTime = run.now;
  return activity.cancelRequested;
}

/**
 * RequestCancelActivityTask: ActivityTaskCancelRequested. A started activity learns of it from
 * its next heartbeat. One never started is canceled at once, but, as in Temporal (whose history
 * builder buffers every event not written by a command), its ActivityTaskCanceled is buffered:
 * it is written after the completion's other commands, just before the workflow task that tells
 * the workflow, and not at all if a later command closes the run. Returns whether it was canceled
 * at once. An unknown activity fails the workflow task.
 */
export function requestActivityCancellation(run: RunTransaction, scheduledEventId: number, completedEventId: number, identity: string): boolean {
  const activity = run.state.activities[scheduledEventId];
  if (!activity) {
    throw new BadCommandAttributesError(
      `invalid history builder state for action: add-activitytask-cancel-requested-event, ScheduledEventID: ${scheduledEventId}`,
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
    );
  }
  const requested = run.appendEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, {
    activityTaskCancelRequestedEventAttributes: { scheduledEventId, workflowTaskCompletedEventId: completedEventId },
  });
  activity.cancelRequested = true;
  activity.cancelRequestedEventId = requested.eventId;
  if (activity.started) return false;
  run.bufferEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
    activityTaskCanceledEventAttributes: {
      scheduledEventId,
      startedEventId: 0,
      details: { payloads: [jsonPayload('ACTIVITY_ID_NOT_STARTED')] },
      identity,
      latestCancelRequestedEventId: requested.eventId,
    },
  });
  delete run.state.activities[scheduledEventId];
  return true;
}

function jsonPayload(value: unknown) {
  return {
    externalPayloads: [],
    metadata: { encoding: new TextEncoder().encode('json/plain') },
    data: new TextEncoder().encode(JSON.stringify(value)),
  };
}

/** Whether the current attempt's schedule-to-start deadline is at or before `time`. */
function scheduleToStartDeadlineReached(activity: ActivityInfo, time: Date): boolean {
  const scheduleToStart = durationToMs(activity.scheduleToStartTimeout);
  const attemptScheduled = activity.currentAttemptScheduledTime ?? activity.scheduledTime;
  return scheduleToStart > 0 && attemptScheduled !== undefined && addMs(attemptScheduled, scheduleToStart).getTime() <= time.getTime();
}

/**
 * An activity timeout timer fired (`task` names the activity, attempt and timeout): the attempt
 * times out where it still applies. False when the timer is stale (the activity moved on).
 */
export function activityTimeoutFired(run: RunTransaction, task: TimerTask): boolean {
  const activity = run.state.activities[task.eventId];
  // A paused activity's timeouts wait for its unpause, which arms them again with a new stamp.
  if (!activity || activity.paused || task.activityStamp !== activity.stamp) return false;
  switch (task.timeoutType) {
    case TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE:
      // Temporal breaks a tie between the two deadlines of a task nobody picked up in favour
      // of schedule-to-start (an unset one defaults to schedule-to-close, so ties are usual).
      if (!activity.started && scheduleToStartDeadlineReached(activity, task.fireTime!)) {
        timeOutActivity(run, activity, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
        return true;
      }
      break;
    case TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START:
      if (activity.attempt !== task.attempt || activity.started) return false;
      break;
    case TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE:
      if (activity.attempt !== task.attempt || !activity.started) return false;
      break;
    case TimeoutType.TIMEOUT_TYPE_HEARTBEAT: {
      if (activity.attempt !== task.attempt || !activity.started) return false;
      // Heartbeats push the deadline out without rewriting the timer: re-arm at the real deadline.
      const last = activity.lastHeartbeatTime ?? activity.startedTime!;
      const deadline = addMs(last, durationToMs(activity.heartbeatTimeout));
      if (activity.lastHeartbeatTime && activity.lastHeartbeatTime < activity.startedTime!) break;
      if (deadline.getTime() > run.now.getTime()) {
        run.addTimerTask({ ...task, fireTime: deadline });
        return true;
      }
      break;
    }
    default:
      return false;
  }
  timeOutActivity(run, activity, task.timeoutType);
  return true;
}

/** The retry timer of an attempt fired: dispatch that attempt now. False when the activity moved on. */
export function activityRetryFired(run: RunTransaction, scheduledEventId: number, attempt: number, stamp = 0): boolean {
  const activity = run.state.activities[scheduledEventId];
  if (!activity || activity.attempt !== attempt || activity.started || activity.paused || activity.stamp !== stamp) return false;
  dispatchActivityAttempt(run, activity);
  return true;
}

/**
 * Arms the timeouts that apply to the activity now (an operator action moved its stamp on, so the
 * earlier timers are stale): schedule-to-close, and schedule-to-start or start-to-close and
 * heartbeat for the attempt's state. Deadlines already past fire at once.
 */
export function armActivityTimeouts(run: RunTransaction, activity: ActivityInfo): void {
  const arm = (timeoutType: TimeoutType, from: Date | undefined, ms: number) => {
    if (ms <= 0 || !from) return;
    const deadline = addMs(from, ms);
    run.addTimerTask({
      kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
      fireTime: deadline.getTime() < run.now.getTime() ? run.now : deadline,
      eventId: activity.scheduledEventId,
      attempt: activity.attempt,
      timeoutType,
      activityStamp: activity.stamp,
    });
  };
  arm(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, activity.scheduledTime, durationToMs(activity.scheduleToCloseTimeout));
  if (activity.started) {
    arm(TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, activity.startedTime, durationToMs(activity.startToCloseTimeout));
    arm(TimeoutType.TIMEOUT_TYPE_HEARTBEAT, activity.lastHeartbeatTime ?? activity.startedTime, durationToMs(activity.heartbeatTimeout));
  } else {
    arm(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START, activity.currentAttemptScheduledTime ?? activity.scheduledTime, durationToMs(activity.scheduleToStartTimeout));
  }
}
