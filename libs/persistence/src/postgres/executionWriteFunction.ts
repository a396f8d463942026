/**
 * `kairos_write_execution`: one execution write (ExecutionWrite's checks and rows, in its order) as
 * one PL/pgSQL call, so that a write is a single round trip between history and PostgreSQL
 * instead of one per table, and its locks are held only while the database runs it.
 *
 * A failed check raises one of the SQLSTATEs below and, the call being a single statement (or
 * one statement of an explicit transaction), nothing of the write is kept; the caller reads what
 * it needs for the error afterwards. A repeated event id raises the events table's own unique
 * violation (history_events_pkey).
 */

/** What a refused write raised. */
export const WRITE_REFUSED = {
  /** The shard's range id is not the writer's. */
  shardLost: 'KR001',
  /** The execution row is not at the expected version (or exists already, or not at all). */
  executionCondition: 'KR002',
  /** The current-execution row did not allow the change. */
  currentConflict: 'KR003',
} as const;

/**
 * The visibility columns the function takes, in table order, with their types: frozen with the
 * migration that created it. A column added to the table needs a migration that replaces the
 * function (a test compares this list with VISIBILITY_COLUMNS).
 */
export const WRITE_FUNCTION_VISIBILITY_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['namespace_id', 'text'],
  ['run_id', 'text'],
  ['workflow_id', 'text'],
  ['workflow_type', 'text'],
  ['status', 'integer'],
  ['start_time', 'bigint'],
  ['close_time', 'bigint'],
  ['execution_time', 'bigint'],
  ['task_queue', 'text'],
  ['history_length', 'bigint'],
  ['parent_workflow_id', 'text'],
  ['parent_run_id', 'text'],
  ['root_workflow_id', 'text'],
  ['root_run_id', 'text'],
  ['memo', 'bytea'],
  ['search_attributes', 'jsonb'],
  ['history_size_bytes', 'bigint'],
];

/** The function's parameters before the visibility columns, in order (the call binds them so). */
const PARAMETERS = [
  'p_shard_id integer',
  'p_range_id bigint',
  'p_namespace_id text',
  'p_workflow_id text',
  'p_run_id text',
  'p_expected_version bigint',
  'p_state bytea',
  // NULL (no change), 'create', 'replace', 'update' or 'continue' (ExecutionWrite's modes).
  'p_current_mode text',
  'p_first_execution_run_id text',
  'p_start_request_id text',
  'p_current_status integer',
  'p_expected_run_id text',
  // WorkflowExecutionStatus RUNNING: `replace` only takes over a run that is no longer running.
  'p_running integer',
  'p_event_ids bigint[]',
  'p_batch_ids bigint[]',
  'p_events bytea[]',
  'p_transfer_ids bigint[]',
  'p_transfers bytea[]',
  'p_timer_fire_times bigint[]',
  'p_timer_ids bigint[]',
  'p_timers bytea[]',
  'p_obsolete_timer_ids bigint[]',
  // Whether the v_ parameters carry the run's visibility row.
  'p_has_visibility boolean',
];

const VISIBILITY_KEY = ['namespace_id', 'run_id'];

/** How many parameters the function takes. */
export const WRITE_FUNCTION_ARITY = PARAMETERS.length + WRITE_FUNCTION_VISIBILITY_COLUMNS.length;

/** CREATE FUNCTION of migration 8. */
export function writeExecutionFunctionDdl(): string {
  const visibility = WRITE_FUNCTION_VISIBILITY_COLUMNS;
  const params = [...PARAMETERS, ...visibility.map(([name, type]) => `v_${name} ${type}`)];
  const updated = visibility.map(([name]) => name).filter((name) => !VISIBILITY_KEY.includes(name));
  return `
      CREATE FUNCTION kairos_write_execution(${params.join(', ')}) RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE
        fenced bigint;
        changed bigint;
      BEGIN
        -- Fencing: the share lock keeps the range id from moving until this transaction ends.
        SELECT range_id INTO fenced FROM shards WHERE shard_id = p_shard_id FOR SHARE;
        IF fenced IS DISTINCT FROM p_range_id THEN
          RAISE EXCEPTION 'shard % ownership lost', p_shard_id USING ERRCODE = '${WRITE_REFUSED.shardLost}';
        END IF;

        -- The execution row's version; a concurrent writer of the row is waited for.
        IF p_expected_version = 0 THEN
          INSERT INTO executions (namespace_id, workflow_id, run_id, db_version, state)
            VALUES (p_namespace_id, p_workflow_id, p_run_id, 1, p_state) ON CONFLICT DO NOTHING;
        ELSE
          UPDATE executions SET db_version = p_expected_version + 1, state = p_state
            WHERE namespace_id = p_namespace_id AND workflow_id = p_workflow_id AND run_id = p_run_id AND db_version = p_expected_version;
        END IF;
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed <> 1 THEN
          RAISE EXCEPTION 'execution condition failed' USING ERRCODE = '${WRITE_REFUSED.executionCondition}';
        END IF;

        -- The current-execution row: each mode one conditional statement.
        IF p_current_mode IS NOT NULL THEN
          CASE p_current_mode
            WHEN 'create' THEN
              INSERT INTO current_executions (namespace_id, workflow_id, run_id, first_execution_run_id, start_request_id, status)
                VALUES (p_namespace_id, p_workflow_id, p_run_id, p_first_execution_run_id, p_start_request_id, p_current_status)
                ON CONFLICT DO NOTHING;
            WHEN 'replace' THEN
              UPDATE current_executions SET run_id = p_run_id, first_execution_run_id = p_first_execution_run_id,
                  start_request_id = p_start_request_id, status = p_current_status
                WHERE namespace_id = p_namespace_id AND workflow_id = p_workflow_id AND run_id = p_expected_run_id AND status <> p_running;
            WHEN 'update' THEN
              UPDATE current_executions SET first_execution_run_id = p_first_execution_run_id,
                  start_request_id = p_start_request_id, status = p_current_status
                WHERE namespace_id = p_namespace_id AND workflow_id = p_workflow_id AND run_id = p_run_id;
            WHEN 'continue' THEN
              UPDATE current_executions SET run_id = p_run_id, first_execution_run_id = p_first_execution_run_id,
                  start_request_id = p_start_request_id, status = p_current_status
                WHERE namespace_id = p_namespace_id AND workflow_id = p_workflow_id AND run_id = p_expected_run_id;
          END CASE;
          GET DIAGNOSTICS changed = ROW_COUNT;
          IF changed <> 1 THEN
            RAISE EXCEPTION 'current execution conflict' USING ERRCODE = '${WRITE_REFUSED.currentConflict}';
          END IF;
        END IF;

        IF cardinality(p_event_ids) > 0 THEN
          INSERT INTO history_events (namespace_id, workflow_id, run_id, event_id, batch_id, data)
            SELECT p_namespace_id, p_workflow_id, p_run_id, e.event_id, e.batch_id, e.data
            FROM unnest(p_event_ids, p_batch_ids, p_events) AS e (event_id, batch_id, data);
        END IF;
        IF cardinality(p_transfer_ids) > 0 THEN
          INSERT INTO transfer_tasks (shard_id, task_id, data)
            SELECT p_shard_id, t.task_id, t.data FROM unnest(p_transfer_ids, p_transfers) AS t (task_id, data);
        END IF;
        IF cardinality(p_timer_ids) > 0 THEN
          INSERT INTO timer_tasks (shard_id, fire_time, task_id, data)
            SELECT p_shard_id, t.fire_time, t.task_id, t.data FROM unnest(p_timer_fire_times, p_timer_ids, p_timers) AS t (fire_time, task_id, data);
        END IF;
        IF cardinality(p_obsolete_timer_ids) > 0 THEN
          DELETE FROM timer_tasks WHERE shard_id = p_shard_id AND task_id = ANY(p_obsolete_timer_ids);
        END IF;

        IF p_has_visibility THEN
          INSERT INTO visibility (${visibility.map(([name]) => name).join(', ')})
            VALUES (${visibility.map(([name]) => `v_${name}`).join(', ')})
            ON CONFLICT (${VISIBILITY_KEY.join(', ')}) DO UPDATE SET ${updated.map((name) => `${name} = excluded.${name}`).join(', ')};
        END IF;
      END
      $fn$;
  `;
}

/**
 * CREATE FUNCTION of migration 10: `kairos_try_write_execution`, kairos_write_execution with its
 * failure returned instead of raised (NULL when the write was made). Its own exception block
 * makes each write a subtransaction, so several writes go in one statement and one commit (see
 * ExecutionWriteBatches), each kept or refused alone. The answer is the SQLSTATE, the constraint
 * a violation names and the message, separated by newlines.
 */
export function tryWriteExecutionFunctionDdl(): string {
  const params = [...PARAMETERS, ...WRITE_FUNCTION_VISIBILITY_COLUMNS.map(([name, type]) => `v_${name} ${type}`)];
  const names = params.map((param) => param.split(' ')[0]);
  return `
      CREATE FUNCTION kairos_try_write_execution(${params.join(', ')}) RETURNS text LANGUAGE plpgsql AS $fn$
      DECLARE
        violated text;
      BEGIN
        PERFORM kairos_write_execution(${names.join(', ')});
        RETURN NULL;
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
        RETURN SQLSTATE || E'\\n' || coalesce(violated, '') || E'\\n' || SQLERRM;
      END
      $fn$;
  `;
}
