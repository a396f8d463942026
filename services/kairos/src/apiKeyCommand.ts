import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Logger } from '@kairos/common/logger';
import { newApiKeyToken } from '@kairos/frontend/api-keys';
import { ApiKeyExistsError, ApiKeyNotFoundError, openPostgresStore, openSqliteStore } from '@kairos/persistence';
import type { Store, StoredApiKey } from '@kairos/persistence/store';
import { ConfigError } from './config/configError';
import type { ApiKeyCommand, StoreConfig } from './config/types';

export interface ApiKeyCommandContext {
  /** Where the audit lines go: one per create or revoke, success or failure. */
  audit: Logger;
  /** Logs of opening the store (warnings only, by the caller's choice). */
  logger: Logger;
  now?: () => Date;
}

/**
 * `kairos api-key create|list|revoke`, on the store itself: an operator holding the store's
 * configuration needs no credentials of a running server (the bootstrap of the first admin key).
 * Answers what to print on stdout: the new token (never logged, shown only here), the list, or
 * the revocation. A refusal is a ConfigError.
 */
export async function runApiKeyCommand(command: ApiKeyCommand, context: ApiKeyCommandContext): Promise<string> {
  const store = await openApiKeyStore(command.store, context.logger);
  try {
    if (command.action === 'create') return await create(store, command, context);
    if (command.action === 'list') return listing(await store.listApiKeys(), command.output, (context.now ?? (() => new Date()))());
    return await revoke(store, command.id, context);
  } finally {
    await store.close();
  }
}

async function create(store: Store, command: Extract<ApiKeyCommand, { action: 'create' }>, context: ApiKeyCommandContext): Promise<string> {
  const createdAt = (context.now ?? (() => new Date()))();
  const expiresAt = command.expiresInMs !== undefined ? new Date(createdAt.getTime() + command.expiresInMs) : undefined;
  const fields = { audit: true, action: 'api-key.create', principal: operator(), permissions: command.permissions, description: command.description, expiresAt };
  // Ids are 48 random bits: a clash is all but impossible, and a new key is made if one happens.
  for (let attempt = 1; ; attempt++) {
    const key = newApiKeyToken();
    try {
      await store.createApiKey({ id: key.id, secretHash: key.secretHash, permissions: command.permissions, description: command.description, createdAt, ...(expiresAt && { expiresAt }) });
      context.audit.info('API key created', { ...fields, keyId: key.id, outcome: 'success' });
      return `${key.token}\n`;
    } catch (err) {
      if (err instanceof ApiKeyExistsError && attempt < 3) continue;
      context.audit.error('API key not created', { ...fields, keyId: key.id, outcome: 'failure', reason: (err as Error).message });
      throw err;
    }
  }
}

async function revoke(store: Store, id: string, context: ApiKeyCommandContext): Promise<string> {
  const at = (context.now ?? (() => new Date()))();
  const fields = { audit: true, action: 'api-key.revoke', principal: operator(), keyId: id };
  let key: StoredApiKey;
  try {
    key = await store.revokeApiKey(id, at);
  } catch (err) {
    context.audit.error('API key not revoked', { ...fields, outcome: 'failure', reason: (err as Error).message });
    if (err instanceof ApiKeyNotFoundError) throw new ConfigError([`${err.message} ("kairos api-key list" shows the keys)`]);
    throw err;
  }
  const already = key.revokedAt!.getTime() !== at.getTime();
  context.audit.info('API key revoked', { ...fields, permissions: key.permissions, outcome: 'success', ...(already && { alreadyRevokedAt: key.revokedAt }) });
  return already ? `API key ${id} was already revoked at ${key.revokedAt!.toISOString()}\n` : `API key ${id} revoked\n`;
}

/** Who ran the command, for the audit line: the OS user (the store's configuration is their credential). */
function operator(): { type: string; name: string } {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    // A container user without a passwd entry has no name.
    name = process.env.USER ?? String(process.getuid?.() ?? 'unknown');
  }
  return { type: 'os-user', name };
}

/** The keys as a table or JSON: never a secret or its hash. */
export function listing(keys: readonly StoredApiKey[], output: 'text' | 'json', now: Date): string {
  const rows = keys.map((k) => ({
    id: k.id,
    state: k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active',
    permissions: k.permissions,
    description: k.description,
    createdAt: k.createdAt.toISOString(),
    ...(k.expiresAt && { expiresAt: k.expiresAt.toISOString() }),
    ...(k.revokedAt && { revokedAt: k.revokedAt.toISOString() }),
  }));
  if (output === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (rows.length === 0) return 'No API keys.\n';
  const table = [
    ['ID', 'STATE', 'CREATED', 'EXPIRES', 'PERMISSIONS', 'DESCRIPTION'],
    ...rows.map((r) => [r.id, r.state, r.createdAt, r.expiresAt ?? 'never', r.permissions.join(','), r.description]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * The configured store. A SQLite file must exist already (a server made it): creating a key in a
 * new file because of a typo in --db-filename would only look like success.
 */
async function openApiKeyStore(config: StoreConfig, logger: Logger): Promise<Store> {
  if (config.kind === 'postgres') return (await openPostgresStore({ url: config.url, logger, poolSize: 1 })).store;
  if (!existsSync(config.filename)) {
    throw new ConfigError([`no SQLite database at ${config.filename}: give the --db-filename the server uses (a server creates the file when it first starts)`]);
  }
  return openSqliteStore({ filename: config.filename, synchronous: config.synchronous, logger, backgroundCheckpoint: false }).store;
}
