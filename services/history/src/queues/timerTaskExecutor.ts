import { addMs, durationToMs } from '@kairos/domain';
import type { StoredTimerTask } from '@kairos/persistence/dist/store';
import { dispatchRetriedActivity, timeOutActivity } from '../activities';
import type { ExecutionManager } from '../executionManager';
import type { ExecutionUpdate } from '../executionUpdate';
import { EventType, RetryState, TimeoutType, TimerTaskKind, WorkflowExecutionStatus, type TimerTask } from '../protos';
import { scheduleWorkflowTask, timeOutWorkflowTask } from '../workflowTasks';
import { forceCloseWorkflowTask } from '../termination';

/**
 * Applies a fired timer to its execution. Every timer is checked against the current state
 * first (same task, same attempt, still pending), so a timer for something that already moved on
 * writes nothing.
 */
export function createTimerTaskExecutor(executions: ExecutionManager) {
  return async ({ task }: StoredTimerTask): Promise<void> => {
    const key = { namespaceId: task.namespaceId, workflowId: task.workflowId, runId: task.runId };
    await executions.update(key, (update) => {
      if (!update.isOpen || !applyTimer(update, task)) update.discard();
    });
  };
}

/** Returns false when the timer is stale and nothing changed. */
function applyTimer(update: ExecutionUpdate, task: TimerTask): boolean {
  switch (task.kind) {
    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT: {
      const wft = update.state.workflowTask;
      if (!wft || wft.scheduledEventId !== task.eventId || wft.attempt !== task.attempt) return false;
      // A discarded speculative task's timer must not time out the next task with the same ids.
      if (task.workflowTaskStamp && wft.stamp !== task.workflowTaskStamp) return false;
      const started = wft.startedEventId > 0;
      if (task.timeoutType === TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE && !started) return false;
      if (task.timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START && started) return false;
      timeOutWorkflowTask(update, task.timeoutType);
      return true;
    }

    case TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT: {
      const activity = update.state.activities[task.eventId];
      if (!activity) return false;
      switch (task.timeoutType) {
        case TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE:
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
          if (deadline.getTime() > update.now.getTime()) {
            update.addTimerTask({ ...task, fireTime: deadline });
            return true;
          }
          break;
        }
        default:
          return false;
      }
      timeOutActivity(update, activity, task.timeoutType);
      return true;
    }

    case TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY: {
      const activity = update.state.activities[task.eventId];
      if (!activity || activity.attempt !== task.attempt || activity.started) return false;
      dispatchRetriedActivity(update, activity);
      return true;
    }

    case TimerTaskKind.TIMER_TASK_KIND_USER_TIMER: {
      const timer = update.state.timers[task.timerId];
      if (!timer || timer.startedEventId !== task.eventId) return false;
      update.appendOrBufferEvent(EventType.EVENT_TYPE_TIMER_FIRED, {
        timerFiredEventAttributes: { timerId: timer.timerId, startedEventId: timer.startedEventId },
      });
      delete update.state.timers[task.timerId];
      scheduleWorkflowTask(update);
      return true;
    }

    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT: {
      // The run ends now whatever is in flight; a worker's late completion then gets NOT_FOUND.
      forceCloseWorkflowTask(update);
      const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, {
        // Without a workflow retry policy, Temporal records RETRY_POLICY_NOT_SET here.
        workflowExecutionTimedOutEventAttributes: { retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET },
      });
      update.info.status = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
      update.info.closeTime = update.now;
      update.info.completionEventId = event.eventId;
      update.closed = true;
      return true;
    }

    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF:
      // The run's first workflow task, once its backoff is over (a signal may have scheduled it already).
      return scheduleWorkflowTask(update);

    default:
      return false;
  }
}
