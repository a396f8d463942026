import { ALWAYS_ALLOWED, ANY_AUTHENTICATED, methodAccess } from './methodAccess';
import { Role, type Claims } from './roles';

export interface CallTarget {
  /** The gRPC method path, `/package.Service/Method`. */
  path: string;
  /** The request's namespace; '' for requests that name none. */
  namespace: string;
}

/**
 * Temporal's default authorizer: health checks pass; otherwise the caller's roles in the API's
 * scope (every namespace's for cluster APIs, the request's namespace or the system's for the rest)
 * must be at least the role the API needs, compared as numbers, so admin passes everything and a
 * writer also reads. Beyond Temporal, a worker role passes the APIs a worker calls.
 */
export function isAuthorized(claims: Claims | undefined, target: CallTarget, knownWorkflowMethods: ReadonlySet<string>): boolean {
  if (ALWAYS_ALLOWED.has(target.path)) return true;
  if (!claims) return false;
  if (ANY_AUTHENTICATED.has(target.path)) return true;
  const access = methodAccess(target.path, knownWorkflowMethods);
  if (!access) return false;
  const has = access.scope === 'cluster' ? claims.system : claims.system | (claims.namespaces.get(target.namespace) ?? 0);
  return has >= access.role || (access.worker === true && (has & Role.worker) !== 0);
}
