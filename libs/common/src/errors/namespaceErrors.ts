import { Status } from 'nice-grpc-common';
import { ResourceExhaustedCause, ResourceExhaustedScope } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import { NamespaceState } from '@kairos/proto/temporal/api/enums/v1/namespace';
import { NamespaceAlreadyExistsFailure, NamespaceInvalidStateFailure, NamespaceNotFoundFailure } from '@kairos/proto/temporal/api/errordetails/v1/message';
import { ApiError, encodeDetail, ErrorDetailType } from './apiError';
import { resourceExhausted } from './serviceErrors';

/** NOT_FOUND `Namespace <name> is not found.` with `NamespaceNotFoundFailure{namespace}` (the SDKs raise NamespaceNotFoundError). */
export function namespaceNotFound(namespace: string): ApiError {
  return new ApiError(Status.NOT_FOUND, `Namespace ${namespace} is not found.`, encodeDetail(ErrorDetailType.NamespaceNotFound, NamespaceNotFoundFailure, { namespace }));
}

/**
 * NOT_FOUND for a namespace looked up by id (internal calls, which carry ids): Temporal's text,
 * without the detail the by-name lookup carries, since no caller names the namespace.
 */
export function namespaceIdNotFound(namespaceId: string): ApiError {
  return new ApiError(Status.NOT_FOUND, `Namespace ${namespaceId} is not found.`);
}

/** ALREADY_EXISTS `Namespace already exists.` with the (empty) `NamespaceAlreadyExistsFailure`. */
export function namespaceAlreadyExists(): ApiError {
  return new ApiError(Status.ALREADY_EXISTS, 'Namespace already exists.', encodeDetail(ErrorDetailType.NamespaceAlreadyExists, NamespaceAlreadyExistsFailure, {}));
}

/** The namespace's request rate (frontend.namespaceRPS) is spent: RPS_LIMIT, scope NAMESPACE. */
export function namespaceRateLimited(namespace: string, rps: number, burst: number): ApiError {
  return resourceExhausted(
    ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT,
    ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
    `namespace rate limit exceeded: namespace ${JSON.stringify(namespace)} is limited to ${rps} requests per second (frontend.namespaceRPS, burst ${burst})`,
  );
}

/** Too many concurrent long polls of one API in the namespace (frontend.namespaceCount): CONCURRENT_LIMIT, scope NAMESPACE. */
export function namespacePollLimited(namespace: string, limit: number, operation: string): ApiError {
  return resourceExhausted(
    ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
    ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
    `namespace concurrent poll limit exceeded: namespace ${JSON.stringify(namespace)} is limited to ${limit} concurrent ${operation} calls (frontend.namespaceCount)`,
  );
}

/** INVALID_ARGUMENT for a namespace retention that is missing, negative, mixed-sign or under the minimum (register and update). */
export function invalidRetention(): ApiError {
  return new ApiError(Status.INVALID_ARGUMENT, 'A valid retention period is not set on request.');
}

/** INVALID_ARGUMENT for an UpdateNamespace whose new state may not follow the current one. */
export function invalidNamespaceStateUpdate(): ApiError {
  return new ApiError(Status.INVALID_ARGUMENT, 'Invalid namespace state update.');
}

/** INVALID_ARGUMENT for a replication config naming a cluster other than Kairos's one. */
export function invalidClusterName(name: string): ApiError {
  return new ApiError(Status.INVALID_ARGUMENT, `Invalid cluster name: ${name}`);
}

/** INVALID_ARGUMENT for a promotion to a global namespace: Kairos, like a single Temporal cluster, has none. */
export function globalNamespaceNotEnabled(namespace: string): ApiError {
  return new ApiError(
    Status.INVALID_ARGUMENT,
    `global namespace is not enabled on this cluster, cannot update global namespace or promote local namespace: ${namespace}`,
  );
}

/** INVALID_ARGUMENT for ListArchivedWorkflowExecutions: archival is never configured in Kairos, as on Temporal's dev server. */
export function visibilityArchivalNotConfigured(): ApiError {
  return new ApiError(Status.INVALID_ARGUMENT, 'Cluster is not configured for visibility archival.');
}

/** A namespace state as Temporal's messages name it. */
export function namespaceStateName(state: NamespaceState): string {
  switch (state) {
    case NamespaceState.NAMESPACE_STATE_REGISTERED:
      return 'Registered';
    case NamespaceState.NAMESPACE_STATE_DEPRECATED:
      return 'Deprecated';
    case NamespaceState.NAMESPACE_STATE_DELETED:
      return 'Deleted';
    default:
      return 'Unspecified';
  }
}

/**
 * FAILED_PRECONDITION for a call the namespace's state does not allow (e.g. a start in a
 * deprecated namespace), with `NamespaceInvalidStateFailure{namespace, state, allowedStates}`.
 */
export function namespaceInvalidState(namespace: string, state: NamespaceState, allowedStates: NamespaceState[]): ApiError {
  return new ApiError(
    Status.FAILED_PRECONDITION,
    `Namespace has invalid state: ${namespaceStateName(state)}. Must be ${allowedStates.map(namespaceStateName).join(' or ')}.`,
    encodeDetail(ErrorDetailType.NamespaceInvalidState, NamespaceInvalidStateFailure, { namespace, state, allowedStates }),
  );
}
