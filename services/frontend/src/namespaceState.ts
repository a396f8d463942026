import type { Middleware } from '@kairos/common/grpc';
import { isApiError, namespaceInvalidState } from '@kairos/common/errors';
import type { NamespaceRegistry } from '@kairos/domain';
import { NamespaceState } from '@kairos/proto/temporal/api/enums/v1/namespace';

const { NAMESPACE_STATE_REGISTERED: REGISTERED, NAMESPACE_STATE_DEPRECATED: DEPRECATED } = NamespaceState;
const WORKFLOW_SERVICE = '/temporal.api.workflowservice.v1.WorkflowService/';

/** Calls that start a run need a registered namespace; every other call a registered or deprecated one. */
const ALLOWED_STATES_BY_METHOD: Readonly<Record<string, NamespaceState[]>> = {
  StartWorkflowExecution: [REGISTERED],
  SignalWithStartWorkflowExecution: [REGISTERED],
};
const DEFAULT_ALLOWED_STATES = [REGISTERED, DEPRECATED];
/** Calls that name a namespace but are answered in any state (a deleted namespace can still be described). */
const ANY_STATE = new Set(['DescribeNamespace', 'RegisterNamespace']);

/** The states of a namespace in which `method` (a WorkflowService method name) is served. */
export function allowedNamespaceStates(method: string): NamespaceState[] | undefined {
  if (ANY_STATE.has(method)) return undefined;
  return ALLOWED_STATES_BY_METHOD[method] ?? DEFAULT_ALLOWED_STATES;
}

/**
 * Temporal's namespace state check, before the handler and the rate limits: a WorkflowService
 * call naming a namespace whose state does not allow it is FAILED_PRECONDITION with Temporal's
 * message and NamespaceInvalidStateFailure (e.g. no new runs in a deprecated namespace, nothing
 * but DescribeNamespace in a deleted one). Calls naming no known namespace go on to the handler.
 */
export function createNamespaceStateMiddleware(namespaces: NamespaceRegistry): Middleware {
  return async function namespaceStateMiddleware(call, context, next) {
    const namespace = (call.request as { namespace?: unknown } | undefined)?.namespace;
    const path = call.method.path;
    const allowed = path.startsWith(WORKFLOW_SERVICE) ? allowedNamespaceStates(path.slice(WORKFLOW_SERVICE.length)) : undefined;
    if (allowed && typeof namespace === 'string' && namespace !== '') {
      const state = await stateOf(namespaces, namespace);
      if (state !== undefined && !allowed.includes(state)) throw namespaceInvalidState(namespace, state, allowed);
    }
    return next(call.request, context);
  };
}

async function stateOf(namespaces: NamespaceRegistry, name: string): Promise<NamespaceState | undefined> {
  try {
    return (await namespaces.getByName(name)).info!.state;
  } catch (err) {
    // An unknown namespace (or an over-long name) is the handler's to answer.
    if (isApiError(err)) return undefined;
    throw err;
  }
}
