import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { AuthenticationFailure } from './claimMapper';
import type { JwksKeySource } from './jwksKeys';
import { claimsFromPermissions, type PermissionFormat } from './permissions';
import type { Claims } from './roles';
import type { VerifiedTokenCache } from './verifiedTokens';

/** Temporal's key provider accepts these only: `none` and HMAC tokens are refused. */
const ALGORITHMS = ['RS256', 'ES256'];

export interface JwtOptions extends PermissionFormat {
  /** The claim listing permissions (Temporal's permissionsClaimName, default `permissions`). */
  permissionsClaimName: string;
  /** When set, the token's `aud` must include it. */
  audience?: string;
}

/**
 * Temporal's default JWT claim mapper: an RS256 or ES256 token with a `kid` naming one of the
 * key source's keys, `exp` and `nbf` checked when present, the audience when configured; the
 * subject from `sub` and roles from the permissions claim.
 */
export async function jwtClaims(token: string, keys: JwksKeySource, options: JwtOptions, cache?: VerifiedTokenCache): Promise<Claims> {
  const generation = keys.generation;
  const known = cache?.get(token, generation);
  if (known) return known;
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new AuthenticationFailure('malformed token');
  }
  if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg)) throw new AuthenticationFailure('token signing algorithm not accepted');
  if (typeof header.kid !== 'string' || header.kid === '') throw new AuthenticationFailure('malformed token - no "kid" header');
  const payload = await verify(token, keys, options);
  if (payload.sub !== undefined && typeof payload.sub !== 'string') throw new AuthenticationFailure('unexpected value type of "sub" claim');
  const permissions = payload[options.permissionsClaimName];
  const claims = claimsFromPermissions(payload.sub ?? '', 'jwt', Array.isArray(permissions) ? permissions : [], options);
  // Under the generation read before verifying: keys that changed meanwhile make it verify again.
  cache?.set(token, claims, generation, typeof payload.exp === 'number' ? payload.exp * 1000 : undefined);
  return claims;
}

async function verify(token: string, keys: JwksKeySource, options: JwtOptions): Promise<JWTPayload> {
  for (let attempt = 0; ; attempt++) {
    const keySet = keys.current();
    if (!keySet) {
      await keys.refreshIfStale();
      if (!keys.current()) throw new AuthenticationFailure('token signing keys are unavailable');
      continue;
    }
    try {
      const { payload } = await jwtVerify(token, keySet, { algorithms: ALGORITHMS, ...(options.audience && { audience: options.audience }) });
      return payload;
    } catch (err) {
      // A key rotated in at the source since the last refresh: fetch once more before refusing.
      if (err instanceof errors.JWKSNoMatchingKey && attempt === 0) {
        await keys.refreshIfStale();
        continue;
      }
      throw new AuthenticationFailure(reasonFor(err));
    }
  }
}

function reasonFor(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'token not yet valid';
    if (err.claim === 'aud') return 'token audience mismatch';
    return `token claim "${err.claim}" is invalid`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return 'token signing key not found';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature invalid';
  return 'invalid token';
}
