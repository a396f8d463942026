import { addMs, durationToMs, msToDuration } from '@kairos/domain';
import { ExecutionUpdate } from './executionUpdate';
import type { WorkerVersionStamp } from '@kairos/proto/dist/generated/temporal/api/common/v1/message';
import {
  EventType,
  TaskQueue,
  TaskQueueKind,
  TimeoutType,
  TimerTaskKind,
  TransferTaskKind,
  WorkflowTaskFailedCause,
  WorkflowTaskInfo,
} from './protos';

/** The queue the next workflow task goes to: the worker's sticky queue while the run is sticky. */
function nextWorkflowTaskQueue(update: ExecutionUpdate): { queue: TaskQueue; sticky: boolean } {
  const info = update.info;
  if (info.stickyTaskQueue) {
    return {
      queue: TaskQueue.fromPartial({
        name: info.stickyTaskQueue,
        kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY,
        normalName: info.taskQueue!.name,
      }),
      sticky: true,
    };
  }
  return { queue: TaskQueue.fromPartial({ name: info.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }), sticky: false };
}

/**
 * Schedules a workflow task unless one is already scheduled or started, or the run is closed.
 * Returns whether a task was scheduled.
 */
export function scheduleWorkflowTask(update: ExecutionUpdate, attempt = 1): boolean {
  if (!update.isOpen || update.state.workflowTask) return false;
  const info = update.info;
  const { queue, sticky } = nextWorkflowTaskQueue(update);
  const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
    workflowTaskScheduledEventAttributes: {
      taskQueue: queue,
      startToCloseTimeout: info.workflowTaskTimeout,
      attempt,
    },
  });
  update.state.workflowTask = WorkflowTaskInfo.fromPartial({
    scheduledEventId: event.eventId,
    startedEventId: 0,
    attempt,
    taskQueue: queue,
    scheduledTime: update.now,
    startToCloseTimeout: info.workflowTaskTimeout,
  });
  update.addTransferTask({
    kind: TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK,
    scheduledEventId: event.eventId,
    taskQueue: queue,
    attempt,
    scheduleToStartTimeout: sticky ? info.stickyScheduleToStartTimeout : undefined,
  });
  if (sticky) {
    // A dead sticky worker must not strand the run: after this timeout the task moves to the
    // normal queue.
    update.addTimerTask({
      kind: TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT,
      fireTime: addMs(update.now, durationToMs(info.stickyScheduleToStartTimeout)),
      eventId: event.eventId,
      attempt,
      timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
    });
  }
  return true;
}

/** Records the scheduled workflow task as started by a poller and arms its start-to-close timer. */
export function startWorkflowTask(
  update: ExecutionUpdate,
  requestId: string,
  identity: string,
  workerVersion?: WorkerVersionStamp,
): number {
  const task = update.state.workflowTask!;
  const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, {
    workflowTaskStartedEventAttributes: {
      scheduledEventId: task.scheduledEventId,
      identity,
      requestId,
      historySizeBytes: update.info.historySizeBytes,
      workerVersion,
    },
  });
  task.startedEventId = event.eventId;
  task.startedTime = update.now;
  task.requestId = requestId;
  task.identity = identity;
  update.addTimerTask({
    kind: TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT,
    fireTime: addMs(update.now, durationToMs(task.startToCloseTimeout)),
    eventId: task.scheduledEventId,
    attempt: task.attempt,
    timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
  });
  return event.eventId;
}

/** Ends the started workflow task unsuccessfully and schedules the next attempt on the normal queue. */
export function failWorkflowTask(
  update: ExecutionUpdate,
  cause: WorkflowTaskFailedCause,
  failure: Parameters<typeof buildFailedAttributes>[3],
  identity: string,
): void {
  const task = update.state.workflowTask!;
  update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
    workflowTaskFailedEventAttributes: buildFailedAttributes(task, cause, identity, failure),
  });
  retryWorkflowTask(update, task.attempt + 1);
}

function buildFailedAttributes(
  task: WorkflowTaskInfo,
  cause: WorkflowTaskFailedCause,
  identity: string,
  failure: import('./protos').Failure | undefined,
) {
  return { scheduledEventId: task.scheduledEventId, startedEventId: task.startedEventId, cause, failure, identity };
}

/** Start-to-close or sticky schedule-to-start timeout of the current workflow task. */
export function timeOutWorkflowTask(update: ExecutionUpdate, timeoutType: TimeoutType): void {
  const task = update.state.workflowTask!;
  update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
    workflowTaskTimedOutEventAttributes: {
      scheduledEventId: task.scheduledEventId,
      startedEventId: timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START ? 0 : task.startedEventId,
      timeoutType,
    },
  });
  // A sticky schedule-to-start timeout is not the worker's fault: the attempt stays.
  retryWorkflowTask(update, timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START ? task.attempt : task.attempt + 1);
}

function retryWorkflowTask(update: ExecutionUpdate, attempt: number): void {
  update.state.workflowTask = undefined;
  // The worker that failed or vanished may have lost its cache: go back to the normal queue.
  clearStickiness(update);
  // Events buffered during the failed task are written now; the next task sees them.
  update.flushBufferedEvents();
  scheduleWorkflowTask(update, attempt);
}

export function clearStickiness(update: ExecutionUpdate): void {
  update.info.stickyTaskQueue = '';
  update.info.stickyScheduleToStartTimeout = undefined;
}

export function setStickiness(update: ExecutionUpdate, queueName: string, scheduleToStartMs: number): void {
  update.info.stickyTaskQueue = queueName;
  update.info.stickyScheduleToStartTimeout = msToDuration(scheduleToStartMs);
}
