/** The SQL of the executions' statements: state, current rows, history events and history's queues. */
export const EXECUTION_SQL = {
  getExecution: 'SELECT db_version, state FROM executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?',
  executionVersion: 'SELECT db_version FROM executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?',
  insertExecution:
    'INSERT INTO executions (namespace_id, workflow_id, run_id, db_version, state) VALUES (?, ?, ?, 1, ?) ON CONFLICT DO NOTHING',
  updateExecution:
    'UPDATE executions SET db_version = ?, state = ? WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND db_version = ?',
  deleteExecution: 'DELETE FROM executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND db_version = ?',
  runKeysOfNamespace: 'SELECT workflow_id, run_id FROM executions WHERE namespace_id = ? LIMIT ?',
  deleteCurrentOf: 'DELETE FROM current_executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?',
  deleteEvents: 'DELETE FROM history_events WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?',
  deleteVisibility: 'DELETE FROM visibility WHERE namespace_id = ? AND run_id = ?',
  getCurrent:
    'SELECT run_id, first_execution_run_id, start_request_id, status FROM current_executions WHERE namespace_id = ? AND workflow_id = ?',
  insertCurrent:
    'INSERT INTO current_executions (namespace_id, workflow_id, run_id, first_execution_run_id, start_request_id, status) VALUES (?, ?, ?, ?, ?, ?)',
  updateCurrent:
    'UPDATE current_executions SET run_id = ?, first_execution_run_id = ?, start_request_id = ?, status = ? WHERE namespace_id = ? AND workflow_id = ?',
  insertEvent: 'INSERT INTO history_events (namespace_id, workflow_id, run_id, event_id, data, batch_id) VALUES (?, ?, ?, ?, ?, ?)',
  readBatches: `SELECT COALESCE(batch_id, event_id), data FROM history_events
       WHERE namespace_id = @ns AND workflow_id = @wf AND run_id = @run AND event_id >= @from AND event_id < @to
         AND COALESCE(batch_id, event_id) IN (
           SELECT DISTINCT COALESCE(batch_id, event_id) FROM history_events
           WHERE namespace_id = @ns AND workflow_id = @wf AND run_id = @run AND event_id >= @from AND event_id < @to
           ORDER BY 1 LIMIT @limit)
       ORDER BY event_id`,
  readEvents: `SELECT data FROM history_events
       WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND event_id >= ? AND event_id < ?
       ORDER BY event_id LIMIT ?`,

  // history queues
  insertTransfer: 'INSERT INTO transfer_tasks (shard_id, task_id, data) VALUES (?, ?, ?)',
  readTransfers: 'SELECT task_id, data FROM transfer_tasks WHERE shard_id = ? AND task_id > ? ORDER BY task_id LIMIT ?',
  deleteTransfer: 'DELETE FROM transfer_tasks WHERE shard_id = ? AND task_id = ?',
  insertTimer: 'INSERT INTO timer_tasks (shard_id, fire_time, task_id, data) VALUES (?, ?, ?, ?)',
  readTimers: 'SELECT task_id, fire_time, data FROM timer_tasks WHERE shard_id = ? AND fire_time <= ? ORDER BY fire_time, task_id LIMIT ?',
  deleteTimer: 'DELETE FROM timer_tasks WHERE shard_id = ? AND task_id = ?',
  nextTimer: 'SELECT fire_time FROM timer_tasks WHERE shard_id = ? ORDER BY fire_time, task_id LIMIT 1',
} as const;
