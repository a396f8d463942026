/**
 * The executions' statements: state, current rows, history events and history's queues.
 * An execution write is one call of a PL/pgSQL function (executionWriteFunction.ts): one round trip.
 */
import { statement, type Statement } from './database';
import { WRITE_FUNCTION_ARITY } from './executionWriteFunction';

const WRITE_PARAMETERS = (first: number) => Array.from({ length: WRITE_FUNCTION_ARITY }, (_, i) => `$${first + i}`).join(', ');

const writeBatches: Statement[] = [];
/**
 * `count` execution writes in one statement (kairos_try_write_execution, schema migration 10):
 * one row, a column per write, NULL where the write was made and its failure where it was not.
 */
export function writeExecutionBatch(count: number): Statement {
  return (writeBatches[count] ??= statement(
    `write_executions_${count}`,
    `SELECT ${Array.from({ length: count }, (_, i) => `kairos_try_write_execution(${WRITE_PARAMETERS(1 + i * WRITE_FUNCTION_ARITY)})`).join(', ')}`,
  ));
}

export const EXECUTION_SQL = {
  /** One execution write (kairos_write_execution, schema migration 8): see executionWriteFunction.ts. */
  writeExecution: statement(
    'write_execution',
    `SELECT kairos_write_execution(${WRITE_PARAMETERS(1)})`,
  ),
  getExecution: statement('get_execution', 'SELECT db_version, state FROM executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3'),
  executionVersion: statement(
    'execution_version',
    'SELECT db_version FROM executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3',
  ),
  deleteExecution: statement(
    'delete_execution',
    'DELETE FROM executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3 AND db_version = $4',
  ),
  runKeysOfNamespace: statement('run_keys_of_namespace', 'SELECT workflow_id, run_id FROM executions WHERE namespace_id = $1 LIMIT $2'),
  deleteCurrentOf: statement('delete_current_of', 'DELETE FROM current_executions WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3'),
  deleteEvents: statement('delete_events', 'DELETE FROM history_events WHERE namespace_id = $1 AND workflow_id = $2 AND run_id = $3'),
  deleteVisibility: statement('delete_visibility', 'DELETE FROM visibility WHERE namespace_id = $1 AND run_id = $2'),
  getCurrent: statement(
    'get_current',
    'SELECT run_id, first_execution_run_id, start_request_id, status FROM current_executions WHERE namespace_id = $1 AND workflow_id = $2',
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
  readTransfers: statement(
    'read_transfers',
    'SELECT task_id, data FROM transfer_tasks WHERE shard_id = $1 AND task_id > $2 ORDER BY task_id LIMIT $3',
  ),
  deleteTransfers: statement('delete_transfers', 'DELETE FROM transfer_tasks WHERE shard_id = $1 AND task_id = ANY($2::bigint[])'),
  readTimers: statement(
    'read_timers',
    'SELECT task_id, fire_time, data FROM timer_tasks WHERE shard_id = $1 AND fire_time <= $2 ORDER BY fire_time, task_id LIMIT $3',
  ),
  deleteTimer: statement('delete_timer', 'DELETE FROM timer_tasks WHERE shard_id = $1 AND task_id = $2'),
  nextTimer: statement('next_timer', 'SELECT fire_time FROM timer_tasks WHERE shard_id = $1 ORDER BY fire_time, task_id LIMIT 1'),
} as const;
