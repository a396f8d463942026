import type { ApiKeyStore, NewApiKey, StoredApiKey } from '../apiKeys/apiKeyStore';
import { ApiKeyExistsError, ApiKeyNotFoundError } from '../errors';
import { uniqueViolation } from './connection';
import { asBuffer, statement, type PostgresDatabase } from './database';

const COLUMNS = 'id, secret_hash, permissions, description, created_at, revoked_at, expires_at';
const SQL = {
  insert: statement('insert_api_key', `INSERT INTO api_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, NULL, $6)`),
  one: statement('api_key', `SELECT ${COLUMNS} FROM api_keys WHERE id = $1`),
  all: statement('api_keys', `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id COLLATE "C"`),
  // The first revocation's time is kept: revoking again changes nothing.
  revoke: statement('revoke_api_key', `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING ${COLUMNS}`),
} as const;

type Row = {
  id: string;
  secret_hash: Buffer;
  permissions: string[];
  description: string;
  created_at: string | number;
  revoked_at: string | number | null;
  expires_at: string | number | null;
};

const decode = (r: Row): StoredApiKey => ({
  id: r.id,
  secretHash: new Uint8Array(r.secret_hash),
  permissions: r.permissions,
  description: r.description,
  createdAt: new Date(Number(r.created_at)),
  ...(r.revoked_at !== null && { revokedAt: new Date(Number(r.revoked_at)) }),
  ...(r.expires_at !== null && { expiresAt: new Date(Number(r.expires_at)) }),
});

export function postgresApiKeys(db: PostgresDatabase): ApiKeyStore {
  return {
    async createApiKey(key: NewApiKey): Promise<void> {
      const values = [key.id, asBuffer(key.secretHash), key.permissions, key.description, key.createdAt.getTime(), key.expiresAt?.getTime() ?? null];
      await db.read(SQL.insert, values).catch((err: unknown) => {
        throw uniqueViolation(err) !== undefined ? new ApiKeyExistsError(key.id) : err;
      });
    },

    async getApiKey(id: string): Promise<StoredApiKey | undefined> {
      const [row] = await db.read<Row>(SQL.one, [id]);
      return row && decode(row);
    },

    async listApiKeys(): Promise<StoredApiKey[]> {
      return (await db.read<Row>(SQL.all, [])).map(decode);
    },

    async revokeApiKey(id: string, at: Date): Promise<StoredApiKey> {
      const [row] = await db.read<Row>(SQL.revoke, [at.getTime(), id]);
      if (!row) throw new ApiKeyNotFoundError(id);
      return decode(row);
    },
  };
}
