import type { ExecutionUpdate } from './executionUpdate';
import { materializeTransientWorkflowTask } from './workflowTasks';
import { EventType, Payloads, WorkflowExecutionStatus, WorkflowTaskFailedCause } from './protos';

/** The identity Temporal records when the server itself ends a run. */
export const HISTORY_SERVICE_IDENTITY = 'history-service';

/**
 * Closes the run's workflow task before the server closes the run: a started task is failed
 * with FORCE_CLOSE_COMMAND (no event for a transient one; a started speculative one is written
 * first, as Temporal does on any write), its buffered events are dropped.
 */
export function forceCloseWorkflowTask(update: ExecutionUpdate): void {
  const task = update.state.workflowTask;
  if (task?.speculative && task.startedEventId > 0) materializeTransientWorkflowTask(update, task.identity);
  if (task && task.startedEventId > 0 && !task.transient) {
    update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
      workflowTaskFailedEventAttributes: {
        scheduledEventId: task.scheduledEventId,
        startedEventId: task.startedEventId,
        cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
        identity: HISTORY_SERVICE_IDENTITY,
      },
    });
  }
  update.state.bufferedEvents = [];
  update.state.workflowTask = undefined;
}

/**
 * Ends the run with WorkflowExecutionTerminated, whatever it is doing; nothing may follow the event.
 */
export function terminateRun(update: ExecutionUpdate, reason: string, details: Payloads | undefined, identity: string): void {
  forceCloseWorkflowTask(update);
  const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, {
    workflowExecutionTerminatedEventAttributes: { reason, details, identity },
  });
  update.info.status = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED;
  update.info.closeTime = update.now;
  update.info.completionEventId = event.eventId;
  update.closed = true;
}
