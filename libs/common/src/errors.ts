import { Status } from 'nice-grpc-common';
import type { ResourceExhaustedCause, ResourceExhaustedScope } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import {
  CancellationAlreadyRequestedFailure,
  MultiOperationExecutionFailure,
  NamespaceAlreadyExistsFailure,
  NamespaceNotFoundFailure,
  NotFoundFailure,
  PermissionDeniedFailure,
  QueryFailedFailure,
  ResourceExhaustedFailure,
  WorkflowExecutionAlreadyStartedFailure,
  WorkflowNotReadyFailure,
} from '@kairos/proto/temporal/api/errordetails/v1/message';
import { MultiOperationExecutionAborted, type Failure } from '@kairos/proto/temporal/api/failure/v1/message';

/** Temporal's error detail message carried in `grpc-status-details-bin`, already encoded. */
export interface ErrorDetail {
  /** Full proto name, e.g. `temporal.api.errordetails.v1.NotFoundFailure`. */
  typeName: string;
  value: Uint8Array;
}

/**
 * An error with the gRPC status code (and optional detail) Temporal's server answers with for the
 * same situation. Handlers throw it; the gRPC layer turns it into a status with details, and the
 * internal gRPC clients turn such a status back into an ApiError so it crosses services intact.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: Status,
    message: string,
    readonly detail?: ErrorDetail,
  ) {
    super(message);
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** Package of Temporal's error detail messages (`temporal/api/errordetails/v1/message.proto`). */
export const ERROR_DETAILS_PACKAGE = 'temporal.api.errordetails.v1';

/** The proto full names of the error details the helpers below attach. */
export const ErrorDetailType = {
  NotFound: `${ERROR_DETAILS_PACKAGE}.NotFoundFailure`,
  NamespaceNotFound: `${ERROR_DETAILS_PACKAGE}.NamespaceNotFoundFailure`,
  NamespaceAlreadyExists: `${ERROR_DETAILS_PACKAGE}.NamespaceAlreadyExistsFailure`,
  WorkflowExecutionAlreadyStarted: `${ERROR_DETAILS_PACKAGE}.WorkflowExecutionAlreadyStartedFailure`,
  ResourceExhausted: `${ERROR_DETAILS_PACKAGE}.ResourceExhaustedFailure`,
  WorkflowNotReady: `${ERROR_DETAILS_PACKAGE}.WorkflowNotReadyFailure`,
  QueryFailed: `${ERROR_DETAILS_PACKAGE}.QueryFailedFailure`,
  CancellationAlreadyRequested: `${ERROR_DETAILS_PACKAGE}.CancellationAlreadyRequestedFailure`,
  PermissionDenied: `${ERROR_DETAILS_PACKAGE}.PermissionDeniedFailure`,
} as const;

interface Encoder<T> {
  encode(message: T): { finish(): Uint8Array };
}

interface Decoder<T> {
  decode(input: Uint8Array): T;
}

function detail<T>(typeName: string, codec: Encoder<T>, message: T): ErrorDetail {
  return { typeName, value: codec.encode(message).finish() };
}

/**
 * The decoded detail of `err` when it is an ApiError whose detail has `typeName`, e.g.
 * `decodeErrorDetail(err, ErrorDetailType.NotFound, NotFoundFailure)`; otherwise undefined.
 */
export function decodeErrorDetail<T>(err: unknown, typeName: string, codec: Decoder<T>): T | undefined {
  if (!(err instanceof ApiError) || err.detail?.typeName !== typeName) return undefined;
  return codec.decode(err.detail.value);
}

// The helpers mirror api-go's `serviceerror.New*` constructors: same code, same detail message
// (even when empty: clients switch on the detail's type), same message text where Temporal fixes it.

/** INVALID_ARGUMENT, no detail (`serviceerror.NewInvalidArgument`). */
export function invalidArgument(message: string): ApiError {
  return new ApiError(Status.INVALID_ARGUMENT, message);
}

/**
 * NOT_FOUND with `NotFoundFailure{current_cluster, active_cluster}` (`serviceerror.NewNotFound`;
 * both clusters are empty on a single-cluster server). The SDKs map it to WorkflowNotFoundError.
 */
export function notFound(message: string, clusters: { currentCluster?: string; activeCluster?: string } = {}): ApiError {
  return new ApiError(
    Status.NOT_FOUND,
    message,
    detail(ErrorDetailType.NotFound, NotFoundFailure, {
      currentCluster: clusters.currentCluster ?? '',
      activeCluster: clusters.activeCluster ?? '',
    }),
  );
}

/** NOT_FOUND `Namespace <name> is not found.` with `NamespaceNotFoundFailure{namespace}`. */
export function namespaceNotFound(namespace: string): ApiError {
  return new ApiError(
    Status.NOT_FOUND,
    `Namespace ${namespace} is not found.`,
    detail(ErrorDetailType.NamespaceNotFound, NamespaceNotFoundFailure, { namespace }),
  );
}

/**
 * ALREADY_EXISTS with `WorkflowExecutionAlreadyStartedFailure{start_request_id, run_id,
 * first_execution_run_id}`. The Python SDK needs the detail to raise WorkflowAlreadyStartedError.
 */
export function workflowExecutionAlreadyStarted(
  message: string,
  startRequestId: string,
  runId: string,
  firstExecutionRunId = '',
): ApiError {
  return new ApiError(
    Status.ALREADY_EXISTS,
    message,
    detail(ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure, {
      startRequestId,
      runId,
      firstExecutionRunId,
    }),
  );
}

/** ALREADY_EXISTS with the (empty) `NamespaceAlreadyExistsFailure`. */
export function namespaceAlreadyExists(message: string): ApiError {
  return new ApiError(
    Status.ALREADY_EXISTS,
    message,
    detail(ErrorDetailType.NamespaceAlreadyExists, NamespaceAlreadyExistsFailure, {}),
  );
}

/** ALREADY_EXISTS, no detail (`serviceerror.NewAlreadyExists`). */
export function alreadyExists(message: string): ApiError {
  return new ApiError(Status.ALREADY_EXISTS, message);
}

/** ALREADY_EXISTS with the (empty) `CancellationAlreadyRequestedFailure`. */
export function cancellationAlreadyRequested(message: string): ApiError {
  return new ApiError(
    Status.ALREADY_EXISTS,
    message,
    detail(ErrorDetailType.CancellationAlreadyRequested, CancellationAlreadyRequestedFailure, {}),
  );
}

/** FAILED_PRECONDITION, no detail (`serviceerror.NewFailedPrecondition`). */
export function failedPrecondition(message: string): ApiError {
  return new ApiError(Status.FAILED_PRECONDITION, message);
}

/** FAILED_PRECONDITION with the (empty) `WorkflowNotReadyFailure`. */
export function workflowNotReady(message: string): ApiError {
  return new ApiError(
    Status.FAILED_PRECONDITION,
    message,
    detail(ErrorDetailType.WorkflowNotReady, WorkflowNotReadyFailure, {}),
  );
}

/** INVALID_ARGUMENT with `QueryFailedFailure{failure}`: the workflow's query handler failed. */
export function queryFailed(message: string, failure?: Failure): ApiError {
  return new ApiError(
    Status.INVALID_ARGUMENT,
    message,
    detail(ErrorDetailType.QueryFailed, QueryFailedFailure, { failure }),
  );
}

/** PERMISSION_DENIED with `PermissionDeniedFailure{reason}`. */
export function permissionDenied(message: string, reason = ''): ApiError {
  return new ApiError(
    Status.PERMISSION_DENIED,
    message,
    detail(ErrorDetailType.PermissionDenied, PermissionDeniedFailure, { reason }),
  );
}

/**
 * RESOURCE_EXHAUSTED with `ResourceExhaustedFailure{cause, scope}`. Clients retry it (core backs
 * off from 1 s), so use it only for conditions that pass: busy workflow, rate limits.
 */
export function resourceExhausted(cause: ResourceExhaustedCause, scope: ResourceExhaustedScope, message: string): ApiError {
  return new ApiError(
    Status.RESOURCE_EXHAUSTED,
    message,
    detail(ErrorDetailType.ResourceExhausted, ResourceExhaustedFailure, { cause, scope }),
  );
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

/** CANCELLED, no detail. */
export function canceled(message: string): ApiError {
  return new ApiError(Status.CANCELLED, message);
}

/** The status of an operation aborted because another operation of the same multi-operation failed. */
export function multiOperationAborted(): ApiError {
  return new ApiError(Status.ABORTED, 'Operation was aborted.', {
    typeName: 'temporal.api.failure.v1.MultiOperationExecutionAborted',
    value: MultiOperationExecutionAborted.encode({}).finish(),
  });
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
  return new ApiError(failed?.code ?? Status.INTERNAL, message, {
    typeName: 'temporal.api.errordetails.v1.MultiOperationExecutionFailure',
    value: failure,
  });
}
