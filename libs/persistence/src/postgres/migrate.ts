import { Client, type ClientBase, type Pool } from 'pg';
import type { Logger } from '@kairos/common/logger';
import { setting } from '@kairos/common/settings';
import { SchemaUpdateRequiredError, UnsupportedSchemaVersionError } from '../errors';
import type { MigrationResult } from '../migrationResult';
import { connectionFailure, describePostgres, schemaUpdateCommand, sqlState } from './connection';
import { POSTGRES_MIGRATIONS, type PostgresMigration } from './schema';

export interface MigratePostgresOptions {
  /** The schema to reach; the built-in one by default (tests pass their own). */
  migrations?: readonly PostgresMigration[];
  logger?: Logger;
  /** How long one migration waits for a table lock before giving way to the cluster's traffic and trying again (default `store.postgresMigrationLockTimeout`). */
  lockTimeoutMs?: number;
}

/**
 * One key for every Kairos migrator of a database: session-level advisory locks are per database,
 * so two `kairos schema update` runs (or Helm jobs) queue instead of applying the same step twice.
 */
const MIGRATION_LOCK_KEY = 118066125107059; // "kairos" in ASCII

type Queryable = Pick<ClientBase, 'query'> | Pool;

/** Connects one client to `url`, runs `fn`, disconnects. */
async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, application_name: 'kairos', connectionTimeoutMillis: setting('store.postgresConnectTimeout') });
  client.on('error', () => undefined); // reported by the query that fails
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot connect to ${describePostgres(url)}: ${connectionFailure(err)}`, { cause: err });
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The schema version recorded in the database (in the schema first on its search_path); 0 when it has none. */
export async function readVersion(db: Queryable): Promise<number> {
  const exists = await db.query<{ found: boolean }>("SELECT to_regclass('schema_version') IS NOT NULL AS found");
  if (!exists.rows[0]!.found) return 0;
  const result = await db.query<{ version: number }>('SELECT COALESCE(MAX(version), 0)::integer AS version FROM schema_version');
  return result.rows[0]!.version;
}

/** The schema version of the database at `url`; 0 when it has none. */
export async function readPostgresSchemaVersion(url: string): Promise<number> {
  return withClient(url, readVersion);
}

/**
 * Refuses a database whose schema is not exactly the one this build uses: newer
 * (UnsupportedSchemaVersionError) or missing/older (SchemaUpdateRequiredError, naming the command
 * that migrates it). Returns the version.
 */
export async function checkPostgresSchema(
  db: Queryable,
  url: string,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number> {
  const target = migrations.length;
  const found = await readVersion(db);
  if (found > target) throw new UnsupportedSchemaVersionError(found, target, describePostgres(url));
  if (found < target) throw new SchemaUpdateRequiredError(found, target, describePostgres(url), schemaUpdateCommand(url));
  return found;
}

/**
 * Brings the database at `url` to the newest schema, from whatever version it is at, one
 * transaction per migration, each recorded in `schema_version`. Holds an advisory lock for the
 * whole run, so concurrent migrators apply each step once. Safe while a cluster serves: a
 * migration waits at most `lockTimeoutMs` for a table lock (so the cluster's queries do not queue
 * behind it for long), then rolls back and tries again. Refuses a newer schema, and a database
 * that has tables but no `schema_version` (not a Kairos database).
 */
export async function migratePostgres(url: string, options: MigratePostgresOptions = {}): Promise<MigrationResult> {
  const migrations = options.migrations ?? POSTGRES_MIGRATIONS;
  checkMigrations(migrations);
  const where = describePostgres(url);
  return withClient(url, async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const from = await readVersion(client);
      if (from === 0) await refuseForeignDatabase(client, where);
      if (from > migrations.length) throw new UnsupportedSchemaVersionError(from, migrations.length, where);
      for (const migration of migrations.slice(from)) {
        await applyMigration(client, migration, options.lockTimeoutMs ?? setting('store.postgresMigrationLockTimeout'), where);
        options.logger?.info('store schema migration applied', { store: 'postgres', version: migration.version, description: migration.description });
      }
      return { from, to: migrations.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}

async function applyMigration(client: Client, migration: PostgresMigration, lockTimeoutMs: number, where: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_version (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      await client.query('COMMIT');
      return;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (sqlState(err) === '55P03' && attempt < setting('store.postgresMigrationLockAttempts')) {
        await new Promise((resolve) => setTimeout(resolve, setting('store.postgresMigrationLockBackoff') * attempt));
        continue;
      }
      throw new Error(`${where}: migration ${migration.version} (${migration.description}) failed: ${(err as Error).message}`, { cause: err });
    }
  }
}

function checkMigrations(migrations: readonly PostgresMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`PostgreSQL migrations must be numbered 1..N in order; found ${m.version} at position ${i + 1}`);
  });
}

async function refuseForeignDatabase(client: Client, where: string): Promise<void> {
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'
     ORDER BY table_name LIMIT 5`,
  );
  if (rows.length > 0) {
    throw new Error(`${where}: not a Kairos database (it has tables ${rows.map((r) => r.table_name).join(', ')} but no schema_version)`);
  }
}
