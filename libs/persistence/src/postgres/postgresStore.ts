import type { Logger } from '@kairos/common/logger';
import { composeStore } from '../composeStore';
import { postgresApiKeys } from './apiKeys';
import { SchemaUpdateRequiredError, UnsupportedSchemaVersionError } from '../errors';
import type { Store } from '../store';
import { connectionFailure, createPostgresPool, describePostgres } from './connection';
import { PostgresDatabase } from './database';
import { postgresExecutions } from './executions';
import { postgresMembership } from './membership';
import { checkPostgresSchema } from './migrate';
import { postgresNamespaces } from './namespaces';
import { postgresShards } from './shards';
import { postgresTaskQueues } from './taskQueues';
import { postgresVisibility } from './visibility';
import { VisibilityCountFolds } from './visibilityCounts';
import { postgresWorkerHeartbeats } from './workerHeartbeats';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` (any libpq-style URL pg accepts). */
  url: string;
  logger?: Logger;
  /** Connections kept at most (default 10). */
  poolSize?: number;
}

export interface OpenedPostgresStore {
  store: Store;
  /** The schema version found (always the one this build uses: anything else is refused). */
  schemaVersion: number;
}

/**
 * Connects to PostgreSQL and returns the store. Does not migrate: a database without the schema
 * this build uses is refused with SchemaUpdateRequiredError (older or none: run
 * `kairos schema update`) or UnsupportedSchemaVersionError (newer).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<OpenedPostgresStore> {
  const pool = createPostgresPool(options.url, { max: options.poolSize, logger: options.logger });
  try {
    const schemaVersion = await checkPostgresSchema(pool, options.url).catch((err: Error) => {
      if (err instanceof SchemaUpdateRequiredError || err instanceof UnsupportedSchemaVersionError) throw err;
      throw new Error(`cannot open ${describePostgres(options.url)}: ${connectionFailure(err)}`, { cause: err });
    });
    return { store: postgresStore(new PostgresDatabase(pool)), schemaVersion };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

/** Every concern on the one pool; the execution writes fence with the shard row and carry visibility rows. */
function postgresStore(db: PostgresDatabase): Store {
  const counts = new VisibilityCountFolds(db);
  return composeStore(
    {
      shards: postgresShards(db),
      executions: postgresExecutions(db, counts),
      taskQueues: postgresTaskQueues(db),
      namespaces: postgresNamespaces(db),
      membership: postgresMembership(db),
      visibility: postgresVisibility(db, counts),
      workers: postgresWorkerHeartbeats(db),
      apiKeys: postgresApiKeys(db),
    },
    () => db.close(),
  );
}
