import { mkdirSync } from 'fs';
import { dirname, resolve } from 'path';
import Database from 'better-sqlite3';
import type { Logger } from '@kairos/common/logger';
import { setting } from '@kairos/common/settings';
import { composeStore } from '../composeStore';
import type { Store } from '../store';
import { sqliteApiKeys } from './apiKeys';
import { BackgroundCheckpointer } from './backgroundCheckpointer';
import { SqliteConnection } from './connection';
import { sqliteExecutions } from './executions';
import { sqliteMembership } from './membership';
import { migrate, type MigrationResult } from './migrate';
import { sqliteNamespaces } from './namespaces';
import { searchAttributeTypeOf } from '../namespaces/searchAttributeRules';
import { ensureSearchAttributeIndexes } from './searchAttributeIndexes';
import { applyPragmas, sqlitePragmas, type SqliteSynchronous } from './pragmas';
import { sqliteShards } from './shards';
import { sqliteTaskQueues } from './taskQueues';
import { sqliteVisibility } from './visibility';
import { sqliteWorkerHeartbeats } from './workerHeartbeats';

export interface SqliteStoreOptions {
  /** A file path (its directory is created if missing), or ':memory:'. */
  filename: string;
  logger?: Logger;
  /** WAL sync level; NORMAL (default) survives process crashes, FULL also power loss. See pragmas.ts. */
  synchronous?: SqliteSynchronous;
  /** Commit the writes issued in one event-loop turn together (default true). See groupCommit.ts. */
  groupCommit?: boolean;
  /**
   * Checkpoint the WAL on a worker thread (default true for files; in-memory databases have no
   * WAL). See backgroundCheckpointer.ts.
   */
  backgroundCheckpoint?: boolean;
}

export interface OpenedSqliteStore {
  store: Store;
  /** Each pragma as SQLite reports it after applying: the effective settings, for start-up output. */
  pragmas: Record<string, string | number>;
  /** Schema version found on open and after migrating. */
  schema: MigrationResult;
  /** Where WAL checkpoints run: on a worker thread, inline in commits, or nowhere (in-memory). */
  checkpoints: 'background' | 'inline' | 'none';
}

/**
 * Opens (creating if needed) a SQLite database, applies the pragmas, migrates its schema to the
 * newest version and returns the store. Throws UnsupportedSchemaVersionError for a database written
 * by a newer Kairos.
 */
export function openSqliteStore(options: SqliteStoreOptions): OpenedSqliteStore {
  const { filename, logger } = options;
  const inMemory = filename === ':memory:' || filename === '';
  if (!inMemory) mkdirSync(dirname(resolve(filename)), { recursive: true });
  const db = new Database(filename);
  try {
    const background = !inMemory && (options.backgroundCheckpoint ?? true);
    const pragmas = applyPragmas(db, sqlitePragmas({ synchronous: options.synchronous, backgroundCheckpoint: background }));
    const wal = pragmas.journal_mode === 'WAL';
    if (!inMemory && !wal) {
      logger?.warn('SQLite refused WAL mode; writes will be slower', { file: filename, journalMode: pragmas.journal_mode });
    }
    const schema = migrate(db, undefined, inMemory ? 'in-memory SQLite database' : `SQLite database ${filename}`);
    if (schema.from !== schema.to) logger?.info('store schema migrated', { store: 'sqlite', file: filename, ...schema });
    ensureSearchAttributeIndexes(db, searchAttributeTypeOf);
    const checkpointer = background && wal ? BackgroundCheckpointer.start(filename, setting('store.sqliteCheckpointInterval'), logger) : undefined;
    const store = sqliteStore(new SqliteConnection(db, options.groupCommit ?? true, checkpointer));
    return { store, pragmas, schema, checkpoints: checkpointer ? 'background' : wal ? 'inline' : 'none' };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Every concern on the one connection; the execution writes fence with the shards and carry visibility rows. */
function sqliteStore(conn: SqliteConnection): Store {
  const shards = sqliteShards(conn);
  const visibility = sqliteVisibility(conn);
  return composeStore(
    {
      shards: shards.store,
      executions: sqliteExecutions(conn, shards.fence, visibility.upsert),
      taskQueues: sqliteTaskQueues(conn),
      namespaces: sqliteNamespaces(conn),
      membership: sqliteMembership(conn),
      visibility: visibility.store,
      workers: sqliteWorkerHeartbeats(conn),
      apiKeys: sqliteApiKeys(conn),
    },
    () => conn.close(),
  );
}
