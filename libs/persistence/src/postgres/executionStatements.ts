/**
 * The executions' statements: state, current rows, history events and history's queues.
 * Variable-length inserts (events, tasks) pass arrays and `unnest` them: one round trip per table.
 */
import { statement } from './database';

export const EXECUTION_SQL = {
  getExecution: statement('get_execution', 'SELECT db_version, state FROM executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3'),
  executionVersion: statement(
    'execution_version',
    'SELECT db_version FROM executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3',
  ),
  insertExecution: statement(
    'insert_execution',
    'INSERT INTO executions (namespace_id, workflow_id, run_id, db_version, state) VALUES ($1, $2, $3, 1, $4) ON CONFLICT DO NOTHING',
  ),
  deleteExecution: statement(
    'delete_execution',
    'DELETE FROM executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3 AND db_version = $4',
  ),
  runKeysOfNamespace: statement('run_keys_of_namespace', 'SELECT workflow_id, run_id FROM executions WHERE namespace_id = $1 LIMIT $2'),
  deleteCurrentOf: statement('delete_current_of', 'DELETE FROM current_executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3'),
  deleteEvents: statement('delete_events', 'DELETE FROM history_events WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3'),
  deleteVisibility: statement('delete_visibility', 'DELETE FROM visibility WHERE namespace_id = $1 AND run_id = $2'),
  updateExecution: statement(
    'update_execution',
    'UPDATE executions SET db_version = $1, state = $2 WHERE namespace_id = $3 AND workflow_id = $4 AND run_id = $5 AND db_version = $6',
  ),
  getCurrent: statement(
    'get_current',
    'SELECT run_id, first_execution_run_id, start_request_id, status FROM current_executions WHERE namespace_id = $1 AND workflow_id = $2',
  ),
  /** Waits for a concurrent creator of the same row and then does nothing if it committed. */
  insertCurrent: statement(
    'insert_current',
    `INSERT INTO current_executions (namespace_id, workflow_id, run_id, first_execution_run_id, start_request_id, status)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
  ),
  /** `replace`: only over the expected run, and only once it is no longer running ($8). */
  replaceCurrent: statement(
    'replace_current',
    `UPDATE current_executions SET run_id = $1, first_execution_run_id = $2, start_request_id = $3, status = $4
     WHERE namespace_id = $5 AND workflow_id = $6 AND run_id = $7 AND status <> $8`,
  ),
  /** `update`: only while the row points at this run. */
  continueCurrent: statement(
    'continue_current',
    `UPDATE current_executions SET run_id = $1, first_execution_run_id = $2, start_request_id = $3, status = $4
     WHERE namespace_id = $5 AND workflow_id = $6 AND run_id = $7`,
  ),
  updateCurrent: statement(
    'update_current',
    `UPDATE current_executions SET first_execution_run_id = $1, start_request_id = $2, status = $3
     WHERE namespace_id = $4 AND workflow_id = $5 AND run_id = $6`,
  ),
  insertEvents: statement(
    'insert_events',
    `INSERT INTO history_events (namespace_id, workflow_id, run_id, event_id, batch_id, data)
     SELECT $1::text, $2::text, $3::text, e.event_id, e.batch_id, e.data FROM unnest($4::bigint[], $5::bigint[], $6::bytea[]) AS e (event_id, batch_id, data)`,
  ),
  readEvents: statement(
    'read_events',
    `SELECT data FROM history_events
     WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3 AND event_id >= $4 AND event_id < $5
     ORDER BY event_id LIMIT $6`,
  ),
  readBatches: statement(
    'read_batches',
    `SELECT batch_id, data FROM history_events
     WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3 AND event_id >= $4 AND event_id < $5
       AND batch_id IN (
         SELECT DISTINCT batch_id FROM history_events
         WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3 AND event_id >= $4 AND event_id < $5
         ORDER BY batch_id LIMIT $6)
     ORDER BY event_id`,
  ),

  // history queues
  insertTransfers: statement(
    'insert_transfers',
    'INSERT INTO transfer_tasks (shard_id, task_id, data) SELECT $1::integer, t.task_id, t.data FROM unnest($2::bigint[], $3::bytea[]) AS t (task_id, data)',
  ),
  readTransfers: statement(
    'read_transfers',
    'SELECT task_id, data FROM transfer_tasks WHERE shard_id = $1 AND task_id > $2 ORDER BY task_id LIMIT $3',
  ),
  deleteTransfers: statement('delete_transfers', 'DELETE FROM transfer_tasks WHERE shard_id = $1 AND task_id = ANY($2::bigint[])'),
  insertTimers: statement(
    'insert_timers',
    `INSERT INTO timer_tasks (shard_id, fire_time, task_id, data)
     SELECT $1::integer, t.fire_time, t.task_id, t.data FROM unnest($2::bigint[], $3::bigint[], $4::bytea[]) AS t (fire_time, task_id, data)`,
  ),
  readTimers: statement(
    'read_timers',
    'SELECT task_id, fire_time, data FROM timer_tasks WHERE shard_id = $1 AND fire_time <= $2 ORDER BY fire_time, task_id LIMIT $3',
  ),
  deleteTimer: statement('delete_timer', 'DELETE FROM timer_tasks WHERE shard_id = $1 AND task_id = $2'),
  deleteTimers: statement('delete_timers', 'DELETE FROM timer_tasks WHERE shard_id = $1 AND task_id = ANY($2::bigint[])'),
  nextTimer: statement('next_timer', 'SELECT fire_time FROM timer_tasks WHERE shard_id = $1 ORDER BY fire_time, task_id LIMIT 1'),
} as const;
