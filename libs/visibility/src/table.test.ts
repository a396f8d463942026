import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { visibilitySchema } from './schema';
import { VISIBILITY_TABLE, visibilityTableDdl } from './table';

describe('visibility table DDL from one definition', () => {
  it('gives each dialect the columns in order with its own types, the primary key and its indexes', () => {
    const [sqliteTable, ...sqliteIndexes] = visibilityTableDdl('sqlite');
    const [postgresTable, ...postgresIndexes] = visibilityTableDdl('postgres');
    const columnLines = (ddl: string) => ddl.split('\n').slice(1, -2).map((line) => line.trim().replace(/,$/, '').split(/\s+/));
    expect(columnLines(sqliteTable!).map(([name]) => name)).toEqual(VISIBILITY_TABLE.columns.map((c) => c.name));
    expect(columnLines(postgresTable!).map(([name]) => name)).toEqual(VISIBILITY_TABLE.columns.map((c) => c.name));
    expect(columnLines(sqliteTable!).find(([name]) => name === 'start_time')).toEqual(['start_time', 'INTEGER', 'NOT', 'NULL']);
    expect(columnLines(postgresTable!).find(([name]) => name === 'search_attributes')).toEqual(['search_attributes', 'jsonb']);
    expect(sqliteTable).toMatch(/PRIMARY KEY \(namespace_id, run_id\)\n {6}\)$/);
    expect(sqliteIndexes).toEqual([
      'CREATE INDEX visibility_by_default_order ON visibility (namespace_id, COALESCE(close_time, 253402300799000) DESC, start_time DESC, run_id)',
      'CREATE INDEX visibility_by_workflow_id ON visibility (namespace_id, workflow_id)',
      'CREATE INDEX visibility_by_workflow_type ON visibility (namespace_id, workflow_type)',
      'CREATE INDEX visibility_by_status ON visibility (namespace_id, status)',
    ]);
    // The GIN index serving KeywordList membership exists only where the operator does.
    expect(postgresIndexes).toEqual([...sqliteIndexes, 'CREATE INDEX visibility_search_attributes ON visibility USING gin (search_attributes jsonb_path_ops)']);
  });

  it('puts a store\'s extra columns after the base ones, aligned with them', () => {
    const [table] = visibilityTableDdl('sqlite', {
      table: 'runs',
      extraColumns: [{ name: 'history_size_bytes', type: { sqlite: 'INTEGER', postgres: 'bigint' }, notNull: true, default: '0' }],
    });
    expect(table).toContain('CREATE TABLE runs (\n        namespace_id       TEXT    NOT NULL,\n');
    expect(table).toContain('        search_attributes  TEXT,\n        history_size_bytes INTEGER NOT NULL DEFAULT 0,\n        PRIMARY KEY');
  });

  it('gives reference DDL that SQLite runs, again without error (IF NOT EXISTS)', () => {
    const db = new Database(':memory:');
    try {
      for (let i = 0; i < 2; i++) for (const ddl of visibilitySchema('sqlite', 'reference')) db.exec(ddl);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'reference' AND type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all()).toEqual([
        'reference_by_default_order',
        'reference_by_status',
        'reference_by_workflow_id',
        'reference_by_workflow_type',
      ]);
    } finally {
      db.close();
    }
  });
});
