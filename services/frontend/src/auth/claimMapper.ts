import type { Claims } from './roles';

/** What a call presents: the `authorization` header's value and the verified client certificate's subject. */
export interface AuthInfo {
  authorization?: string;
  /** The subject of the client certificate the TLS handshake verified, as `CN=…,O=…`; absent without mTLS. */
  tlsSubject?: string;
}

/**
 * Turns what a call presents into claims. Undefined when it presents nothing this mapper reads;
 * throws AuthenticationFailure when it presents something invalid (a bad, expired or revoked token).
 */
export interface ClaimMapper {
  claims(info: AuthInfo): Promise<Claims | undefined>;
}

/** A credential that was presented but is not valid: UNAUTHENTICATED, with a reason safe to tell the caller. */
export class AuthenticationFailure extends Error {}

/** The bearer token of an `authorization` header (`Bearer <token>`, any case); refused when the header has another form. */
export function bearerToken(authorization: string): string {
  const space = authorization.indexOf(' ');
  if (space < 0) throw new AuthenticationFailure('unexpected authorization token format');
  if (authorization.slice(0, space).toLowerCase() !== 'bearer') throw new AuthenticationFailure('unexpected name in authorization token');
  return authorization.slice(space + 1).trim();
}
