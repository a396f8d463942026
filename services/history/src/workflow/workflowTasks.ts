import { setting } from '@kairos/common/settings';
import { addMs, durationToMs, msToDuration } from '@kairos/domain';
import type { WorkerVersionStamp } from '@kairos/proto/temporal/api/common/v1/message';
import { RunTransaction } from './runTransaction';
import {
  EventType,
  HistoryEvent,
  TaskQueue,
  TaskQueueKind,
  TimeoutType,
  TimerTaskKind,
  TransferTaskKind,
  WorkflowTaskFailedCause,
  WorkflowTaskInfo,
  type Failure,
  type Duration,
  type TimerTask,
} from './protos';
import { SuggestContinueAsNewReason } from '@kairos/proto/temporal/api/enums/v1/workflow';

/*
 * Workflow task lifecycle, as Temporal runs it:
 * - Attempt 1 writes WorkflowTaskScheduled when scheduled and WorkflowTaskStarted when started.
 * - After a failure or timeout the next attempts are "transient": their Scheduled/Started events
 *   are shown to the worker but written only if the attempt completes, and a failing transient
 *   attempt writes nothing, so a workflow stuck on a bug does not grow its history.
 * - If other events arrive before a transient task starts, it becomes a normal task (attempt 1).
 * - A failure while the run is sticky clears stickiness and retries at attempt 1 on the normal queue.
 */

function currentAttempt(run: RunTransaction): number {
  return Math.max(run.info.workflowTaskAttempt, 1);
}

/** The queue the next workflow task goes to: the worker's sticky queue while the run is sticky. */
function nextWorkflowTaskQueue(run: RunTransaction): { queue: TaskQueue; sticky: boolean } {
  const info = run.info;
  if (info.stickyTaskQueue) {
    return {
      queue: TaskQueue.fromPartial({ name: info.stickyTaskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: info.taskQueue!.name }),
      sticky: true,
    };
  }
  return { queue: normalQueue(run), sticky: false };
}

function normalQueue(run: RunTransaction): TaskQueue {
  return TaskQueue.fromPartial({ name: run.info.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
}

/** Attempts of a failing workflow task that keep its timeout; later ones get more time (Temporal's workflowTaskRetryBackoffMinAttempts). */
const BACKOFF_AFTER_ATTEMPT = 3;
const FIRST_EXTRA_MS = 5_000;

/**
 * A workflow task's start-to-close timeout at this attempt, as Temporal's getStartToCloseTimeout:
 * the run's timeout, plus from attempt 4 on an exponential backoff (5 s, 10 s, 20 s… at most
 * history.workflowTaskRetryMaxInterval) less up to 20 % jitter, so a worker too slow for the
 * timeout eventually gets enough time.
 */
export function startToCloseTimeoutFor(timeout: Duration | undefined, attempt: number): Duration {
  const baseMs = durationToMs(timeout);
  if (attempt <= BACKOFF_AFTER_ATTEMPT) return timeout ?? msToDuration(0);
  const extra = Math.min(FIRST_EXTRA_MS * 2 ** (attempt - BACKOFF_AFTER_ATTEMPT - 1), setting('history.workflowTaskRetryMaxInterval'));
  const jittered = extra * 0.8 + Math.floor(Math.random() * Math.max(1, Math.floor(extra * 0.2)));
  return msToDuration(baseMs + Math.round(jittered));
}

/**
 * Schedules a workflow task unless one is already scheduled or started, or the run is closed.
 * Returns whether a task was scheduled.
 */
export function scheduleWorkflowTask(run: RunTransaction, options: { backoffEnded?: boolean } = {}): boolean {
  if (!run.isOpen || run.state.workflowTask) return false;
  // A run waiting out its first-task backoff (cron, start delay, continue-as-new, retry) gets
  // its first task when the backoff ends, not earlier because a signal came (as Temporal).
  if (!options.backoffEnded && pendingOnFirstTaskBackoff(run)) return false;
  const info = run.info;
  // New events make the next task a normal one: the worker must see them in a real task.
  if (run.flushBufferedEvents()) info.workflowTaskAttempt = 1;
  const attempt = currentAttempt(run);
  const transient = attempt > 1;
  const { queue, sticky } = transient ? { queue: normalQueue(run), sticky: false } : nextWorkflowTaskQueue(run);
  let scheduledEventId = run.state.nextEventId;
  if (!transient) {
    scheduledEventId = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
      workflowTaskScheduledEventAttributes: { taskQueue: queue, startToCloseTimeout: startToCloseTimeoutFor(info.workflowTaskTimeout, attempt), attempt },
    }).eventId;
  }
  dispatchWorkflowTask(run, { scheduledEventId, attempt, queue, sticky, transient, speculative: false });
  return true;
}

/** Temporal's IsWorkflowPendingOnWorkflowTaskBackoff: a first-task backoff and no workflow task yet. */
function pendingOnFirstTaskBackoff(run: RunTransaction): boolean {
  const info = run.info;
  const backoff = info.executionTime !== undefined && info.startTime !== undefined && info.executionTime.getTime() > info.startTime.getTime();
  return backoff && info.lastCompletedWorkflowTaskStartedEventId === 0 && info.workflowTaskAttempt <= 1 && !hasScheduledBefore(run);
}

/**
 * Temporal's HadOrHasWorkflowTask: a task is pending or one was completed. A first-task backoff
 * ending after that (an update cut it short) schedules nothing.
 */
export function hadOrHasWorkflowTask(run: RunTransaction): boolean {
  return run.state.workflowTask !== undefined || run.info.lastCompletedWorkflowTaskStartedEventId > 0;
}

/** Whether a workflow task was ever scheduled in this run (its counter is per run). */
function hasScheduledBefore(run: RunTransaction): boolean {
  return run.state.workflowTasksScheduled > 0;
}

/**
 * Schedules a speculative workflow task (Temporal's name) to deliver workflow updates: no event
 * is written now, and none ever unless the task does something (see workflowTaskApi). Returns
 * whether a task was scheduled.
 */
export function scheduleSpeculativeWorkflowTask(run: RunTransaction): boolean {
  // Unlike a signal, an update does not wait out a first-task backoff (start delay, cron): as on
  // Temporal its task is scheduled at once, and the backoff timer then finds a task had run.
  if (!run.isOpen || run.state.workflowTask || run.state.bufferedEvents.length > 0) return false;
  const { queue, sticky } = nextWorkflowTaskQueue(run);
  dispatchWorkflowTask(run, { scheduledEventId: run.state.nextEventId, attempt: 1, queue, sticky, transient: false, speculative: true });
  return true;
}

function dispatchWorkflowTask(
  run: RunTransaction,
  task: { scheduledEventId: number; attempt: number; queue: TaskQueue; sticky: boolean; transient: boolean; speculative: boolean },
): void {
  const info = run.info;
  const { scheduledEventId, attempt, queue, sticky } = task;
  run.state.workflowTasksScheduled += 1;
  const stamp = run.state.workflowTasksScheduled;
  run.state.workflowTask = WorkflowTaskInfo.fromPartial({
    scheduledEventId,
    startedEventId: 0,
    attempt,
    taskQueue: queue,
    scheduledTime: run.now,
    startToCloseTimeout: startToCloseTimeoutFor(info.workflowTaskTimeout, attempt),
    transient: task.transient,
    speculative: task.speculative,
    stamp,
  });
  run.addTransferTask({
    kind: TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK,
    scheduledEventId,
    taskQueue: queue,
    attempt,
    scheduleToStartTimeout: sticky ? info.stickyScheduleToStartTimeout : undefined,
  });
  if (sticky) {
    // A dead sticky worker must not strand the run: after this timeout the task moves to the
    // normal queue.
    run.addTimerTask({
      kind: TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT,
      fireTime: addMs(run.now, durationToMs(info.stickyScheduleToStartTimeout)),
      eventId: scheduledEventId,
      attempt,
      timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
      workflowTaskStamp: stamp,
    });
  }
}

/** A task whose Scheduled and Started events are not written (yet): transient or speculative. */
export function hasUnwrittenEvents(task: WorkflowTaskInfo): boolean {
  return task.transient || task.speculative;
}

/** Records the scheduled workflow task as started by a poller and arms its start-to-close timer. */
export function startWorkflowTask(run: RunTransaction, requestId: string, identity: string, workerVersion?: WorkerVersionStamp): void {
  const task = run.state.workflowTask!;
  if (hasUnwrittenEvents(task) && task.scheduledEventId !== run.state.nextEventId) {
    // Events were written since this transient or speculative task was scheduled: it becomes a
    // normal task.
    task.transient = false;
    task.speculative = false;
    task.attempt = 1;
    run.info.workflowTaskAttempt = 1;
    task.startToCloseTimeout = run.info.workflowTaskTimeout;
    task.scheduledEventId = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
      workflowTaskScheduledEventAttributes: { taskQueue: normalQueue(run), startToCloseTimeout: task.startToCloseTimeout, attempt: 1 },
    }).eventId;
  }
  task.startedTime = run.now;
  task.requestId = requestId;
  task.identity = identity;
  task.workerVersion = workerVersion;
  // Temporal's hint to continue-as-new: the history so far (this task's started event excluded).
  task.historySizeBytes = run.info.historySizeBytes;
  task.suggestContinueAsNewReasons = [];
  if (run.info.historySizeBytes >= run.limits.historySizeSuggestContinueAsNew) {
    task.suggestContinueAsNewReasons.push(SuggestContinueAsNewReason.SUGGEST_CONTINUE_AS_NEW_REASON_HISTORY_SIZE_TOO_LARGE);
  }
  if (run.state.nextEventId >= run.limits.historyCountSuggestContinueAsNew) {
    task.suggestContinueAsNewReasons.push(SuggestContinueAsNewReason.SUGGEST_CONTINUE_AS_NEW_REASON_TOO_MANY_HISTORY_EVENTS);
  }
  task.suggestContinueAsNew = task.suggestContinueAsNewReasons.length > 0;
  if (hasUnwrittenEvents(task)) {
    task.startedEventId = task.scheduledEventId + 1;
  } else {
    task.startedEventId = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, {
      workflowTaskStartedEventAttributes: startedAttributes(task, identity),
    }).eventId;
  }
  run.addTimerTask({
    kind: TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT,
    fireTime: addMs(run.now, durationToMs(task.startToCloseTimeout)),
    eventId: task.scheduledEventId,
    attempt: task.attempt,
    timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
    workflowTaskStamp: task.stamp,
  });
}

function startedAttributes(task: WorkflowTaskInfo, identity: string) {
  return {
    scheduledEventId: task.scheduledEventId,
    identity,
    requestId: task.requestId,
    historySizeBytes: task.historySizeBytes,
    suggestContinueAsNew: task.suggestContinueAsNew,
    suggestContinueAsNewReasons: task.suggestContinueAsNewReasons,
    workerVersion: task.workerVersion,
  };
}

/**
 * The Scheduled and Started events of a started transient or speculative task, as the worker is
 * shown them (they are not in the store until the task completes).
 */
export function transientWorkflowTaskEvents(run: { state: { workflowTask?: WorkflowTaskInfo | undefined }; info: { taskQueue?: TaskQueue | undefined } }): HistoryEvent[] {
  const task = run.state.workflowTask;
  if (!task || !hasUnwrittenEvents(task) || task.startedEventId === 0) return [];
  return [
    HistoryEvent.fromPartial({
      eventId: task.scheduledEventId,
      eventTime: task.scheduledTime,
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      workflowTaskScheduledEventAttributes: {
        taskQueue: unwrittenTaskQueue(task, run.info.taskQueue!.name),
        startToCloseTimeout: task.startToCloseTimeout,
        attempt: task.attempt,
      },
    }),
    HistoryEvent.fromPartial({
      eventId: task.startedEventId,
      eventTime: task.startedTime,
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      workflowTaskStartedEventAttributes: startedAttributes(task, task.identity),
    }),
  ];
}

/** The queue an unwritten task's Scheduled event names: transient ones always run on the normal queue. */
function unwrittenTaskQueue(task: WorkflowTaskInfo, normalName: string): TaskQueue {
  if (task.speculative && task.taskQueue) return task.taskQueue;
  return TaskQueue.fromPartial({ name: normalName, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
}

/**
 * A transient or speculative task that completes, fails or times out gets its Scheduled (and,
 * once started, Started) events written now; the task's ids follow the events.
 */
export function materializeTransientWorkflowTask(run: RunTransaction, identity: string): void {
  const task = run.state.workflowTask!;
  if (!hasUnwrittenEvents(task)) return;
  const scheduled = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
    workflowTaskScheduledEventAttributes: {
      taskQueue: unwrittenTaskQueue(task, run.info.taskQueue!.name),
      startToCloseTimeout: task.startToCloseTimeout,
      attempt: task.attempt,
    },
  });
  scheduled.eventTime = task.scheduledTime;
  task.scheduledEventId = scheduled.eventId;
  if (task.startedEventId > 0) {
    const started = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, {
      workflowTaskStartedEventAttributes: startedAttributes(task, identity),
    });
    started.eventTime = task.startedTime;
    task.startedEventId = started.eventId;
  }
  task.transient = false;
  task.speculative = false;
}

/**
 * Ends the started workflow task unsuccessfully (reported by the worker, or a refused completion)
 * and, unless told otherwise, schedules the next attempt.
 */
export function failWorkflowTask(
  run: RunTransaction,
  cause: WorkflowTaskFailedCause,
  failure: Failure | undefined,
  identity: string,
  options: { binaryChecksum?: string; scheduleNext?: boolean } = {},
): void {
  const task = run.state.workflowTask!;
  // A failing speculative task is seen in history (Temporal: the failure must be visible).
  if (task.speculative) materializeTransientWorkflowTask(run, identity);
  if (!task.transient) {
    run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
      workflowTaskFailedEventAttributes: {
        scheduledEventId: task.scheduledEventId,
        startedEventId: task.startedEventId,
        cause,
        failure,
        identity,
        binaryChecksum: options.binaryChecksum ?? '',
      },
    });
  }
  if (options.scheduleNext === false) {
    run.state.workflowTask = undefined;
    return;
  }
  retryWorkflowTask(run, true);
}

/** Start-to-close or sticky schedule-to-start timeout of the current workflow task. */
export function timeOutWorkflowTask(run: RunTransaction, timeoutType: TimeoutType): void {
  const task = run.state.workflowTask!;
  const scheduleToStart = timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START;
  if (task.speculative) materializeTransientWorkflowTask(run, task.identity);
  if (!task.transient) {
    run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
      workflowTaskTimedOutEventAttributes: {
        scheduledEventId: task.scheduledEventId,
        startedEventId: scheduleToStart ? 0 : task.startedEventId,
        timeoutType,
      },
    });
  }
  // A sticky schedule-to-start timeout is not the worker's fault: the attempt does not grow.
  retryWorkflowTask(run, !scheduleToStart);
}

function retryWorkflowTask(run: RunTransaction, incrementAttempt: boolean): void {
  const info = run.info;
  const attempt = currentAttempt(run);
  run.state.workflowTask = undefined;
  if (info.stickyTaskQueue) {
    // The sticky worker may have lost its cache: retry once on the normal queue as a fresh task.
    clearStickiness(run);
    info.workflowTaskAttempt = 1;
  } else {
    info.workflowTaskAttempt = incrementAttempt ? attempt + 1 : attempt;
  }
  scheduleWorkflowTask(run);
}

/**
 * A workflow task timer fired (`task` names the task by scheduled id, attempt and stamp): start-to-close
 * for a started task, sticky schedule-to-start for one still waiting. False when stale.
 */
export function workflowTaskTimeoutFired(run: RunTransaction, task: Pick<TimerTask, 'eventId' | 'attempt' | 'timeoutType' | 'workflowTaskStamp'>): boolean {
  const wft = run.state.workflowTask;
  if (!wft || wft.scheduledEventId !== task.eventId || wft.attempt !== task.attempt) return false;
  // A discarded speculative task's timer must not time out the next task with the same ids.
  if (task.workflowTaskStamp && wft.stamp !== task.workflowTaskStamp) return false;
  const started = wft.startedEventId > 0;
  if (task.timeoutType === TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE && !started) return false;
  if (task.timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START && started) return false;
  timeOutWorkflowTask(run, task.timeoutType);
  return true;
}

/** After a successful completion the next task starts counting again. */
export function resetWorkflowTaskAttempt(run: RunTransaction): void {
  run.info.workflowTaskAttempt = 1;
}

export function clearStickiness(run: RunTransaction): void {
  run.info.stickyTaskQueue = '';
  run.info.stickyScheduleToStartTimeout = undefined;
}

export function setStickiness(run: RunTransaction, queueName: string, scheduleToStartMs: number): void {
  run.info.stickyTaskQueue = queueName;
  run.info.stickyScheduleToStartTimeout = msToDuration(scheduleToStartMs);
}
