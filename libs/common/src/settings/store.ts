import { settingGroup } from './setting';

const ALL = ['frontend', 'history', 'matching'] as const;

/**
 * The stores' connections, retries and caches (`libs/persistence`). SQLite's own settings (WAL,
 * busy timeout, page cache, ...) are its pragmas, listed in `sqlite/pragmas.ts` and printed at start.
 */
export const STORE_SETTINGS = settingGroup('store', {
  postgresPoolSize: {
    type: 'count',
    unit: 'items',
    default: 10,
    readBy: ALL,
    readIn: 'libs/persistence/src/postgres/connection.ts',
    why: "PostgreSQL connections one process keeps at most (node-postgres's default pool size).",
  },
  postgresConnectTimeout: {
    type: 'duration',
    unit: 'ms',
    default: 10_000,
    readBy: ALL,
    readIn: 'libs/persistence/src/postgres/connection.ts, postgres/migrate.ts',
    why: 'A database that cannot be reached makes calls fail (UNAVAILABLE, retried) after this instead of queueing forever.',
  },
  postgresIdleInTransactionTimeout: {
    type: 'duration',
    unit: 'ms',
    default: 5_000,
    readBy: ALL,
    readIn: 'libs/persistence/src/postgres/connection.ts',
    why: "The server ends a session idle inside a transaction this long, so a frozen process cannot hold the shard row's lock and stall a takeover.",
  },
  postgresTaskIdBlock: {
    type: 'count',
    unit: 'items',
    default: 1000,
    readBy: ['history'],
    readIn: 'libs/persistence/src/postgres/shards.ts',
    why: "History task ids a shard owner reserves at once in the shard row (one short commit per block, like Temporal's range-based task ids); a restart or takeover leaves the rest of a block unused.",
  },
  postgresTransactionAttempts: {
    type: 'count',
    unit: 'attempts',
    default: 5,
    readBy: ALL,
    readIn: 'libs/persistence/src/postgres/connection.ts',
    why: 'A transaction rolled back by a deadlock or serialization failure is run again up to this many times in all.',
  },
  postgresMigrationLockTimeout: {
    type: 'duration',
    unit: 'ms',
    default: 5_000,
    readBy: ['schema'],
    readIn: 'libs/persistence/src/postgres/migrate.ts',
    why: "kairos schema update waits this long for a table lock, then gives way to the cluster's traffic and tries again.",
  },
  postgresMigrationLockAttempts: {
    type: 'count',
    unit: 'attempts',
    default: 10,
    readBy: ['schema'],
    readIn: 'libs/persistence/src/postgres/migrate.ts',
    why: 'Times a migration step that timed out waiting for a lock is tried before kairos schema update gives up.',
  },
  postgresMigrationLockBackoff: {
    type: 'duration',
    unit: 'ms',
    default: 200,
    readBy: ['schema'],
    readIn: 'libs/persistence/src/postgres/migrate.ts',
    why: "Before its n-th retry a migration step waits n times this, letting the cluster's queued statements through.",
  },
  sqliteCheckpointInterval: {
    type: 'duration',
    unit: 'ms',
    default: 100,
    readBy: ALL,
    readIn: 'libs/persistence/src/sqlite/sqliteStore.ts',
    why: 'The background checkpointer copies the WAL into the database file this often, keeping the WAL short and reads fast.',
  },
  sqliteCheckpointerStopTimeout: {
    type: 'duration',
    unit: 'ms',
    default: 5_000,
    readBy: ALL,
    readIn: 'libs/persistence/src/sqlite/backgroundCheckpointer.ts',
    why: 'Closing the store waits this long for the checkpoint thread to finish its pass, then terminates it.',
  },
  sqliteSynchronous: {
    type: 'choice',
    choices: ['NORMAL', 'FULL'],
    default: 'FULL',
    defaultFor: { 'start-dev': 'NORMAL' },
    readBy: ALL,
    readIn: 'services/kairos/src/config/sqliteSynchronous.ts',
    why: 'FULL fsyncs the WAL at every commit (one fsync per group commit), so an acknowledged write survives a power cut; NORMAL survives a process crash only, for a faster dev server.',
    configuredBy: 'flag --sqlite-synchronous (or --sqlite-pragma synchronous=…), config sqliteSynchronous',
  },
  sqliteCachedQueries: {
    type: 'count',
    unit: 'items',
    default: 200,
    readBy: ALL,
    readIn: 'libs/persistence/src/sqlite/visibility.ts',
    why: 'Prepared statements of visibility queries kept (the least recently prepared goes first).',
  },
});
