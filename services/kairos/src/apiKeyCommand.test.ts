import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@kairos/common/logger';
import { apiKeyClaims } from '@kairos/frontend/api-keys';
import { openSqliteStore } from '@kairos/persistence';
import { runApiKeyCommand, type ApiKeyCommandContext } from './apiKeyCommand';
import { ConfigError } from './config/configError';
import type { StoreConfig } from './config/types';

describe('kairos api-key on a SQLite store', () => {
  let dir: string;
  let store: StoreConfig;
  let lines: string[];
  let context: ApiKeyCommandContext;
  const audits = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kairos-api-key-'));
    const filename = join(dir, 'k.db');
    await openSqliteStore({ filename }).store.close();
    store = { kind: 'sqlite', filename, synchronous: 'NORMAL' };
    lines = [];
    const stream = { write: (line: string) => lines.push(line) };
    context = { audit: createLogger({ level: 'info', stream }), logger: createLogger({ level: 'warn', stream }), now: () => new Date('2026-12-01T00:00:00Z') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('create prints a key that authenticates with its permissions, audits without the key, and list never shows it', async () => {
    const out = await runApiKeyCommand({ kind: 'api-key', action: 'create', store, permissions: ['orders:write'], description: 'ci', expiresInMs: 3_600_000 }, context);
    const token = out.trim();
    expect(out).toMatch(/^kairos_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\n$/);
    const id = token.split('_')[1]!;
    expect(audits()).toEqual([
      expect.objectContaining({
        audit: true,
        action: 'api-key.create',
        keyId: id,
        permissions: ['orders:write'],
        expiresAt: '2026-12-01T01:00:00.000Z',
        outcome: 'success',
        principal: expect.objectContaining({ type: 'os-user' }),
      }),
    ]);
    const secret = token.slice(`kairos_${id}_`.length);
    expect(lines.join('')).not.toContain(secret);

    const opened = openSqliteStore({ filename: (store as { filename: string }).filename }).store;
    try {
      const claims = await apiKeyClaims(opened, () => Date.parse('2026-12-01T00:30:00Z'))(token);
      expect(claims.subject).toBe(id);
      await expect(apiKeyClaims(opened, () => Date.parse('2026-12-01T01:00:00Z'))(token)).rejects.toThrow('API key expired');
    } finally {
      await opened.close();
    }

    const text = await runApiKeyCommand({ kind: 'api-key', action: 'list', store, output: 'text' }, context);
    expect(text.split('\n')[0]).toMatch(/^ID\s+STATE\s+CREATED\s+EXPIRES\s+PERMISSIONS\s+DESCRIPTION$/);
    expect(text).toMatch(new RegExp(`^${id}\\s+active\\s+2026-12-01T00:00:00.000Z\\s+2026-12-01T01:00:00.000Z\\s+orders:write\\s+ci$`, 'm'));
    const json = await runApiKeyCommand({ kind: 'api-key', action: 'list', store, output: 'json' }, context);
    expect(JSON.parse(json)).toEqual([
      { id, state: 'active', permissions: ['orders:write'], description: 'ci', createdAt: '2026-12-01T00:00:00.000Z', expiresAt: '2026-12-01T01:00:00.000Z' },
    ]);
    for (const listed of [text, json]) expect(listed).not.toContain(secret);
  });

  it('revoke is audited, idempotent, and an unknown id is an audited failure', async () => {
    const id = (await runApiKeyCommand({ kind: 'api-key', action: 'create', store, permissions: ['a:read'], description: '' }, context)).split('_')[1]!;
    lines = [];
    expect(await runApiKeyCommand({ kind: 'api-key', action: 'revoke', store, id }, context)).toBe(`API key ${id} revoked\n`);
    context.now = () => new Date('2026-12-02T00:00:00Z');
    expect(await runApiKeyCommand({ kind: 'api-key', action: 'revoke', store, id }, context)).toBe(`API key ${id} was already revoked at 2026-12-01T00:00:00.000Z\n`);
    const refused = await runApiKeyCommand({ kind: 'api-key', action: 'revoke', store, id: 'nope' }, context).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toBe('no API key has id "nope" ("kairos api-key list" shows the keys)');
    expect(audits().map((a) => [a.action, a.keyId, a.outcome])).toEqual([
      ['api-key.revoke', id, 'success'],
      ['api-key.revoke', id, 'success'],
      ['api-key.revoke', 'nope', 'failure'],
    ]);
    expect(await runApiKeyCommand({ kind: 'api-key', action: 'list', store, output: 'text' }, context)).toMatch(new RegExp(`^${id}\\s+revoked`, 'm'));
  });

  it('refuses a SQLite file that does not exist rather than create one', async () => {
    const missing = join(dir, 'typo.db');
    await expect(runApiKeyCommand({ kind: 'api-key', action: 'list', store: { kind: 'sqlite', filename: missing, synchronous: 'NORMAL' }, output: 'text' }, context)).rejects.toThrow(
      `no SQLite database at ${missing}`,
    );
    expect(existsSync(missing)).toBe(false);
  });
});
