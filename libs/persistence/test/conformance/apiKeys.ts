import { describe, expect, it } from 'vitest';
import { ApiKeyExistsError, ApiKeyNotFoundError } from '../../src/errors';
import type { ApiKeyStore, NewApiKey } from '../../src/store';
import { rejection, useStores, type Closable, type StoreHarness } from './harness';

const key = (id: string, overrides: Partial<NewApiKey> = {}): NewApiKey => ({
  id,
  secretHash: new Uint8Array(32).fill(id.charCodeAt(0)),
  permissions: ['default:write', 'temporal-system:read'],
  description: `key ${id}`,
  createdAt: new Date(1_700_000_000_000),
  ...overrides,
});

/** API keys: created once per id, read back whole, listed oldest first, revoked once. */
export function apiKeyConformance(harness: StoreHarness<ApiKeyStore & Closable>): void {
  describe('API keys', () => {
    const { open } = useStores(harness);

    it('stores a key and reads it back exactly, without revocation or expiry unless set', async () => {
      const store = await open();
      expect(await store.getApiKey('a1')).toBeUndefined();
      await store.createApiKey(key('a1'));
      await store.createApiKey(key('b2', { expiresAt: new Date(1_800_000_000_123), permissions: [], description: '' }));
      expect(await store.getApiKey('a1')).toEqual(key('a1'));
      expect(await store.getApiKey('b2')).toEqual(key('b2', { expiresAt: new Date(1_800_000_000_123), permissions: [], description: '' }));
      expect((await store.getApiKey('a1'))!.revokedAt).toBeUndefined();
    });

    it('refuses a second key with a taken id and keeps the first', async () => {
      const store = await open();
      await store.createApiKey(key('a1'));
      const err = await rejection(store.createApiKey(key('a1', { description: 'impostor', secretHash: new Uint8Array(32) })));
      expect(err).toBeInstanceOf(ApiKeyExistsError);
      expect((await store.getApiKey('a1'))!.description).toBe('key a1');
      expect(await store.listApiKeys()).toHaveLength(1);
    });

    it('lists every key oldest first, then by id', async () => {
      const store = await open();
      await store.createApiKey(key('c3', { createdAt: new Date(3000) }));
      await store.createApiKey(key('b2', { createdAt: new Date(1000) }));
      await store.createApiKey(key('a1', { createdAt: new Date(3000) }));
      expect((await store.listApiKeys()).map((k) => k.id)).toEqual(['b2', 'a1', 'c3']);
      expect(await store.listApiKeys()).toContainEqual(key('b2', { createdAt: new Date(1000) }));
    });

    it('revokes once: a second revocation keeps the first time; an unknown id is an error', async () => {
      const store = await open();
      await store.createApiKey(key('a1'));
      await store.createApiKey(key('b2'));
      const revoked = await store.revokeApiKey('a1', new Date(2_000_000_000_000));
      expect(revoked).toEqual({ ...key('a1'), revokedAt: new Date(2_000_000_000_000) });
      expect((await store.revokeApiKey('a1', new Date(2_100_000_000_000))).revokedAt).toEqual(new Date(2_000_000_000_000));
      expect((await store.getApiKey('a1'))!.revokedAt).toEqual(new Date(2_000_000_000_000));
      expect((await store.getApiKey('b2'))!.revokedAt).toBeUndefined();
      const err = await rejection(store.revokeApiKey('nope', new Date()));
      expect(err).toBeInstanceOf(ApiKeyNotFoundError);
      expect((err as Error).message).toBe('no API key has id "nope"');
    });
  });
}
