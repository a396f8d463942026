/**
 * The visibility table the SQL compiler targets, defined once: columns with their type in each
 * dialect, primary key and indexes. Every DDL for it (the reference schema below, the stores'
 * migrations) is generated from this definition, so the dialects and their users cannot drift.
 */
import { MAX_CLOSE_TIME_MS, type Dialect } from './sql';

export interface ColumnDefinition {
  name: string;
  /** The column's type as each dialect spells it. */
  type: Readonly<Record<Dialect, string>>;
  notNull?: boolean;
  /** A default value, as SQL. */
  default?: string;
}

export interface IndexDefinition {
  /** The index is named `<table>_<suffix>`. */
  suffix: string;
  /** Columns or expressions, in order. The expressions match what the compiler emits, so planners use them. */
  keys: readonly string[];
  /** Access method (PostgreSQL `USING`); the default B-tree when absent. */
  using?: string;
  /** Only these dialects get the index (every dialect when absent). */
  dialects?: readonly Dialect[];
}

export interface TableDefinition {
  columns: readonly ColumnDefinition[];
  primaryKey: readonly string[];
  indexes: readonly IndexDefinition[];
}

const TEXT = { sqlite: 'TEXT', postgres: 'text' } as const;
/** Milliseconds since the epoch, counts and sizes. */
const BIG = { sqlite: 'INTEGER', postgres: 'bigint' } as const;

export const VISIBILITY_TABLE: TableDefinition = {
  columns: [
    { name: 'namespace_id', type: TEXT, notNull: true },
    { name: 'run_id', type: TEXT, notNull: true },
    { name: 'workflow_id', type: TEXT, notNull: true },
    { name: 'workflow_type', type: TEXT, notNull: true },
    // WorkflowExecutionStatus number.
    { name: 'status', type: { sqlite: 'INTEGER', postgres: 'integer' }, notNull: true },
    { name: 'start_time', type: BIG, notNull: true },
    // NULL while the run is open.
    { name: 'close_time', type: BIG },
    { name: 'execution_time', type: BIG, notNull: true },
    { name: 'task_queue', type: TEXT, notNull: true },
    { name: 'history_length', type: BIG, notNull: true, default: '0' },
    { name: 'parent_workflow_id', type: TEXT },
    { name: 'parent_run_id', type: TEXT },
    { name: 'root_workflow_id', type: TEXT, notNull: true },
    { name: 'root_run_id', type: TEXT, notNull: true },
    // An encoded temporal.api.common.v1.Memo.
    { name: 'memo', type: { sqlite: 'BLOB', postgres: 'bytea' } },
    // {"Name": typed value} of the predefined and custom search attributes.
    { name: 'search_attributes', type: { sqlite: 'TEXT', postgres: 'jsonb' } },
  ],
  primaryKey: ['namespace_id', 'run_id'],
  indexes: [
    { suffix: 'by_default_order', keys: ['namespace_id', `COALESCE(close_time, ${MAX_CLOSE_TIME_MS}) DESC`, 'start_time DESC', 'run_id'] },
    { suffix: 'by_workflow_id', keys: ['namespace_id', 'workflow_id'] },
    { suffix: 'by_workflow_type', keys: ['namespace_id', 'workflow_type'] },
    { suffix: 'by_status', keys: ['namespace_id', 'status'] },
    // Serves KeywordList membership (search_attributes @> {"Name": ["value"]}).
    { suffix: 'search_attributes', keys: ['search_attributes jsonb_path_ops'], using: 'gin', dialects: ['postgres'] },
  ],
};

export interface VisibilityDdlOptions {
  /** Table name (default `visibility`). */
  table?: string;
  /** `CREATE … IF NOT EXISTS`. */
  ifNotExists?: boolean;
  /** Columns a store keeps beyond the base table (e.g. history_size_bytes), after the base ones. */
  extraColumns?: readonly ColumnDefinition[];
}

/**
 * The statements creating the visibility table and its indexes in `dialect`. Columns are aligned
 * and indented as the stores' hand-written migrations were: SQLite keeps a table's CREATE text
 * as its definition (sqlite_master), which is thereby the same for databases created before and
 * after the DDL was generated.
 */
export function visibilityTableDdl(dialect: Dialect, options: VisibilityDdlOptions = {}): string[] {
  const table = options.table ?? 'visibility';
  const ifNotExists = options.ifNotExists ? 'IF NOT EXISTS ' : '';
  const columns = [...VISIBILITY_TABLE.columns, ...(options.extraColumns ?? [])];
  const nameWidth = Math.max(...columns.map((c) => c.name.length)) + 1;
  const typeWidth = Math.max(...columns.map((c) => c.type[dialect].length)) + 1;
  const lines = columns.map((c) => {
    const constraints = [c.notNull ? 'NOT NULL' : '', c.default !== undefined ? `DEFAULT ${c.default}` : ''].filter(Boolean).join(' ');
    const type = c.type[dialect];
    return c.name.padEnd(nameWidth) + (constraints ? `${type.padEnd(typeWidth)}${constraints}` : type);
  });
  lines.push(`PRIMARY KEY (${VISIBILITY_TABLE.primaryKey.join(', ')})`);
  const createTable = `CREATE TABLE ${ifNotExists}${table} (\n${lines.map((line) => `        ${line}`).join(',\n')}\n      )`;
  const indexes = VISIBILITY_TABLE.indexes
    .filter((index) => !index.dialects || index.dialects.includes(dialect))
    .map(
      (index) =>
        `CREATE INDEX ${ifNotExists}${table}_${index.suffix} ON ${table}${index.using ? ` USING ${index.using}` : ''} (${index.keys.join(', ')})`,
    );
  return [createTable, ...indexes];
}
