import { Status } from 'nice-grpc-common';
import { ApiError } from './apiError';
import { invalidArgument, multiOperationExecution, permissionDenied } from './serviceErrors';

// Answers to requests the frontend (or history, for the same request) refuses with a fixed text.

/** A task token that is not ours or not of the kind the call needs (Temporal's text). */
export function invalidTaskToken(): ApiError {
  return invalidArgument('Error deserializing task token.');
}

/** A page token that does not decode or belongs to another run. */
export function invalidNextPageToken(): ApiError {
  return invalidArgument('Invalid NextPageToken.');
}

/** A payload (workflow input, signal input) over the namespace's blob size limit. */
export function blobSizeLimitExceeded(): ApiError {
  return invalidArgument('Blob data size exceeds limit.');
}

/** A memo (of a start) over Temporal's memo size limit. */
export function memoSizeLimitExceeded(): ApiError {
  return invalidArgument('Memo size exceeds limit.');
}

/** A call without its request (an internal call whose request field is unset). */
export function requestNotSet(): ApiError {
  return invalidArgument('Request is nil.');
}

/** A task poll without a deadline: Temporal requires one. */
export function pollDeadlineNotSet(): ApiError {
  return invalidArgument('Context timeout is not set.');
}

/** A task poll whose deadline leaves too little time to wait. */
export function pollDeadlineTooShort(): ApiError {
  return invalidArgument('Context timeout is too short.');
}

/** UpdateWorkflowExecution waiting only for ADMITTED, which Temporal refuses. */
export function updateAdmittedWaitNotSupported(): ApiError {
  return permissionDenied('UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported.');
}

/** Update-with-start refused: one status per operation, the one that did not fail ABORTED. */
export function updateWithStartFailed(errors: ApiError[]): ApiError {
  return multiOperationExecution('Update-with-Start could not be executed.', errors);
}

/** A WorkflowService or OperatorService method Kairos does not implement. */
export function methodNotImplemented(method: string): ApiError {
  return new ApiError(Status.UNIMPLEMENTED, `${method} is not implemented by Kairos yet`);
}

/** A gRPC health check for a service name this server does not serve (no Temporal detail: health is plain gRPC). */
export function unknownHealthService(service: string): ApiError {
  return new ApiError(Status.NOT_FOUND, `unknown service ${service}`);
}

/** A waiting history read cut short by shutdown: retryable, so the client's retry reaches a live frontend. */
export function frontendShuttingDown(): ApiError {
  return new ApiError(Status.UNAVAILABLE, 'frontend is shutting down');
}
