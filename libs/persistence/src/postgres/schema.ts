import { visibilityTableMigration } from '../visibility/visibilityTable';
import { tryWriteExecutionFunctionDdl, writeExecutionFunctionDdl } from './executionWriteFunction';

/** Whether a visibility row is an internal run's, as Count's division filter (`->> … IS NULL`) decides it. */
const DIVIDED = (row: string) => `((${row}search_attributes ->> 'TemporalNamespaceDivision') IS NOT NULL)`;

/** One step of the PostgreSQL schema. Applied in its own transaction, recorded in `schema_version`. */
export interface PostgresMigration {
  version: number;
  description: string;
  sql: string;
}

/**
 * The PostgreSQL schema as ordered migrations: version N is reached by applying 1..N in order.
 * Never edit a released migration; append a new one, and keep it additive (new tables, columns
 * with defaults, indexes) so processes still running the previous version keep working while
 * it is applied to a live cluster.
 *
 * Same tables and meaning as the SQLite schema: record blobs are protobuf messages
 * (kairos.persistence.v1 / temporal.api) in bytea columns; the columns beside them hold only what
 * queries select on. Times are Unix milliseconds (bigint), exactly as the Store hands them over.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'initial schema',
    sql: `
      CREATE TABLE namespaces (
        id   text  NOT NULL PRIMARY KEY,
        name text  NOT NULL UNIQUE,
        data bytea NOT NULL
      );

      -- range_id: the lease's fencing number, bumped by every acquisition.
      -- last_task_id: the per-shard sequence of transfer and timer task ids (never reset).
      CREATE TABLE shards (
        shard_id         integer NOT NULL PRIMARY KEY,
        range_id         bigint  NOT NULL,
        owner            text    NOT NULL,
        lease_expires_at bigint  NOT NULL,
        last_task_id     bigint  NOT NULL DEFAULT 0
      );

      CREATE TABLE executions (
        namespace_id text   NOT NULL,
        workflow_id  text   NOT NULL,
        run_id       text   NOT NULL,
        db_version   bigint NOT NULL,
        state        bytea  NOT NULL,
        PRIMARY KEY (namespace_id, workflow_id, run_id)
      );

      CREATE TABLE current_executions (
        namespace_id           text    NOT NULL,
        workflow_id            text    NOT NULL,
        run_id                 text    NOT NULL,
        first_execution_run_id text    NOT NULL,
        start_request_id       text    NOT NULL,
        status                 integer NOT NULL,
        PRIMARY KEY (namespace_id, workflow_id)
      );

      -- One encoded temporal.api.history.v1.HistoryEvent per row. batch_id: the first event id
      -- of the write that appended it (history is paged by whole batches, as Temporal does).
      CREATE TABLE history_events (
        namespace_id text   NOT NULL,
        workflow_id  text   NOT NULL,
        run_id       text   NOT NULL,
        event_id     bigint NOT NULL,
        batch_id     bigint NOT NULL,
        data         bytea  NOT NULL,
        PRIMARY KEY (namespace_id, workflow_id, run_id, event_id)
      );

      CREATE TABLE transfer_tasks (
        shard_id integer NOT NULL,
        task_id  bigint  NOT NULL,
        data     bytea   NOT NULL,
        PRIMARY KEY (shard_id, task_id)
      );

      -- Read by (shard_id, fire_time, task_id), deleted by task id.
      CREATE TABLE timer_tasks (
        shard_id  integer NOT NULL,
        fire_time bigint  NOT NULL,
        task_id   bigint  NOT NULL,
        data      bytea   NOT NULL,
        PRIMARY KEY (shard_id, fire_time, task_id)
      );
      CREATE UNIQUE INDEX timer_tasks_by_task_id ON timer_tasks (shard_id, task_id);

      -- last_task_id: the per-queue sequence of task_queue_tasks ids (never reset).
      CREATE TABLE task_queues (
        namespace_id text   NOT NULL,
        task_queue   text   NOT NULL,
        kind         text   NOT NULL CHECK (kind IN ('workflow', 'activity')),
        last_task_id bigint NOT NULL,
        PRIMARY KEY (namespace_id, task_queue, kind)
      );

      CREATE TABLE task_queue_tasks (
        namespace_id text   NOT NULL,
        task_queue   text   NOT NULL,
        kind         text   NOT NULL,
        task_id      bigint NOT NULL,
        data         bytea  NOT NULL,
        PRIMARY KEY (namespace_id, task_queue, kind, task_id)
      );
    `,
  },
  {
    version: 2,
    description: 'cluster membership',
    sql: `
      -- heartbeat_at: Unix ms of the member's last heartbeat; readers decide who is alive.
      CREATE TABLE cluster_members (
        role         text   NOT NULL,
        instance_id  text   NOT NULL,
        address      text   NOT NULL,
        heartbeat_at bigint NOT NULL,
        PRIMARY KEY (role, instance_id)
      );
    `,
  },
  {
    version: 3,
    description: 'task queues are held by a fencing number',
    sql: `
      -- range_id: bumped by every acquisition; backlog writes must carry the current one.
      ALTER TABLE task_queues ADD COLUMN range_id bigint NOT NULL DEFAULT 0;
      ALTER TABLE task_queues ADD COLUMN owner text NOT NULL DEFAULT '';
    `,
  },
  {
    version: 4,
    description: 'visibility rows and custom search attributes',
    sql: `
      -- One row per run, written in the transaction of the execution write that started, closed
      -- or re-indexed it (visibility/visibilityTable.ts: @kairos/visibility's table plus
      -- history_size_bytes). Times in Unix milliseconds; status is the WorkflowExecutionStatus
      -- number; memo an encoded temporal.api.common.v1.Memo; search_attributes
      -- {"Name": typed value} of the predefined and custom attributes.
      ${visibilityTableMigration('postgres')};

      -- The custom search attributes of each namespace; type is the IndexedValueType shorthand.
      CREATE TABLE custom_search_attributes (
        namespace_id text NOT NULL,
        name         text NOT NULL,
        type         text NOT NULL CHECK (type IN ('Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList')),
        PRIMARY KEY (namespace_id, name)
      );
    `,
  },
  {
    version: 5,
    description: 'cluster metadata',
    sql: `
      -- The cluster's id, made once by the first process that asks (GetClusterInfo's clusterId).
      CREATE TABLE cluster_metadata (
        cluster_name text NOT NULL PRIMARY KEY,
        cluster_id   text NOT NULL
      );
    `,
  },
  {
    version: 6,
    description: 'worker heartbeats and task queue configuration',
    sql: `
      -- Each worker's latest heartbeat (an encoded temporal.api.worker.v1.WorkerHeartbeat) and
      -- when the server received it (Unix ms); rows older than the TTL are not listed and are
      -- deleted by later heartbeats (by last_seen_ms, hence the index).
      CREATE TABLE worker_heartbeats (
        namespace_id        text   NOT NULL,
        worker_instance_key text   NOT NULL,
        last_seen_ms        bigint NOT NULL,
        data                bytea  NOT NULL,
        PRIMARY KEY (namespace_id, worker_instance_key)
      );
      CREATE INDEX worker_heartbeats_by_last_seen ON worker_heartbeats (last_seen_ms);

      -- UpdateTaskQueueConfig's settings per task queue and type (a TaskQueueType number), an
      -- encoded temporal.api.taskqueue.v1.TaskQueueConfig.
      CREATE TABLE task_queue_configs (
        namespace_id    text    NOT NULL,
        task_queue      text    NOT NULL,
        task_queue_type integer NOT NULL,
        data            bytea   NOT NULL,
        PRIMARY KEY (namespace_id, task_queue, task_queue_type)
      );
    `,
  },
  {
    version: 7,
    description: 'API keys',
    sql: `
      -- Kairos API keys (kairos api-key create|list|revoke): the SHA-256 of the token's secret,
      -- never the secret; times Unix ms, revoked_at and expires_at NULL when not set.
      CREATE TABLE api_keys (
        id          text   NOT NULL PRIMARY KEY,
        secret_hash bytea  NOT NULL,
        permissions text[] NOT NULL,
        description text   NOT NULL,
        created_at  bigint NOT NULL,
        revoked_at  bigint,
        expires_at  bigint
      );
    `,
  },
  {
    version: 8,
    description: 'execution writes in one call',
    // kairos_write_execution: an execution write's checks and rows in one round trip (history's
    // hot path); task ids now come from blocks reserved in shards.last_task_id.
    sql: writeExecutionFunctionDdl(),
  },
  {
    version: 9,
    description: 'visibility count deltas',
    sql: `
      -- Changes to the number of runs per namespace, status and whether TemporalNamespaceDivision
      -- is set (internal runs such as schedulers), +1/-1 rows inserted by triggers on visibility
      -- in the transaction of each row's write. Count with no filter, or only GROUP BY
      -- ExecutionStatus, sums these rows instead of reading every visibility row of the namespace.
      -- Insert-only, so writers of one namespace on several history instances never wait for one
      -- another; folds (postgres/visibilityCounts.ts) replace a namespace's rows by their sums.
      CREATE TABLE visibility_count_deltas (
        namespace_id text    NOT NULL,
        status       integer NOT NULL,
        divided      boolean NOT NULL,
        runs         bigint  NOT NULL
      );
      CREATE INDEX visibility_count_deltas_by_namespace ON visibility_count_deltas (namespace_id);

      CREATE FUNCTION visibility_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO visibility_count_deltas (namespace_id, status, divided, runs)
            VALUES (NEW.namespace_id, NEW.status, ${DIVIDED('NEW.')}, 1);
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO visibility_count_deltas (namespace_id, status, divided, runs)
            VALUES (OLD.namespace_id, OLD.status, ${DIVIDED('OLD.')}, -1);
        ELSE
          INSERT INTO visibility_count_deltas (namespace_id, status, divided, runs)
            VALUES (OLD.namespace_id, OLD.status, ${DIVIDED('OLD.')}, -1), (NEW.namespace_id, NEW.status, ${DIVIDED('NEW.')}, 1);
        END IF;
        RETURN NULL;
      END
      $$;
      -- The triggers first: CREATE TRIGGER locks out visibility's writers until this migration
      -- commits, so the back-fill below counts every row written before and none twice.
      CREATE TRIGGER visibility_count_inserted AFTER INSERT ON visibility
        FOR EACH ROW EXECUTE FUNCTION visibility_count_delta();
      CREATE TRIGGER visibility_count_deleted AFTER DELETE ON visibility
        FOR EACH ROW EXECUTE FUNCTION visibility_count_delta();
      -- An upsert re-indexing a run without changing its status writes no delta.
      CREATE TRIGGER visibility_count_moved AFTER UPDATE ON visibility
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.namespace_id IS DISTINCT FROM NEW.namespace_id
          OR ${DIVIDED('OLD.')} IS DISTINCT FROM ${DIVIDED('NEW.')})
        EXECUTE FUNCTION visibility_count_delta();
      CREATE FUNCTION visibility_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM visibility_count_deltas;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER visibility_count_truncated AFTER TRUNCATE ON visibility
        FOR EACH STATEMENT EXECUTE FUNCTION visibility_count_truncated();

      INSERT INTO visibility_count_deltas (namespace_id, status, divided, runs)
        SELECT namespace_id, status, ${DIVIDED('')}, COUNT(*) FROM visibility GROUP BY 1, 2, 3;
    `,
  },
  {
    version: 10,
    description: 'batched execution writes',
    // kairos_try_write_execution: an execution write whose failure is answered, not raised, so
    // the writes history makes at the same moment go in one statement and one commit.
    sql: tryWriteExecutionFunctionDdl(),
  },
];

/** The newest schema version this build knows. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version;
