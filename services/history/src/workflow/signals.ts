import { setting } from '@kairos/common/settings';
import { signalLimitExceeded } from '@kairos/common/errors';
import type { RunTransaction } from './runTransaction';
import { EventType, type Header, type Payloads, type WorkflowExecution } from './protos';
import { scheduleWorkflowTask } from './workflowTasks';

/*
 * What other parties ask of a run: signals and cancellation requests. Both are deduplicated by
 * request id, so a retried call changes nothing.
 */

/** Temporal's history.maximumSignalsPerExecution default. */
export const MAX_SIGNALS_PER_EXECUTION = setting('history.maxSignalsPerExecution');

/** Whether this run already applied the request id (a retried signal or cancel changes nothing). */
function alreadyApplied(run: RunTransaction, requestId: string): boolean {
  return requestId !== '' && run.state.appliedRequestIds.includes(requestId);
}

function rememberRequestId(run: RunTransaction, requestId: string): void {
  if (requestId) run.state.appliedRequestIds.push(requestId);
}

export interface Signal {
  signalName: string;
  input?: Payloads;
  identity: string;
  header?: Header;
  requestId: string;
  externalWorkflowExecution?: WorkflowExecution;
}

/**
 * Records a signal: WorkflowExecutionSignaled (buffered while a workflow task is started) and a
 * workflow task to deliver it, unless one is already scheduled or started. Past Temporal's signal
 * limit the signal is refused.
 */
export function appendSignal(run: RunTransaction, signal: Signal): void {
  const count = (run.info.signalCount ?? 0) + 1;
  if (count > MAX_SIGNALS_PER_EXECUTION) {
    throw signalLimitExceeded();
  }
  run.info.signalCount = count;
  run.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
    workflowExecutionSignaledEventAttributes: {
      signalName: signal.signalName,
      input: signal.input,
      identity: signal.identity,
      header: signal.header,
      requestId: signal.requestId,
      externalWorkflowExecution: signal.externalWorkflowExecution,
    },
  });
  scheduleWorkflowTask(run);
}

/** SignalWorkflowExecution on this run: the signal, unless its request id was applied already (false). */
export function deliverSignal(run: RunTransaction, signal: Signal): boolean {
  if (alreadyApplied(run, signal.requestId)) return false;
  appendSignal(run, signal);
  rememberRequestId(run, signal.requestId);
  return true;
}

/**
 * Asks the run to cancel itself: WorkflowExecutionCancelRequested and a workflow task. Asking
 * again changes nothing (false), as in Temporal.
 */
export function requestRunCancellation(
  run: RunTransaction,
  request: { reason: string; identity: string; requestId: string },
  external?: { execution?: WorkflowExecution; initiatedEventId: number },
): boolean {
  if (run.info.cancelRequested || alreadyApplied(run, request.requestId)) return false;
  run.info.cancelRequested = true;
  run.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, {
    workflowExecutionCancelRequestedEventAttributes: {
      cause: request.reason,
      identity: request.identity,
      externalWorkflowExecution: external?.execution,
      externalInitiatedEventId: external?.initiatedEventId ?? 0,
    },
  });
  scheduleWorkflowTask(run);
  rememberRequestId(run, request.requestId);
  return true;
}
