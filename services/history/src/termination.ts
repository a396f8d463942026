import type { ExecutionUpdate } from './executionUpdate';
import { EventType, Payloads, WorkflowExecutionStatus } from './protos';

/** The identity Temporal records when the server itself ends a run. */
export const HISTORY_SERVICE_IDENTITY = 'history-service';

/**
 * Ends the run with WorkflowExecutionTerminated, whatever it is doing: buffered events and an
 * in-flight workflow task are dropped, and nothing may follow the event.
 */
export function terminateRun(update: ExecutionUpdate, reason: string, details: Payloads | undefined, identity: string): void {
  update.state.bufferedEvents = [];
  update.state.workflowTask = undefined;
  const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, {
    workflowExecutionTerminatedEventAttributes: { reason, details, identity },
  });
  update.info.status = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED;
  update.info.closeTime = update.now;
  update.info.completionEventId = event.eventId;
  update.closed = true;
}
