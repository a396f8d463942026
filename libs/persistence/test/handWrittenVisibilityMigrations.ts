/**
 * The visibility migrations as they were written by hand (SQLite 5, PostgreSQL 4), before the
 * visibility table's DDL was generated from one definition. Frozen: the schema tests check that
 * the generated migrations create exactly what these created.
 */

export const HAND_WRITTEN_SQLITE_MIGRATION_5 = {
  version: 5,
  description: 'visibility rows and custom search attributes',
  sql: `
      -- One row per run, written in the transaction of the execution write that started, closed
      -- or re-indexed it (@kairos/visibility's visibilitySchema('sqlite'), plus
      -- history_size_bytes). Times in Unix milliseconds; status is the WorkflowExecutionStatus
      -- number; memo an encoded temporal.api.common.v1.Memo; search_attributes JSON
      -- {"Name": typed value} of the predefined and custom attributes.
      CREATE TABLE visibility (
        namespace_id       TEXT    NOT NULL,
        run_id             TEXT    NOT NULL,
        workflow_id        TEXT    NOT NULL,
        workflow_type      TEXT    NOT NULL,
        status             INTEGER NOT NULL,
        start_time         INTEGER NOT NULL,
        close_time         INTEGER,
        execution_time     INTEGER NOT NULL,
        task_queue         TEXT    NOT NULL,
        history_length     INTEGER NOT NULL DEFAULT 0,
        parent_workflow_id TEXT,
        parent_run_id      TEXT,
        root_workflow_id   TEXT    NOT NULL,
        root_run_id        TEXT    NOT NULL,
        memo               BLOB,
        search_attributes  TEXT,
        history_size_bytes INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (namespace_id, run_id)
      );
      CREATE INDEX visibility_by_default_order ON visibility (namespace_id, COALESCE(close_time, 253402300799000) DESC, start_time DESC, run_id);
      CREATE INDEX visibility_by_workflow_id ON visibility (namespace_id, workflow_id);
      CREATE INDEX visibility_by_workflow_type ON visibility (namespace_id, workflow_type);
      CREATE INDEX visibility_by_status ON visibility (namespace_id, status);

      -- The custom search attributes of each namespace; type is the IndexedValueType shorthand
      -- (Keyword, Text, Int, Double, Bool, Datetime, KeywordList).
      CREATE TABLE custom_search_attributes (
        namespace_id TEXT NOT NULL,
        name         TEXT NOT NULL,
        type         TEXT NOT NULL,
        PRIMARY KEY (namespace_id, name)
      ) WITHOUT ROWID;
    `,
};

export const HAND_WRITTEN_POSTGRES_MIGRATION_4 = {
  version: 4,
  description: 'visibility rows and custom search attributes',
  sql: `
      -- One row per run, written in the transaction of the execution write that started, closed
      -- or re-indexed it (@kairos/visibility's visibilitySchema('postgres'), plus
      -- history_size_bytes). Times in Unix milliseconds; status is the WorkflowExecutionStatus
      -- number; memo an encoded temporal.api.common.v1.Memo; search_attributes
      -- {"Name": typed value} of the predefined and custom attributes.
      CREATE TABLE visibility (
        namespace_id       text   NOT NULL,
        run_id             text   NOT NULL,
        workflow_id        text   NOT NULL,
        workflow_type      text   NOT NULL,
        status             integer NOT NULL,
        start_time         bigint NOT NULL,
        close_time         bigint,
        execution_time     bigint NOT NULL,
        task_queue         text   NOT NULL,
        history_length     bigint NOT NULL DEFAULT 0,
        parent_workflow_id text,
        parent_run_id      text,
        root_workflow_id   text   NOT NULL,
        root_run_id        text   NOT NULL,
        memo               bytea,
        search_attributes  jsonb,
        history_size_bytes bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (namespace_id, run_id)
      );
      CREATE INDEX visibility_by_default_order ON visibility (namespace_id, COALESCE(close_time, 253402300799000) DESC, start_time DESC, run_id);
      CREATE INDEX visibility_by_workflow_id ON visibility (namespace_id, workflow_id);
      CREATE INDEX visibility_by_workflow_type ON visibility (namespace_id, workflow_type);
      CREATE INDEX visibility_by_status ON visibility (namespace_id, status);
      -- Serves KeywordList membership (search_attributes @> {"Name": ["value"]}).
      CREATE INDEX visibility_search_attributes ON visibility USING gin (search_attributes jsonb_path_ops);

      -- The custom search attributes of each namespace; type is the IndexedValueType shorthand.
      CREATE TABLE custom_search_attributes (
        namespace_id text NOT NULL,
        name         text NOT NULL,
        type         text NOT NULL CHECK (type IN ('Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList')),
        PRIMARY KEY (namespace_id, name)
      );
    `,
};
