/**
 * The SQLite schema, as ordered migrations. Version N is reached by applying migrations 1..N in
 * order; a database newer than the last migration is refused rather than guessed at.
 */
export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; description: string; sql: string }> = [
  {
    version: 1,
    description: 'initial schema',
    sql: `
      CREATE TABLE namespaces (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        data BLOB NOT NULL
      );
      CREATE TABLE shards (
        shard_id INTEGER PRIMARY KEY,
        range_id INTEGER NOT NULL,
        owner TEXT NOT NULL,
        lease_expires_at INTEGER NOT NULL
      );
      CREATE TABLE executions (
        namespace_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        db_version INTEGER NOT NULL,
        state BLOB NOT NULL,
        PRIMARY KEY (namespace_id, workflow_id, run_id)
      ) WITHOUT ROWID;
      CREATE TABLE current_executions (
        namespace_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        first_execution_run_id TEXT NOT NULL,
        start_request_id TEXT NOT NULL,
        status INTEGER NOT NULL,
        PRIMARY KEY (namespace_id, workflow_id)
      ) WITHOUT ROWID;
      CREATE TABLE history_events (
        namespace_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (namespace_id, workflow_id, run_id, event_id)
      ) WITHOUT ROWID;
      CREATE TABLE transfer_tasks (
        shard_id INTEGER NOT NULL,
        task_id INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (shard_id, task_id)
      ) WITHOUT ROWID;
      CREATE TABLE timer_tasks (
        shard_id INTEGER NOT NULL,
        fire_time INTEGER NOT NULL,
        task_id INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (shard_id, fire_time, task_id)
      ) WITHOUT ROWID;
      CREATE TABLE task_queue_tasks (
        namespace_id TEXT NOT NULL,
        task_queue TEXT NOT NULL,
        kind TEXT NOT NULL,
        task_id INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (namespace_id, task_queue, kind, task_id)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX timer_tasks_by_id ON timer_tasks (shard_id, task_id);
      -- Per-shard and per-queue sequences for task ids.
      CREATE TABLE sequences (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      );
    `,
  },
];

export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;
