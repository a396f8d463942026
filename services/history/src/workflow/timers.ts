import { addMs, durationToMs } from '@kairos/domain';
import type { StartTimerCommandAttributes } from '@kairos/proto/temporal/api/command/v1/message';
import type { RunTransaction } from './runTransaction';
import { EventType, TimerInfo, TimerTaskKind, WorkflowTaskFailedCause } from './protos';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';
import { scheduleWorkflowTask } from './workflowTasks';

/*
 * User timers: started and canceled by the workflow's commands, fired by the timer queue.
 */

/** StartTimer: TimerStarted, the pending timer and its timer task. A timer id in use fails the workflow task. */
export function startTimer(run: RunTransaction, attrs: StartTimerCommandAttributes, completedEventId: number): void {
  if (run.state.timers[attrs.timerId]) {
    throw new WorkflowTaskCompletionRejected(
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID,
      `invalid history builder state for action: add-timer-started-event, TimerID: ${attrs.timerId}`,
    );
  }
  const event = run.appendEvent(EventType.EVENT_TYPE_TIMER_STARTED, {
    timerStartedEventAttributes: {
      timerId: attrs.timerId,
      startToFireTimeout: attrs.startToFireTimeout,
      workflowTaskCompletedEventId: completedEventId,
    },
  });
  const expiry = addMs(run.now, durationToMs(attrs.startToFireTimeout));
  run.state.timers[attrs.timerId] = TimerInfo.fromPartial({ timerId: attrs.timerId, startedEventId: event.eventId, expiryTime: expiry });
  run.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_USER_TIMER, fireTime: expiry, eventId: event.eventId, timerId: attrs.timerId });
}

/** CancelTimer: TimerCanceled; an unknown timer id fails the workflow task. (Its timer task then finds nothing.) */
export function cancelTimer(run: RunTransaction, timerId: string, completedEventId: number, identity: string): void {
  const timer = run.state.timers[timerId];
  if (!timer) {
    throw new WorkflowTaskCompletionRejected(
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
      `invalid history builder state for action: add-timer-canceled-event, TimerID: ${timerId}`,
    );
  }
  run.appendEvent(EventType.EVENT_TYPE_TIMER_CANCELED, {
    timerCanceledEventAttributes: { timerId, startedEventId: timer.startedEventId, workflowTaskCompletedEventId: completedEventId, identity },
  });
  delete run.state.timers[timerId];
}

/**
 * The timer task of `timerId` started at `startedEventId` fired: TimerFired (buffered while a
 * workflow task runs) and a workflow task. False when that timer is gone (canceled, or reused).
 */
export function fireTimer(run: RunTransaction, timerId: string, startedEventId: number): boolean {
  const timer = run.state.timers[timerId];
  if (!timer || timer.startedEventId !== startedEventId) return false;
  run.appendOrBufferEvent(EventType.EVENT_TYPE_TIMER_FIRED, {
    timerFiredEventAttributes: { timerId: timer.timerId, startedEventId: timer.startedEventId },
  });
  delete run.state.timers[timerId];
  scheduleWorkflowTask(run);
  return true;
}
