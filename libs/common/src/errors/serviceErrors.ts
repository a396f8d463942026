import { Status } from 'nice-grpc-common';
import type { ResourceExhaustedCause, ResourceExhaustedScope } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import {
  MultiOperationExecutionFailure,
  NotFoundFailure,
  PermissionDeniedFailure,
  QueryFailedFailure,
  ResourceExhaustedFailure,
  WorkflowExecutionAlreadyStartedFailure,
  WorkflowNotReadyFailure,
} from '@kairos/proto/temporal/api/errordetails/v1/message';
import { MultiOperationExecutionAborted, type Failure } from '@kairos/proto/temporal/api/failure/v1/message';
import { ApiError, encodeDetail, ErrorDetailType } from './apiError';

// The builders of one status code each, mirroring api-go's `serviceerror.New*` constructors: same
// code, same detail message (even when empty: clients switch on the detail's type). The message
// is the caller's; situations with a fixed text have named builders in the other files here.

/** INVALID_ARGUMENT, no detail (`serviceerror.NewInvalidArgument`). */
export function invalidArgument(message: string): ApiError {
  return new ApiError(Status.INVALID_ARGUMENT, message);
}

/**
 * NOT_FOUND with `NotFoundFailure{current_cluster, active_cluster}` (`serviceerror.NewNotFound`;
 * both clusters are empty unless given). The SDKs map it to WorkflowNotFoundError.
 */
export function notFound(message: string, clusters: { currentCluster?: string; activeCluster?: string } = {}): ApiError {
  return new ApiError(
    Status.NOT_FOUND,
    message,
    encodeDetail(ErrorDetailType.NotFound, NotFoundFailure, {
      currentCluster: clusters.currentCluster ?? '',
      activeCluster: clusters.activeCluster ?? '',
    }),
  );
}

/**
 * ALREADY_EXISTS with `WorkflowExecutionAlreadyStartedFailure{start_request_id, run_id,
 * first_execution_run_id}`. The Python SDK needs the detail to raise WorkflowAlreadyStartedError.
 */
export function workflowExecutionAlreadyStarted(message: string, startRequestId: string, runId: string, firstExecutionRunId = ''): ApiError {
  return new ApiError(
    Status.ALREADY_EXISTS,
    message,
    encodeDetail(ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure, {
      startRequestId,
      runId,
      firstExecutionRunId,
    }),
  );
}

/** FAILED_PRECONDITION, no detail (`serviceerror.NewFailedPrecondition`). */
export function failedPrecondition(message: string): ApiError {
  return new ApiError(Status.FAILED_PRECONDITION, message);
}

/** FAILED_PRECONDITION with the (empty) `WorkflowNotReadyFailure`. */
export function workflowNotReady(message: string): ApiError {
  return new ApiError(Status.FAILED_PRECONDITION, message, encodeDetail(ErrorDetailType.WorkflowNotReady, WorkflowNotReadyFailure, {}));
}

/** INVALID_ARGUMENT with `QueryFailedFailure{failure}`: the workflow's query handler failed. */
export function queryFailed(message: string, failure?: Failure): ApiError {
  return new ApiError(Status.INVALID_ARGUMENT, message, encodeDetail(ErrorDetailType.QueryFailed, QueryFailedFailure, { failure }));
}

/** PERMISSION_DENIED with `PermissionDeniedFailure{reason}`. */
export function permissionDenied(message: string, reason = ''): ApiError {
  return new ApiError(Status.PERMISSION_DENIED, message, encodeDetail(ErrorDetailType.PermissionDenied, PermissionDeniedFailure, { reason }));
}

/**
 * PERMISSION_DENIED "Request unauthorized." with an empty PermissionDeniedFailure: what Temporal's
 * authorization interceptor answers any call its authorizer refuses.
 */
export function requestUnauthorized(): ApiError {
  return permissionDenied('Request unauthorized.');
}

/**
 * UNAUTHENTICATED, no detail: a call with no credentials, or with a token or key that is malformed,
 * expired, revoked or not signed by a trusted key (Temporal says PERMISSION_DENIED "Request
 * unauthorized." for these too; Kairos tells them apart). `reason` must never quote the credential.
 */
export function unauthenticated(reason: string): ApiError {
  return new ApiError(Status.UNAUTHENTICATED, `Request unauthenticated: ${reason}.`);
}

/**
 * RESOURCE_EXHAUSTED with `ResourceExhaustedFailure{cause, scope}`. Clients retry it (core backs
 * off from 1 s), so use it only for conditions that pass: busy workflow, rate limits.
 */
export function resourceExhausted(cause: ResourceExhaustedCause, scope: ResourceExhaustedScope, message: string): ApiError {
  return new ApiError(Status.RESOURCE_EXHAUSTED, message, encodeDetail(ErrorDetailType.ResourceExhausted, ResourceExhaustedFailure, { cause, scope }));
}

/** UNAVAILABLE, no detail: transient trouble, clients retry. */
export function unavailable(message: string): ApiError {
  return new ApiError(Status.UNAVAILABLE, message);
}

/** INTERNAL, no detail. Clients retry it, so never use it for a permanent condition. */
export function internal(message: string): ApiError {
  return new ApiError(Status.INTERNAL, message);
}

/** UNIMPLEMENTED, no detail. */
export function unimplemented(message: string): ApiError {
  return new ApiError(Status.UNIMPLEMENTED, message);
}

/** DEADLINE_EXCEEDED, no detail. */
export function deadlineExceeded(message: string): ApiError {
  return new ApiError(Status.DEADLINE_EXCEEDED, message);
}

/** `err` itself when it is an ApiError, else INTERNAL with its message (an unexpected failure). */
export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : internal((err as Error).message);
}

/** The status of an operation aborted because another operation of the same multi-operation failed. */
export function multiOperationAborted(): ApiError {
  return new ApiError(
    Status.ABORTED,
    'Operation was aborted.',
    encodeDetail(ErrorDetailType.MultiOperationExecutionAborted, MultiOperationExecutionAborted, {}),
  );
}

/**
 * Temporal's MultiOperationExecution error: one status per operation (the failed ones as they
 * would fail alone, the others ABORTED); the call's code is the first failed operation's.
 */
export function multiOperationExecution(message: string, errors: ApiError[]): ApiError {
  const failed = errors.find((e) => e.code !== Status.ABORTED);
  const failure = MultiOperationExecutionFailure.encode({
    statuses: errors.map((e) => ({
      code: e.code,
      message: e.message,
      details: e.detail ? [{ typeUrl: `type.googleapis.com/${e.detail.typeName}`, value: e.detail.value }] : [],
    })),
  }).finish();
  return new ApiError(failed?.code ?? Status.INTERNAL, message, { typeName: ErrorDetailType.MultiOperationExecution, value: failure });
}
