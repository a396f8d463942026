import type { CallContext } from 'nice-grpc-common';
import { withContext, type Middleware } from '@kairos/common/grpc';
import { requestUnauthorized, unauthenticated } from '@kairos/common/errors';
import type { Logger } from '@kairos/common/logger';
import { isAuthorized } from './authorizer';
import { AuthenticationFailure, type ClaimMapper } from './claimMapper';
import type { PrincipalSink } from './auditLog';
import { ALWAYS_ALLOWED } from './methodAccess';
import { PEER_SUBJECT_METADATA } from './peerIdentity';
import type { Claims } from './roles';

/** Who made a call: how it authenticated (`jwt`, `api-key`, `mtls`) and its subject. */
export interface Principal {
  type: string;
  name: string;
}

/** The caller, for the handlers after the authorization middleware. */
export interface CallPrincipal {
  principal?: Principal;
}

/**
 * Authenticates and authorizes every call before the namespace checks and rate limits (as Temporal,
 * so a refused call costs no quota and learns nothing about namespaces): claims from the call's
 * token or client certificate, then the authorizer's decision for the method and the request's
 * namespace. No credentials, or invalid ones, are UNAUTHENTICATED; a refusal is Temporal's
 * PERMISSION_DENIED "Request unauthorized.".
 */
export function createAuthMiddleware(deps: {
  claimMapper: ClaimMapper;
  /** The WorkflowService's method names (any not listed as a read or an admin API is a write). */
  knownWorkflowMethods: ReadonlySet<string>;
  logger: Logger;
  /** Each decision of the authorizer, for Temporal's service_authorization_latency and service_errors_unauthorized. */
  onDecision?: (namespace: string, allowed: boolean, seconds: number) => void;
}): Middleware<CallContext & CallPrincipal & PrincipalSink> {
  const { claimMapper, knownWorkflowMethods, logger } = deps;
  return async function authMiddleware(call, context, next) {
    const path = call.method.path;
    if (ALWAYS_ALLOWED.has(path)) return next(call.request, context);
    const claims = await claimsOf(claimMapper, context.metadata.get('authorization'), context.metadata.get(PEER_SUBJECT_METADATA), path, logger);
    // Streams carry no single request: authorized as calls naming no namespace, as Temporal's.
    const namespace = call.requestStream ? '' : (call.request as { namespace?: unknown } | undefined)?.namespace;
    const target = { path, namespace: typeof namespace === 'string' ? namespace : '' };
    const principal = { type: claims.authType, name: claims.subject };
    context.recordPrincipal?.(principal);
    const started = performance.now();
    const allowed = isAuthorized(claims, target, knownWorkflowMethods);
    deps.onDecision?.(target.namespace, allowed, (performance.now() - started) / 1000);
    if (!allowed) {
      logger.debug('request unauthorized', { method: path, namespace: target.namespace, subject: claims.subject, authType: claims.authType });
      throw requestUnauthorized();
    }
    return next(call.request, withContext(context, { principal }));
  };
}

async function claimsOf(mapper: ClaimMapper, authorization: string | undefined, tlsSubject: string | undefined, path: string, logger: Logger): Promise<Claims> {
  let claims: Claims | undefined;
  try {
    claims = await mapper.claims({ authorization: authorization || undefined, tlsSubject: tlsSubject || undefined });
  } catch (err) {
    if (!(err instanceof AuthenticationFailure)) throw err;
    // The reason names what was wrong, never the credential.
    logger.debug('request unauthenticated', { method: path, reason: err.message });
    throw unauthenticated(err.message);
  }
  if (!claims) throw unauthenticated('no credentials were presented');
  return claims;
}
