import { Status } from 'nice-grpc-common';
import { ResourceExhaustedScope } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import { ResourceExhaustedFailure } from '@kairos/proto/temporal/api/errordetails/v1/message';
import { ApiError, ErrorDetailType } from './errors';

/** Temporal's serviceerror type for each status code when no detail says more. */
const TYPE_BY_CODE: Partial<Record<Status, string>> = {
  [Status.CANCELLED]: 'Canceled',
  [Status.INVALID_ARGUMENT]: 'InvalidArgument',
  [Status.DEADLINE_EXCEEDED]: 'DeadlineExceeded',
  [Status.NOT_FOUND]: 'NotFound',
  [Status.ALREADY_EXISTS]: 'AlreadyExists',
  [Status.PERMISSION_DENIED]: 'PermissionDenied',
  [Status.RESOURCE_EXHAUSTED]: 'ResourceExhausted',
  [Status.FAILED_PRECONDITION]: 'FailedPrecondition',
  [Status.ABORTED]: 'Aborted',
  [Status.UNIMPLEMENTED]: 'Unimplemented',
  [Status.INTERNAL]: 'Internal',
  [Status.UNAVAILABLE]: 'Unavailable',
  [Status.DATA_LOSS]: 'DataLoss',
};

/** Temporal's serviceerror type named by each error detail Kairos attaches. */
const TYPE_BY_DETAIL: Readonly<Record<string, string>> = {
  [ErrorDetailType.NamespaceNotFound]: 'NamespaceNotFound',
  [ErrorDetailType.NamespaceAlreadyExists]: 'NamespaceAlreadyExists',
  [ErrorDetailType.NamespaceInvalidState]: 'NamespaceInvalidState',
  [ErrorDetailType.WorkflowExecutionAlreadyStarted]: 'WorkflowExecutionAlreadyStarted',
  [ErrorDetailType.WorkflowNotReady]: 'WorkflowNotReady',
  [ErrorDetailType.QueryFailed]: 'QueryFailed',
  [ErrorDetailType.MultiOperationExecution]: 'MultiOperationExecution',
};

/** The status code of an error a handler threw (UNKNOWN for one that is not a gRPC error). */
export function errorStatus(err: unknown): Status {
  return err instanceof ApiError ? err.code : ((err as { code?: number } | undefined)?.code ?? Status.UNKNOWN);
}

/**
 * The `error_type` of Temporal's service_error_with_type: the Go type of the error it answered
 * with, as its Prometheus reporter spells it (`serviceerror_NotFound`, `serviceerror_WorkflowExecutionAlreadyStarted`, ...).
 */
export function temporalServiceErrorType(err: unknown): string {
  const detail = err instanceof ApiError ? err.detail?.typeName : undefined;
  const name = (detail && TYPE_BY_DETAIL[detail]) ?? TYPE_BY_CODE[errorStatus(err)] ?? 'Unknown';
  return `serviceerror_${name}`;
}

/**
 * Whether Temporal counts the error as the caller's doing (not in service_errors, which counts
 * unexpected failures only): by status code, and a namespace's rate limit among RESOURCE_EXHAUSTED.
 */
export function isExpectedServiceError(err: unknown): boolean {
  switch (errorStatus(err)) {
    case Status.CANCELLED:
    case Status.INVALID_ARGUMENT:
    case Status.NOT_FOUND:
    case Status.ALREADY_EXISTS:
    case Status.PERMISSION_DENIED:
    case Status.FAILED_PRECONDITION:
    case Status.OUT_OF_RANGE:
    case Status.UNAUTHENTICATED:
      return true;
    case Status.RESOURCE_EXHAUSTED:
      return resourceExhaustedScope(err) === ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE;
    default:
      return false;
  }
}

function resourceExhaustedScope(err: unknown): ResourceExhaustedScope | undefined {
  const detail = err instanceof ApiError ? err.detail : undefined;
  if (detail?.typeName !== ErrorDetailType.ResourceExhausted) return undefined;
  try {
    return ResourceExhaustedFailure.decode(detail.value).scope;
  } catch {
    return undefined;
  }
}
