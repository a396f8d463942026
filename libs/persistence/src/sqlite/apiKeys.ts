import type { ApiKeyStore, NewApiKey, StoredApiKey } from '../apiKeys/apiKeyStore';
import { ApiKeyExistsError, ApiKeyNotFoundError } from '../errors';
import { isConstraintError, type SqliteConnection } from './connection';

type Row = [string, Uint8Array, string, string, number, number | null, number | null];
const COLUMNS = 'id, secret_hash, permissions, description, created_at, revoked_at, expires_at';

export function sqliteApiKeys(conn: SqliteConnection): ApiKeyStore {
  const p = (sql: string) => conn.db.prepare(sql);
  const s = {
    insert: p(`INSERT INTO api_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, ?)`),
    one: p(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`).raw(),
    all: p(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`).raw(),
    revoke: p('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?'),
  };

  return {
    async createApiKey(key: NewApiKey): Promise<void> {
      const row = [key.id, key.secretHash, JSON.stringify(key.permissions), key.description, key.createdAt.getTime(), key.expiresAt?.getTime() ?? null];
      await conn.write(() => {
        try {
          s.insert.run(...row);
        } catch (err) {
          if (isConstraintError(err)) throw new ApiKeyExistsError(key.id);
          throw err;
        }
      });
    },

    async getApiKey(id: string): Promise<StoredApiKey | undefined> {
      const row = s.one.get(id) as Row | undefined;
      return row && decode(row);
    },

    async listApiKeys(): Promise<StoredApiKey[]> {
      return (s.all.all() as Row[]).map(decode);
    },

    async revokeApiKey(id: string, at: Date): Promise<StoredApiKey> {
      return conn.write(() => {
        if (s.revoke.run(at.getTime(), id).changes === 0) throw new ApiKeyNotFoundError(id);
        return decode(s.one.get(id) as Row);
      });
    },
  };
}

function decode([id, secretHash, permissions, description, createdAt, revokedAt, expiresAt]: Row): StoredApiKey {
  return {
    id,
    secretHash: new Uint8Array(secretHash),
    permissions: JSON.parse(permissions) as string[],
    description,
    createdAt: new Date(createdAt),
    ...(revokedAt !== null && { revokedAt: new Date(revokedAt) }),
    ...(expiresAt !== null && { expiresAt: new Date(expiresAt) }),
  };
}
