import type { ApiKeyStore } from '@kairos/persistence/store';
import { apiKeySecretMatches, parseApiKeyToken } from './apiKeyTokens';
import { AuthenticationFailure } from './claimMapper';
import { claimsFromPermissions } from './permissions';
import type { Claims } from './roles';

/** Compared against when the id is unknown, so an unknown id and a wrong secret take the same work. */
const NO_HASH = new Uint8Array(32);

/**
 * CredentialSources.apiKeys: the claims of a Kairos API key. The key is read from the store on
 * every call (no cache), so a key revoked by any process is refused by the next call. An unknown
 * id and a wrong secret get the same reason, so a caller learns nothing about which ids exist;
 * the reason never quotes the token. Subject: the key's id; roles: its permissions.
 */
export function apiKeyClaims(store: Pick<ApiKeyStore, 'getApiKey'>, now: () => number = Date.now): (token: string) => Promise<Claims> {
  return async (token) => {
    const parsed = parseApiKeyToken(token);
    if (!parsed) throw new AuthenticationFailure('malformed API key');
    const key = await store.getApiKey(parsed.id);
    const matches = apiKeySecretMatches(parsed.secret, key?.secretHash ?? NO_HASH);
    if (!key || !matches) throw new AuthenticationFailure('invalid API key');
    if (key.revokedAt) throw new AuthenticationFailure('API key revoked');
    if (key.expiresAt && key.expiresAt.getTime() <= now()) throw new AuthenticationFailure('API key expired');
    return claimsFromPermissions(key.id, 'api-key', key.permissions);
  };
}
