import { activityAlreadyPaused, activityNotFoundById, invalidArgument, workflowNotFound } from '@kairos/common/errors';
import { addMs, durationToMs, retryPolicyProblem } from '@kairos/domain';
import type { ActivityOptions } from '@kairos/proto/temporal/api/activity/v1/message';
import type { RunTransaction } from './runTransaction';
import { addRetryTimer, armActivityTimeouts, dispatchActivityAttempt } from './activities';
import { validateScheduleActivity } from './commandValidation';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';
import type { ActivityInfo, ActivityPauseInfo, Duration, ExecutionInfo, Priority, RetryPolicy, TaskQueue } from './protos';

/*
 * Operator actions on a run's pending activities (PauseActivity, UnpauseActivity, ResetActivity,
 * UpdateActivityOptions), as Temporal's history applies them. They write no event: only the
 * activity's state, its timers and, when an attempt has to be dispatched again, a task.
 */

/** Which activities a request names: one by id, all of a type, or all pending ones. */
export interface ActivitySelector {
  id?: string;
  type?: string;
  matchAll?: boolean;
}

/**
 * The activity ids a selector names, in Temporal's way: an id is taken as given (looked up by the
 * action), a type or "all" is resolved against the pending activities. None: NOT_FOUND.
 */
export function selectActivityIds(run: RunTransaction, selector: ActivitySelector): string[] {
  let ids: string[] = [];
  if (selector.id !== undefined) ids = [selector.id];
  else if (selector.type !== undefined) {
    ids = pendingActivities(run).filter((a) => a.activityType?.name === selector.type).map((a) => a.activityId);
  } else if (selector.matchAll) ids = pendingActivities(run).map((a) => a.activityId);
  if (ids.length === 0) throw activityNotFoundById();
  return ids;
}

function pendingActivities(run: RunTransaction): ActivityInfo[] {
  return Object.values(run.state.activities).sort((a, b) => a.scheduledEventId - b.scheduledEventId);
}

/** The pending activity with this id, on an open run (else Temporal's NOT_FOUND answers). */
export function pendingActivityById(run: RunTransaction, activityId: string): ActivityInfo {
  if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
  const activity = Object.values(run.state.activities).find((a) => a.activityId === activityId);
  if (!activity) throw activityNotFoundById();
  return activity;
}

/**
 * Pauses the activity: no attempt is dispatched and no timeout acts until it is unpaused; a
 * started attempt runs on (its heartbeats answer activity_paused). The same request again is a
 * no-op; another pause of a paused activity is refused.
 */
export function pauseActivity(run: RunTransaction, activity: ActivityInfo, pauseInfo: ActivityPauseInfo): void {
  if (activity.paused) {
    if (activity.pauseInfo?.requestId === pauseInfo.requestId) return;
    throw activityAlreadyPaused();
  }
  activity.paused = true;
  activity.pauseInfo = pauseInfo;
}

/** How a waiting attempt is scheduled again: now, plus a random share of `jitterMs`. */
function scheduleAttemptNow(run: RunTransaction, activity: ActivityInfo, jitterMs: number, random: () => number): void {
  const offset = jitterMs > 0 ? Math.floor(random() * jitterMs) : 0;
  rescheduleAttempt(run, activity, addMs(run.now, offset));
}

/**
 * Temporal's RegenerateActivityRetryTask: the waiting attempt is scheduled anew for `time`
 * (dispatched now if that has come, unless paused), as a fresh retry: the last failure is
 * forgotten and a pending reset is done.
 */
function rescheduleAttempt(run: RunTransaction, activity: ActivityInfo, time: Date): void {
  activity.lastFailure = undefined;
  if (activity.resetHeartbeats) {
    activity.lastHeartbeatDetails = undefined;
    activity.lastHeartbeatTime = undefined;
  }
  activity.activityReset = false;
  activity.resetHeartbeats = false;
  activity.currentAttemptScheduledTime = time;
  if (activity.paused) return;
  if (time.getTime() > run.now.getTime()) addRetryTimer(run, activity, time);
  else dispatchActivityAttempt(run, activity);
}

/** Clears the pause and moves the stamp on: the timers armed before are stale, new ones are armed. */
function unpause(run: RunTransaction, activity: ActivityInfo): void {
  activity.paused = false;
  activity.pauseInfo = undefined;
  activity.stamp += 1;
}

export interface UnpauseOptions {
  resetAttempts: boolean;
  resetHeartbeat: boolean;
  jitterMs: number;
}

/**
 * Unpauses a paused activity (an unpaused one is left alone): a waiting attempt is dispatched now
 * (or after a random jitter), at attempt 1 with reset_attempts; reset_heartbeat drops the details.
 */
export function unpauseActivity(run: RunTransaction, activity: ActivityInfo, options: UnpauseOptions, random = Math.random): void {
  if (!activity.paused) return;
  unpause(run, activity);
  if (options.resetAttempts) activity.attempt = 1;
  if (options.resetHeartbeat) {
    activity.lastHeartbeatDetails = undefined;
    activity.lastHeartbeatTime = undefined;
  }
  if (!activity.started) scheduleAttemptNow(run, activity, options.jitterMs, random);
  armActivityTimeouts(run, activity);
}

/** The options an activity runs with (Temporal's ActivityOptions; the task queue by name). */
export interface ActivityOptionValues {
  taskQueue?: TaskQueue;
  scheduleToCloseTimeout?: Duration;
  scheduleToStartTimeout?: Duration;
  startToCloseTimeout?: Duration;
  heartbeatTimeout?: Duration;
  retryPolicy?: RetryPolicy;
  priority?: Priority;
}

export interface ResetOptions {
  resetHeartbeat: boolean;
  keepPaused: boolean;
  jitterMs: number;
  /** restore_original_options: the options of the activity's ActivityTaskScheduled event. */
  originalOptions?: ActivityOptionValues;
}

/**
 * Resets the activity to attempt 1. A started attempt runs on (its heartbeats answer
 * activity_reset; with reset_heartbeat the next attempt starts without details); a waiting one is
 * dispatched now unless the activity stays paused. A paused activity is unpaused unless keep_paused.
 */
export function resetActivity(run: RunTransaction, activity: ActivityInfo, options: ResetOptions, random = Math.random): void {
  const wasPaused = activity.paused;
  activity.attempt = 1;
  activity.activityReset = true;
  if (options.resetHeartbeat) activity.resetHeartbeats = true;
  if (options.originalOptions) applyOptions(activity, options.originalOptions);
  if (wasPaused && !options.keepPaused) unpause(run, activity);
  else activity.stamp += 1;
  if (activity.paused) return;
  if (!activity.started) {
    if (options.resetHeartbeat) {
      activity.lastHeartbeatDetails = undefined;
      activity.lastHeartbeatTime = undefined;
    }
    scheduleAttemptNow(run, activity, options.jitterMs, random);
  }
  armActivityTimeouts(run, activity);
}

function applyOptions(activity: ActivityInfo, options: ActivityOptionValues): void {
  activity.taskQueue = { ...activity.taskQueue!, name: options.taskQueue?.name ?? activity.taskQueue!.name };
  activity.scheduleToCloseTimeout = options.scheduleToCloseTimeout;
  activity.scheduleToStartTimeout = options.scheduleToStartTimeout;
  activity.startToCloseTimeout = options.startToCloseTimeout;
  activity.heartbeatTimeout = options.heartbeatTimeout;
  const policy = options.retryPolicy;
  // Temporal keeps only these four of the policy per activity; the rest stays as scheduled.
  activity.retryPolicy = {
    ...activity.retryPolicy!,
    initialInterval: policy?.initialInterval,
    backoffCoefficient: policy?.backoffCoefficient ?? 0,
    maximumInterval: policy?.maximumInterval,
    maximumAttempts: policy?.maximumAttempts ?? 0,
  };
}

/** The options the activity runs with now, as Describe and UpdateActivityOptions show them. */
export function activityOptionsOf(activity: ActivityInfo): ActivityOptionValues {
  const policy = activity.retryPolicy;
  return {
    taskQueue: { name: activity.taskQueue?.name ?? '', kind: 0, normalName: '' },
    scheduleToCloseTimeout: activity.scheduleToCloseTimeout,
    scheduleToStartTimeout: activity.scheduleToStartTimeout,
    startToCloseTimeout: activity.startToCloseTimeout,
    heartbeatTimeout: activity.heartbeatTimeout,
    priority: activity.priority,
    retryPolicy: {
      initialInterval: policy?.initialInterval,
      backoffCoefficient: policy?.backoffCoefficient ?? 0,
      maximumInterval: policy?.maximumInterval,
      maximumAttempts: policy?.maximumAttempts ?? 0,
      nonRetryableErrorTypes: [],
    },
  };
}

/**
 * Gives the activity new options (already merged and checked). A waiting attempt is scheduled
 * again by the new retry policy (at once when that time has passed); the timeouts are re-armed.
 */
export function updateActivityOptions(run: RunTransaction, activity: ActivityInfo, options: ActivityOptionValues): void {
  applyOptions(activity, options);
  activity.priority = options.priority;
  activity.stamp += 1;
  if (!activity.started) rescheduleAttempt(run, activity, nextAttemptTime(activity));
  if (!activity.paused) armActivityTimeouts(run, activity);
}

/** Temporal's GetNextScheduledTime: a retry waits its backoff from the last attempt's end. */
function nextAttemptTime(activity: ActivityInfo): Date {
  const scheduled = activity.currentAttemptScheduledTime ?? activity.scheduledTime!;
  if (activity.attempt <= 1 || !activity.lastAttemptCompleteTime) return scheduled;
  const policy = activity.retryPolicy!;
  const initialMs = durationToMs(policy.initialInterval);
  const maxMs = durationToMs(policy.maximumInterval);
  let interval = initialMs * Math.pow(policy.backoffCoefficient, activity.attempt - 1);
  if (maxMs > 0 && (interval <= 0 || interval > maxMs)) interval = maxMs;
  return interval > 0 ? addMs(activity.lastAttemptCompleteTime, Math.round(interval)) : scheduled;
}

/**
 * UpdateActivityOptions' new options for the activity: the masked fields of `from` (paths in
 * lowerCamelCase) over its current options, the retry policy checked when a part of it changed,
 * then checked and normalised as a ScheduleActivityTask command's (INVALID_ARGUMENT in Temporal's
 * words).
 */
export function maskedActivityOptions(activity: ActivityInfo, info: ExecutionInfo, from: ActivityOptions, fields: Set<string>): ActivityOptionValues {
  const merged = mergeOptions(activityOptionsOf(activity), from, fields);
  if ([...fields].some((f) => f.startsWith('retryPolicy.'))) {
    const problem = retryPolicyProblem(merged.retryPolicy);
    if (problem) throw invalidArgument(problem);
  }
  return adjusted(merged, activity, info);
}

/** Temporal's MergeActivityOptions: the masked fields of `from` over `into`, in its words when one is missing. */
function mergeOptions(into: ActivityOptionValues, from: ActivityOptions, fields: Set<string>): ActivityOptionValues {
  const merged: ActivityOptionValues = { ...into, retryPolicy: into.retryPolicy && { ...into.retryPolicy }, priority: into.priority && { ...into.priority } };
  if (fields.has('taskQueue.name')) {
    if (!from.taskQueue) throw invalidArgument('TaskQueue is not provided');
    merged.taskQueue = { ...merged.taskQueue!, name: from.taskQueue.name };
  }
  if (fields.has('scheduleToCloseTimeout')) merged.scheduleToCloseTimeout = from.scheduleToCloseTimeout;
  if (fields.has('scheduleToStartTimeout')) merged.scheduleToStartTimeout = from.scheduleToStartTimeout;
  if (fields.has('startToCloseTimeout')) merged.startToCloseTimeout = from.startToCloseTimeout;
  if (fields.has('heartbeatTimeout')) merged.heartbeatTimeout = from.heartbeatTimeout;
  if (fields.has('priority')) merged.priority = from.priority;
  for (const part of ['priorityKey', 'fairnessKey', 'fairnessWeight'] as const) {
    if (!fields.has(`priority.${part}`)) continue;
    if (!from.priority) throw invalidArgument('Priority is not provided');
    merged.priority = { priorityKey: 0, fairnessKey: '', fairnessWeight: 0, ...merged.priority, [part]: from.priority[part] };
  }
  if (fields.has('retryPolicy')) {
    if (!from.retryPolicy) throw invalidArgument('RetryPolicy is not provided');
    merged.retryPolicy = from.retryPolicy;
  }
  for (const part of ['initialInterval', 'backoffCoefficient', 'maximumInterval', 'maximumAttempts'] as const) {
    if (!fields.has(`retryPolicy.${part}`)) continue;
    if (!from.retryPolicy) throw invalidArgument('RetryPolicy is not provided');
    merged.retryPolicy = { initialInterval: undefined, backoffCoefficient: 0, maximumInterval: undefined, maximumAttempts: 0, nonRetryableErrorTypes: [], ...merged.retryPolicy, [part]: from.retryPolicy[part] };
  }
  return merged;
}

/** The merged options checked and normalised as a ScheduleActivityTask command's (INVALID_ARGUMENT in its words). */
function adjusted(options: ActivityOptionValues, activity: ActivityInfo, info: ExecutionInfo): ActivityOptionValues {
  try {
    const attrs = validateScheduleActivity(
      {
        activityId: activity.activityId,
        activityType: activity.activityType,
        taskQueue: options.taskQueue,
        header: undefined,
        input: undefined,
        scheduleToCloseTimeout: options.scheduleToCloseTimeout,
        scheduleToStartTimeout: options.scheduleToStartTimeout,
        startToCloseTimeout: options.startToCloseTimeout,
        heartbeatTimeout: options.heartbeatTimeout,
        retryPolicy: undefined,
        requestEagerExecution: false,
        useWorkflowBuildId: false,
        priority: undefined,
      },
      // Temporal checks the update with no run timeout to bound the timeouts.
      { ...info, workflowRunTimeout: undefined },
    );
    return {
      ...options,
      scheduleToCloseTimeout: attrs.scheduleToCloseTimeout,
      scheduleToStartTimeout: attrs.scheduleToStartTimeout,
      startToCloseTimeout: attrs.startToCloseTimeout,
      heartbeatTimeout: attrs.heartbeatTimeout,
    };
  } catch (err) {
    if (err instanceof WorkflowTaskCompletionRejected) throw invalidArgument(err.detail ?? err.message);
    throw err;
  }
}

/** The options as the API answers them. */
export function activityOptionsAsApi(options: ActivityOptionValues): ActivityOptions {
  return {
    taskQueue: options.taskQueue,
    scheduleToCloseTimeout: options.scheduleToCloseTimeout,
    scheduleToStartTimeout: options.scheduleToStartTimeout,
    startToCloseTimeout: options.startToCloseTimeout,
    heartbeatTimeout: options.heartbeatTimeout,
    retryPolicy: options.retryPolicy,
    priority: options.priority,
    startDelay: undefined,
  } as ActivityOptions;
}
