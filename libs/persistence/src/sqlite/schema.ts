import { visibilityTableMigration } from '../visibility/visibilityTable';

/** 1 when a visibility row (`new.`, `old.` or the table's own) has TemporalNamespaceDivision set, else 0. */
const DIVIDED = (row: string) => `(json_extract(${row}search_attributes, '$."TemporalNamespaceDivision"') IS NOT NULL)`;

/** One step of the SQLite schema. Applied in its own transaction, recorded in `schema_version`. */
export interface SqliteMigration {
  version: number;
  description: string;
  sql: string;
}

/**
 * The SQLite schema as ordered migrations: version N is reached by applying 1..N in order. Never
 * edit a released migration; append a new one. Record blobs are protobuf messages
 * (kairos.persistence.v1 / temporal.api); the columns beside them hold only what queries select on.
 *
 * Tables holding blobs of unbounded size (executions, history_events) keep rowids so the big rows
 * live in table b-tree leaves rather than in index pages; small-row tables are WITHOUT ROWID.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'initial schema',
    sql: `
      CREATE TABLE namespaces (
        id   TEXT NOT NULL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        data BLOB NOT NULL
      );

      -- last_task_id: the per-shard sequence of transfer and timer task ids (never reset).
      CREATE TABLE shards (
        shard_id         INTEGER NOT NULL PRIMARY KEY,
        range_id         INTEGER NOT NULL,
        owner            TEXT    NOT NULL,
        lease_expires_at INTEGER NOT NULL,
        last_task_id     INTEGER NOT NULL DEFAULT 0
      );

      CREATE TABLE executions (
        namespace_id TEXT    NOT NULL,
        workflow_id  TEXT    NOT NULL,
        run_id       TEXT    NOT NULL,
        db_version   INTEGER NOT NULL,
        state        BLOB    NOT NULL,
        PRIMARY KEY (namespace_id, workflow_id, run_id)
      );

      CREATE TABLE current_executions (
        namespace_id           TEXT    NOT NULL,
        workflow_id            TEXT    NOT NULL,
        run_id                 TEXT    NOT NULL,
        first_execution_run_id TEXT    NOT NULL,
        start_request_id       TEXT    NOT NULL,
        status                 INTEGER NOT NULL,
        PRIMARY KEY (namespace_id, workflow_id)
      ) WITHOUT ROWID;

      -- One encoded temporal.api.history.v1.HistoryEvent per row.
      CREATE TABLE history_events (
        namespace_id TEXT    NOT NULL,
        workflow_id  TEXT    NOT NULL,
        run_id       TEXT    NOT NULL,
        event_id     INTEGER NOT NULL,
        data         BLOB    NOT NULL,
        PRIMARY KEY (namespace_id, workflow_id, run_id, event_id)
      );

      CREATE TABLE transfer_tasks (
        shard_id INTEGER NOT NULL,
        task_id  INTEGER NOT NULL,
        data     BLOB    NOT NULL,
        PRIMARY KEY (shard_id, task_id)
      ) WITHOUT ROWID;

      -- fire_time in Unix milliseconds. Read by (shard_id, fire_time, task_id), deleted by task id.
      CREATE TABLE timer_tasks (
        shard_id  INTEGER NOT NULL,
        fire_time INTEGER NOT NULL,
        task_id   INTEGER NOT NULL,
        data      BLOB    NOT NULL,
        PRIMARY KEY (shard_id, fire_time, task_id)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX timer_tasks_by_task_id ON timer_tasks (shard_id, task_id);

      -- last_task_id: the per-queue sequence of task_queue_tasks ids (never reset).
      CREATE TABLE task_queues (
        namespace_id TEXT    NOT NULL,
        task_queue   TEXT    NOT NULL,
        kind         TEXT    NOT NULL,
        last_task_id INTEGER NOT NULL,
        PRIMARY KEY (namespace_id, task_queue, kind)
      ) WITHOUT ROWID;

      CREATE TABLE task_queue_tasks (
        namespace_id TEXT    NOT NULL,
        task_queue   TEXT    NOT NULL,
        kind         TEXT    NOT NULL,
        task_id      INTEGER NOT NULL,
        data         BLOB    NOT NULL,
        PRIMARY KEY (namespace_id, task_queue, kind, task_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: 'history events remember the write (batch) they came in',
    sql: `
      -- The first event id of the write that appended the event; NULL (rows written before this
      -- version) reads as a batch of its own. Paging returns whole batches, as Temporal does.
      ALTER TABLE history_events ADD COLUMN batch_id INTEGER;
    `,
  },
  {
    version: 3,
    description: 'cluster membership',
    sql: `
      -- heartbeat_at: Unix ms of the member's last heartbeat; readers decide who is alive.
      CREATE TABLE cluster_members (
        role         TEXT    NOT NULL,
        instance_id  TEXT    NOT NULL,
        address      TEXT    NOT NULL,
        heartbeat_at INTEGER NOT NULL,
        PRIMARY KEY (role, instance_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    description: 'task queues are held by a fencing number',
    sql: `
      -- range_id: bumped by every acquisition; backlog writes must carry the current one.
      ALTER TABLE task_queues ADD COLUMN range_id INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE task_queues ADD COLUMN owner TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 5,
    description: 'visibility rows and custom search attributes',
    sql: `
      -- One row per run, written in the transaction of the execution write that started, closed
      -- or re-indexed it (visibility/visibilityTable.ts: @kairos/visibility's table plus
      -- history_size_bytes). Times in Unix milliseconds; status is the WorkflowExecutionStatus
      -- number; memo an encoded temporal.api.common.v1.Memo; search_attributes JSON
      -- {"Name": typed value} of the predefined and custom attributes.
      ${visibilityTableMigration('sqlite')};

      -- The custom search attributes of each namespace; type is the IndexedValueType shorthand
      -- (Keyword, Text, Int, Double, Bool, Datetime, KeywordList).
      CREATE TABLE custom_search_attributes (
        namespace_id TEXT NOT NULL,
        name         TEXT NOT NULL,
        type         TEXT NOT NULL,
        PRIMARY KEY (namespace_id, name)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    description: 'cluster metadata',
    sql: `
      -- The cluster's id, made once by the first process that asks (GetClusterInfo's clusterId).
      CREATE TABLE cluster_metadata (
        cluster_name TEXT NOT NULL PRIMARY KEY,
        cluster_id   TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    description: 'worker heartbeats and task queue configuration',
    sql: `
      -- Each worker's latest heartbeat (an encoded temporal.api.worker.v1.WorkerHeartbeat) and
      -- when the server received it (Unix ms); rows older than the TTL are not listed and are
      -- deleted by later heartbeats (by last_seen_ms, hence the index).
      CREATE TABLE worker_heartbeats (
        namespace_id        TEXT    NOT NULL,
        worker_instance_key TEXT    NOT NULL,
        last_seen_ms        INTEGER NOT NULL,
        data                BLOB    NOT NULL,
        PRIMARY KEY (namespace_id, worker_instance_key)
      ) WITHOUT ROWID;
      CREATE INDEX worker_heartbeats_by_last_seen ON worker_heartbeats (last_seen_ms);

      -- UpdateTaskQueueConfig's settings per task queue and type (a TaskQueueType number), an
      -- encoded temporal.api.taskqueue.v1.TaskQueueConfig.
      CREATE TABLE task_queue_configs (
        namespace_id    TEXT    NOT NULL,
        task_queue      TEXT    NOT NULL,
        task_queue_type INTEGER NOT NULL,
        data            BLOB    NOT NULL,
        PRIMARY KEY (namespace_id, task_queue, task_queue_type)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    description: 'API keys',
    sql: `
      -- Kairos API keys (kairos api-key create|list|revoke): the SHA-256 of the token's secret,
      -- never the secret; permissions a JSON array of "<namespace>:<role>"; times Unix ms,
      -- revoked_at and expires_at NULL when not set.
      CREATE TABLE api_keys (
        id          TEXT    NOT NULL PRIMARY KEY,
        secret_hash BLOB    NOT NULL,
        permissions TEXT    NOT NULL,
        description TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        revoked_at  INTEGER,
        expires_at  INTEGER
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 9,
    description: 'visibility counts',
    sql: `
      -- Runs per namespace, status and whether TemporalNamespaceDivision is set (internal runs such
      -- as schedulers), kept by triggers on visibility in the transaction of each row's write:
      -- Count with no filter, or only GROUP BY ExecutionStatus, reads these few rows instead of
      -- every visibility row of the namespace (visibility/visibilityCounts.ts).
      CREATE TABLE visibility_counts (
        namespace_id TEXT    NOT NULL,
        status       INTEGER NOT NULL,
        divided      INTEGER NOT NULL,
        runs         INTEGER NOT NULL,
        PRIMARY KEY (namespace_id, status, divided)
      ) WITHOUT ROWID;
      INSERT INTO visibility_counts (namespace_id, status, divided, runs)
        SELECT namespace_id, status, ${DIVIDED('')}, COUNT(*) FROM visibility GROUP BY 1, 2, 3;
      CREATE TRIGGER visibility_counts_insert AFTER INSERT ON visibility BEGIN
        INSERT INTO visibility_counts (namespace_id, status, divided, runs) VALUES (new.namespace_id, new.status, ${DIVIDED('new.')}, 1)
          ON CONFLICT (namespace_id, status, divided) DO UPDATE SET runs = runs + 1;
      END;
      CREATE TRIGGER visibility_counts_delete AFTER DELETE ON visibility BEGIN
        UPDATE visibility_counts SET runs = runs - 1
          WHERE namespace_id = old.namespace_id AND status = old.status AND divided = ${DIVIDED('old.')};
      END;
      CREATE TRIGGER visibility_counts_update AFTER UPDATE OF namespace_id, status, search_attributes ON visibility
        WHEN old.namespace_id IS NOT new.namespace_id OR old.status IS NOT new.status OR ${DIVIDED('old.')} IS NOT ${DIVIDED('new.')}
      BEGIN
        UPDATE visibility_counts SET runs = runs - 1
          WHERE namespace_id = old.namespace_id AND status = old.status AND divided = ${DIVIDED('old.')};
        INSERT INTO visibility_counts (namespace_id, status, divided, runs) VALUES (new.namespace_id, new.status, ${DIVIDED('new.')}, 1)
          ON CONFLICT (namespace_id, status, divided) DO UPDATE SET runs = runs + 1;
      END;
    `,
  },
];

/** The newest schema version this build knows. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]!.version;
