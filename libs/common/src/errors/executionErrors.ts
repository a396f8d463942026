import { Status } from 'nice-grpc-common';
import { ApiError } from './apiError';
import { internal, invalidArgument, notFound, unavailable, unimplemented, workflowExecutionAlreadyStarted } from './serviceErrors';

// Refusals about workflow executions (history). NOT_FOUND here names the cluster Kairos
// registers every namespace in ('active'), as Temporal's history does.

/** The ids of the run a start collided with, as the detail reports them. */
export interface ConflictingRun {
  startRequestId: string;
  runId: string;
  firstExecutionRunId: string;
}

/** The run (or the current run of an id) does not exist, or is closed where an open one is needed. */
export function workflowNotFound(message = 'workflow execution not found'): ApiError {
  return notFound(message, { currentCluster: 'active', activeCluster: 'active' });
}

/** A run named by its ids has no state (never started, or deleted): Temporal's words for it. */
export function runNotFound(workflowId: string, runId: string): ApiError {
  return workflowNotFound(`workflow execution not found for workflow ID "${workflowId}" and run ID "${runId}"`);
}

/** A start for a workflow id whose current run is still running. */
export function workflowAlreadyRunning(workflowId: string, current: ConflictingRun): ApiError {
  return alreadyStarted(`Workflow execution is already running. WorkflowId: ${workflowId}, RunId: ${current.runId}.`, current);
}

/** A start refused by WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE: the id's last run is closed. */
export function workflowIdReuseRejected(workflowId: string, current: ConflictingRun): ApiError {
  return alreadyStarted(
    `Workflow execution already finished and WorkflowIdReusePolicy is REJECT_DUPLICATE. WorkflowId: ${workflowId}, RunId: ${current.runId}.`,
    current,
  );
}

/** A start refused by WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY: the last run completed. */
export function workflowIdReuseFailedOnly(workflowId: string, current: ConflictingRun): ApiError {
  return alreadyStarted(
    `Workflow execution already finished successfully. WorkflowId: ${workflowId}, RunId: ${current.runId}. Workflow Id reuse policy: allow duplicate workflow Id if last run failed.`,
    current,
  );
}

function alreadyStarted(message: string, current: ConflictingRun): ApiError {
  return workflowExecutionAlreadyStarted(message, current.startRequestId, current.runId, current.firstExecutionRunId);
}

/** Starts of one workflow id kept colliding in the store; the caller retries. */
export function concurrentStarts(): ApiError {
  return unavailable('concurrent starts of the same workflow id; retry');
}

/** A run that received Temporal's maximum number of signals. */
export function signalLimitExceeded(): ApiError {
  return invalidArgument('exceeded workflow execution limit for signal events');
}

/**
 * A completion whose closing command is not its last (Temporal's ValidateCommandSequence); the
 * commands by their short names (`CompleteWorkflowExecution`).
 */
export function invalidCommandSequence(commandNames: string[], closingCommandName: string): ApiError {
  return invalidArgument(`invalid command sequence: [${commandNames.join(', ')}], command ${closingCommandName} must be the last command.`);
}

/** A completion with a command of no known type (Temporal's ValidateCommandSequence). */
export function unknownCommandType(commandName: string): ApiError {
  return invalidArgument(`unknown command type: ${commandName}`);
}

/** A workflow command Kairos does not implement yet. */
export function commandNotSupported(commandName: string): ApiError {
  return unimplemented(`Kairos does not support command ${commandName} yet`);
}

/** `kairos workflow import` of a run the namespace already has (imported before, or its own). */
export function importedRunExists(workflowId: string, runId: string): ApiError {
  return new ApiError(Status.ALREADY_EXISTS, `Run ${runId} of workflow ${workflowId} already exists in this namespace.`);
}

/** `kairos workflow import` of a history that cannot stand as a closed run; the message names the event at fault. */
export function importedHistoryRefused(problem: string): ApiError {
  return invalidArgument(`Cannot import the history: ${problem}.`);
}

/** ResetWorkflowExecution: the finish event id is not after the first event or not in the run's history. */
export function resetEventIdOutOfRange(): ApiError {
  return invalidArgument('Workflow task finish ID must be > 1 && <= workflow last event ID.');
}

/** ResetWorkflowExecution: the events before the reset point leave no workflow task to fail. */
export function resetPointNotAfterWorkflowTask(finishEventId: number): ApiError {
  return invalidArgument(`Can only reset workflow to event ID in range [WorkflowTaskScheduled +1, WorkflowTaskStarted + 1]: ${finishEventId}`);
}

/** ResetWorkflowExecution: the event before the reset point is not the last of its batch (Temporal's state rebuilder). */
export function resetPointInsideBatch(lastEventId: number): ApiError {
  return invalidArgument(`StateRebuilder unable to Rebuild mutable state to event ID: ${lastEventId}, version: 0, this event must be at the boundary`);
}

/** A child's completion followed more reset links of its parent than Temporal does (consts.ErrResetRedirectLimitReached). */
export function resetRedirectLimitReached(): ApiError {
  return internal('The chain of resets is too long to iterate.');
}

/** ResetWorkflowExecution with a reset_reapply_type Temporal does not know (its frontend answers INTERNAL). */
export function unknownResetReapplyType(value: number): ApiError {
  return internal(`unknown reset reapply type: ${value}`);
}
