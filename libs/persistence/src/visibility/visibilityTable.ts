import { VISIBILITY_TABLE, visibilityTableDdl, type ColumnDefinition, type Dialect, type VisibilitySqlOptions } from '@kairos/visibility';

/**
 * Kairos's visibility table: @kairos/visibility's table (VISIBILITY_TABLE) plus the columns of
 * the system attributes the base table lacks. Both stores' migrations, their upserts and their
 * queries take the table from here.
 */

const EXTRA_COLUMNS: readonly ColumnDefinition[] = [
  { name: 'history_size_bytes', type: { sqlite: 'INTEGER', postgres: 'bigint' }, notNull: true, default: '0' },
];

/** Every column, in table order. */
export const VISIBILITY_COLUMNS: readonly string[] = [...VISIBILITY_TABLE.columns, ...EXTRA_COLUMNS].map((c) => c.name);

/** One row per run. */
export const VISIBILITY_PRIMARY_KEY: readonly string[] = VISIBILITY_TABLE.primaryKey;

/** The columns an upsert of an existing row changes: all but the primary key. */
export const VISIBILITY_UPDATED_COLUMNS: readonly string[] = VISIBILITY_COLUMNS.filter((c) => !VISIBILITY_PRIMARY_KEY.includes(c));

/** The column whose values are JSON (bound as jsonb on PostgreSQL). */
export const SEARCH_ATTRIBUTES_COLUMN = 'search_attributes';

/**
 * The statements creating the table and its indexes, separated for a multi-statement migration.
 * SQLite migration 5 and PostgreSQL migration 4 run them: changing the table means a new
 * migration, never an edit here (a test compares the result with the DDL those migrations had).
 */
export function visibilityTableMigration(dialect: Dialect): string {
  return visibilityTableDdl(dialect, { extraColumns: EXTRA_COLUMNS }).join(';\n      ');
}

/** Options for @kairos/visibility's compiler: our table also has HistorySizeBytes. */
export function visibilitySqlOptions(dialect: Dialect): VisibilitySqlOptions {
  return { dialect, table: 'visibility', extraColumns: { HistorySizeBytes: 'history_size_bytes' } };
}
