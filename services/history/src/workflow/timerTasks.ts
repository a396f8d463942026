import { activityRetryFired, activityTimeoutFired } from './activities';
import { timeOutRun } from './closeRun';
import type { RunTransaction } from './runTransaction';
import { TimerTaskKind, type TimerTask } from './protos';
import { fireTimer } from './timers';
import { hadOrHasWorkflowTask, scheduleWorkflowTask, workflowTaskTimeoutFired } from './workflowTasks';

/**
 * The timer kinds `applyTimerTask` handles: on a closed run each does nothing, so a write that
 * closes the run may delete the ones it knows of instead of letting them fire.
 */
export const TIMER_KINDS_A_CLOSED_RUN_IGNORES: ReadonlySet<TimerTaskKind> = new Set([
  TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT,
  TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT,
  TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY,
  TimerTaskKind.TIMER_TASK_KIND_USER_TIMER,
  TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT,
  TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF,
]);

/**
 * What a fired timer task does to its run. Every timer is checked against the current state
 * first (same task, same attempt, still pending), so a timer for something that already moved on
 * changes nothing: false.
 */
export function applyTimerTask(run: RunTransaction, task: TimerTask): boolean {
  if (!run.isOpen) return false;
  switch (task.kind) {
    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT:
      return workflowTaskTimeoutFired(run, task);
    case TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT:
      return activityTimeoutFired(run, task);
    case TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY:
      return activityRetryFired(run, task.eventId, task.attempt, task.activityStamp);
    case TimerTaskKind.TIMER_TASK_KIND_USER_TIMER:
      return fireTimer(run, task.timerId, task.eventId);
    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT:
      timeOutRun(run);
      return true;
    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF:
      // The run's first workflow task, once its backoff is over (signals meanwhile waited for it;
      // an update did not, and its task may have run already).
      if (hadOrHasWorkflowTask(run)) return false;
      return scheduleWorkflowTask(run, { backoffEnded: true });
    default:
      return false;
  }
}
