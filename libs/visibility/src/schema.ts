/**
 * Reference DDL for the visibility table the SQL compiler targets, with the index serving the
 * default order. The expressions in the indexes match the ones buildListQuery emits, so the
 * planner can use them; adapt freely (see README for more indexes).
 */
import { MAX_CLOSE_TIME_MS, type Dialect } from './sql';

export function visibilitySchema(dialect: Dialect, table = 'visibility'): string[] {
  if (dialect === 'sqlite') {
    return [
      `CREATE TABLE IF NOT EXISTS ${table} (
        namespace_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        workflow_type TEXT NOT NULL,
        status INTEGER NOT NULL,
        start_time INTEGER NOT NULL,
        close_time INTEGER,
        execution_time INTEGER NOT NULL,
        task_queue TEXT NOT NULL,
        history_length INTEGER NOT NULL DEFAULT 0,
        parent_workflow_id TEXT,
        parent_run_id TEXT,
        root_workflow_id TEXT NOT NULL,
        root_run_id TEXT NOT NULL,
        memo BLOB,
        search_attributes TEXT,
        PRIMARY KEY (namespace_id, run_id)
      )`,
      `CREATE INDEX IF NOT EXISTS ${table}_by_default_order ON ${table} (namespace_id, COALESCE(close_time, ${MAX_CLOSE_TIME_MS}) DESC, start_time DESC, run_id)`,
      `CREATE INDEX IF NOT EXISTS ${table}_by_workflow_id ON ${table} (namespace_id, workflow_id)`,
      `CREATE INDEX IF NOT EXISTS ${table}_by_workflow_type ON ${table} (namespace_id, workflow_type)`,
      `CREATE INDEX IF NOT EXISTS ${table}_by_status ON ${table} (namespace_id, status)`,
    ];
  }
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      namespace_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      workflow_id TEXT NOT NULL,
      workflow_type TEXT NOT NULL,
      status INTEGER NOT NULL,
      start_time BIGINT NOT NULL,
      close_time BIGINT,
      execution_time BIGINT NOT NULL,
      task_queue TEXT NOT NULL,
      history_length BIGINT NOT NULL DEFAULT 0,
      parent_workflow_id TEXT,
      parent_run_id TEXT,
      root_workflow_id TEXT NOT NULL,
      root_run_id TEXT NOT NULL,
      memo BYTEA,
      search_attributes JSONB,
      PRIMARY KEY (namespace_id, run_id)
    )`,
    `CREATE INDEX IF NOT EXISTS ${table}_by_default_order ON ${table} (namespace_id, COALESCE(close_time, ${MAX_CLOSE_TIME_MS}) DESC, start_time DESC, run_id)`,
    `CREATE INDEX IF NOT EXISTS ${table}_by_workflow_id ON ${table} (namespace_id, workflow_id)`,
    `CREATE INDEX IF NOT EXISTS ${table}_by_workflow_type ON ${table} (namespace_id, workflow_type)`,
    `CREATE INDEX IF NOT EXISTS ${table}_by_status ON ${table} (namespace_id, status)`,
    // Serves KeywordList membership (search_attributes @> {"Name": ["value"]}).
    `CREATE INDEX IF NOT EXISTS ${table}_search_attributes ON ${table} USING gin (search_attributes jsonb_path_ops)`,
  ];
}
