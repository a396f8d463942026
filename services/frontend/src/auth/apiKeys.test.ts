import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '@kairos/persistence';
import type { Store } from '@kairos/persistence/store';
import { apiKeyClaims } from './apiKeyClaims';
import { apiKeySecretMatches, hashApiKeySecret, newApiKeyToken, parseApiKeyToken } from './apiKeyTokens';
import { AuthenticationFailure } from './claimMapper';
import { credentialClaimMapper } from './credentialClaims';
import { Role } from './roles';

describe('API key tokens', () => {
  it('are kairos_<12 hex id>_<43 base64url secret>, random, and parse back to their id and secret', () => {
    const a = newApiKeyToken();
    const b = newApiKeyToken();
    expect(a.token).toMatch(/^kairos_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.id).not.toBe(b.id);
    const parsed = parseApiKeyToken(a.token)!;
    expect(parsed.id).toBe(a.id);
    expect(a.token).toBe(`kairos_${a.id}_${parsed.secret}`);
    // Only the hash is kept, and it is the secret's.
    expect(Buffer.from(a.secretHash).toString('hex')).toBe(Buffer.from(hashApiKeySecret(parsed.secret)).toString('hex'));
    expect(Buffer.from(a.secretHash).toString('base64url')).not.toContain(parsed.secret);
  });

  it('refuse anything else as malformed', () => {
    const { token } = newApiKeyToken();
    for (const bad of ['', 'kairos_', token.slice(0, -1), `${token}x`, token.replace('kairos_', 'kairos-'), token.toUpperCase(), `Bearer ${token}`, 'eyJhbGciOiJSUzI1NiJ9.e30.sig'])
      expect(parseApiKeyToken(bad), bad).toBeUndefined();
  });

  it('match their own secret only, and never a hash of another length', () => {
    const { token, secretHash } = newApiKeyToken();
    const { secret } = parseApiKeyToken(token)!;
    expect(apiKeySecretMatches(secret, secretHash)).toBe(true);
    expect(apiKeySecretMatches(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, secretHash)).toBe(false);
    expect(apiKeySecretMatches(secret, secretHash.slice(0, 16))).toBe(false);
    expect(apiKeySecretMatches(secret, new Uint8Array(0))).toBe(false);
  });
});

describe('apiKeyClaims against a SQLite store', () => {
  let store: Store;
  let now = Date.now();
  const claims = (token: string) => apiKeyClaims(store, () => now)(token);
  const reason = async (token: string) => {
    const err = await claims(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthenticationFailure);
    return (err as Error).message;
  };
  const create = async (permissions: string[], expiresAt?: Date) => {
    const key = newApiKeyToken();
    await store.createApiKey({ id: key.id, secretHash: key.secretHash, permissions, description: 'test', createdAt: new Date(now), ...(expiresAt && { expiresAt }) });
    return key;
  };

  beforeEach(() => {
    store = openSqliteStore({ filename: ':memory:' }).store;
    now = Date.now();
  });
  afterEach(async () => {
    await store.close();
  });

  it("gives the key's id as subject, api-key as type, and roles from its permissions", async () => {
    const { id, token } = await create(['orders:write', 'billing:read', 'temporal-system:worker']);
    const c = await claims(token);
    expect(c.subject).toBe(id);
    expect(c.authType).toBe('api-key');
    expect(c.namespaces.get('orders')).toBe(Role.writer);
    expect(c.namespaces.get('billing')).toBe(Role.reader);
    expect(c.system).toBe(Role.worker);
  });

  it('refuses an unknown id and a wrong secret with the same reason, and a malformed token as such', async () => {
    const { id, token } = await create(['default:read']);
    const other = newApiKeyToken();
    const otherSecret = parseApiKeyToken(other.token)!.secret;
    expect(await reason(other.token)).toBe('invalid API key');
    expect(await reason(`kairos_${id}_${otherSecret}`)).toBe('invalid API key');
    expect(await reason(token.slice(0, -2))).toBe('malformed API key');
    // The reason never quotes the token or its secret.
    for (const t of [other.token, `kairos_${id}_${otherSecret}`]) expect(await reason(t)).not.toContain(otherSecret);
  });

  it('refuses a key revoked in the store from the next call on, with no caching', async () => {
    const { id, token } = await create(['default:write']);
    const check = apiKeyClaims(store, () => now);
    expect((await check(token)).subject).toBe(id);
    await store.revokeApiKey(id, new Date(now));
    await expect(check(token)).rejects.toThrow('API key revoked');
  });

  it('refuses a key from its expiry time on', async () => {
    const { token } = await create(['default:write'], new Date(now + 60_000));
    expect((await claims(token)).namespaces.get('default')).toBe(Role.writer);
    now += 59_999;
    await claims(token);
    now += 1;
    expect(await reason(token)).toBe('API key expired');
  });

  it("are what the credential claim mapper uses for a kairos_ bearer token", async () => {
    const { id, token } = await create(['default:admin']);
    const mapper = credentialClaimMapper({ apiKeys: apiKeyClaims(store) });
    expect((await mapper.claims({ authorization: `Bearer ${token}` }))?.subject).toBe(id);
    await expect(mapper.claims({ authorization: `Bearer ${newApiKeyToken().token}` })).rejects.toThrow('invalid API key');
  });
});
