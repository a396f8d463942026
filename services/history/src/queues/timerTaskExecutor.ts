import { addMs, durationToMs, newRunId } from '@kairos/domain';
import type { StoredTimerTask } from '@kairos/persistence/store';
import { dispatchRetriedActivity, timeOutActivity } from '../activities';
import type { ExecutionManager } from '../executionManager';
import type { ExecutionUpdate } from '../executionUpdate';
import { ActivityInfo, ContinueAsNewInitiator, EventType, Failure, RetryState, TimeoutType, TimerTaskKind, WorkflowExecutionStatus, type TimerTask } from '../protos';
import { cronBackoff, retryDecision, startNextRunOfChain } from '../commands';
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

/** Whether the current attempt's schedule-to-start deadline is at or before `time`. */
function scheduleToStartDeadlineReached(activity: ActivityInfo, time: Date): boolean {
  const scheduleToStart = durationToMs(activity.scheduleToStartTimeout);
  const attemptScheduled = activity.currentAttemptScheduledTime ?? activity.scheduledTime;
  return scheduleToStart > 0 && attemptScheduled !== undefined && addMs(attemptScheduled, scheduleToStart).getTime() <= time.getTime();
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
          // Temporal breaks a tie between the two deadlines of a task nobody picked up in favour
          // of schedule-to-start (an unset one defaults to schedule-to-close, so ties are usual).
          if (!activity.started && scheduleToStartDeadlineReached(activity, task.fireTime!)) {
            timeOutActivity(update, activity, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
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
      // Unless the chain's execution deadline passed too, a retry policy may start the next
      // attempt, or a cron schedule the next run (as Temporal does).
      forceCloseWorkflowTask(update);
      const info = update.info;
      const failure = Failure.fromPartial({ message: 'workflow timeout', source: 'Server', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE } });
      const expired = info.workflowExecutionExpirationTime !== undefined && info.workflowExecutionExpirationTime.getTime() <= update.now.getTime();
      let retryState = RetryState.RETRY_STATE_TIMEOUT;
      let initiator: ContinueAsNewInitiator | undefined;
      let backoffMs = 0;
      if (!expired) {
        const decision = retryDecision(update, failure);
        retryState = decision.retryState;
        if (decision.retryState === RetryState.RETRY_STATE_IN_PROGRESS) {
          initiator = ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY;
          backoffMs = decision.backoffMs;
        } else {
          const cronMs = cronBackoff(update);
          if (cronMs !== undefined) {
            initiator = ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE;
            backoffMs = cronMs;
          }
        }
      }
      const nextRunId = initiator !== undefined ? newRunId() : '';
      const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, {
        workflowExecutionTimedOutEventAttributes: { retryState, newExecutionRunId: nextRunId },
      });
      info.status = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
      info.closeTime = update.now;
      info.completionEventId = event.eventId;
      update.closed = true;
      if (initiator !== undefined) startNextRunOfChain(update, nextRunId, initiator, backoffMs, { failure, lastCompletionResult: info.lastCompletionResult });
      return true;
    }

    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF:
      // The run's first workflow task, once its backoff is over (signals meanwhile waited for it).
      return scheduleWorkflowTask(update, { backoffEnded: true });

    default:
      return false;
  }
}
