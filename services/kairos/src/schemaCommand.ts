import type { Logger } from '@kairos/common/logger';
import { migratePostgres, POSTGRES_SCHEMA_VERSION, readPostgresSchemaVersion, redactPostgresUrl } from '@kairos/persistence';

/**
 * `kairos schema setup|update`: brings a PostgreSQL store to this build's schema. Both are
 * idempotent (a Helm hook or a crash-looping job may run them again); `setup` is for an empty
 * database and leaves an older schema to `update`, which migrates from any older version to the
 * newest in one run while the cluster keeps serving. Returns the line to print.
 */
export async function runSchemaCommand(action: 'setup' | 'update', url: string, logger: Logger): Promise<string> {
  const where = redactPostgresUrl(url);
  if (action === 'setup') {
    const found = await readPostgresSchemaVersion(url);
    if (found > 0 && found < POSTGRES_SCHEMA_VERSION) {
      throw new Error(`${where} already has schema version ${found}; run \`kairos schema update --store ${where}\` to migrate it`);
    }
  }
  const { from, to } = await migratePostgres(url, { logger });
  return from === to ? `schema of ${where} is current (version ${to})` : `schema of ${where} migrated from version ${from} to ${to}`;
}
