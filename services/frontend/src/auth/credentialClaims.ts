import { API_KEY_PREFIX } from './apiKeyTokens';
import { AuthenticationFailure, bearerToken, type AuthInfo, type ClaimMapper } from './claimMapper';
import type { JwksKeySource } from './jwksKeys';
import { jwtClaims, type JwtOptions } from './jwtClaimMapper';
import { claimsFromPermissions } from './permissions';
import type { Claims } from './roles';
import type { VerifiedTokenCache } from './verifiedTokens';

export interface CredentialSources {
  /** JWTs signed by keys from JWKS documents. */
  jwt?: { keys: JwksKeySource; options: JwtOptions; cache?: VerifiedTokenCache };
  /** Kairos API keys (`kairos_…`), checked against the store on every call so a revoked key stops at once. */
  apiKeys?: (token: string) => Promise<Claims>;
  /**
   * Permissions of callers by their verified client certificate: keys are a full subject
   * (`CN=worker-a,O=acme`), a common name (`CN=worker-a`) or `*` (any certificate of the trusted CA).
   */
  tlsSubjects?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The claim mapper of an authorizing frontend: a bearer token when there is one (an API key by its
 * prefix, a JWT otherwise), else the client certificate's subject. A token that is presented but
 * invalid is refused even when a certificate would have passed, as a wrong password is.
 */
export function credentialClaimMapper(sources: CredentialSources): ClaimMapper {
  return {
    async claims(info: AuthInfo): Promise<Claims | undefined> {
      if (info.authorization) {
        const token = bearerToken(info.authorization);
        if (token.startsWith(API_KEY_PREFIX)) {
          if (!sources.apiKeys) throw new AuthenticationFailure('API keys are not accepted');
          return sources.apiKeys(token);
        }
        if (!sources.jwt) throw new AuthenticationFailure('tokens are not accepted');
        return jwtClaims(token, sources.jwt.keys, sources.jwt.options, sources.jwt.cache);
      }
      if (info.tlsSubject && sources.tlsSubjects) return subjectClaims(info.tlsSubject, sources.tlsSubjects);
      return undefined;
    },
  };
}

function subjectClaims(subject: string, table: Readonly<Record<string, readonly string[]>>): Claims | undefined {
  const commonName = subject.split(',').find((part) => part.startsWith('CN='));
  const permissions = table[subject] ?? (commonName !== undefined ? table[commonName] : undefined) ?? table['*'];
  return permissions ? claimsFromPermissions(subject, 'mtls', permissions) : undefined;
}
