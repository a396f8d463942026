import { existsSync } from 'fs';
import { join } from 'path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseAndResolve, visibilitySchema } from '@kairos/visibility';
import { UnsupportedSchemaVersionError } from '../../src/errors';
import { migrate, readSchemaVersion } from '../../src/sqlite/migrate';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from '../../src/sqlite/schema';
import { openSqliteStore } from '../../src/sqlite/sqliteStore';
import { executionKey, executionWrite, memoBytes, namespaceRecord, visibilityRecord } from '../conformance/fixtures';
import { HAND_WRITTEN_SQLITE_MIGRATION_5 } from '../handWrittenVisibilityMigrations';
import { databaseFiles } from './databaseFiles';

const { dir, newFile } = databaseFiles();

describe('sqlite schema versioning', () => {
  it('creates the schema on a new file and records its version', async () => {
    const filename = newFile();
    const { store, schema } = openSqliteStore({ filename });
    await store.close();
    expect(schema).toEqual({ from: 0, to: SQLITE_SCHEMA_VERSION });
    const db = new Database(filename, { readonly: true });
    expect(readSchemaVersion(db)).toBe(SQLITE_SCHEMA_VERSION);
    expect(db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all()).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining([
        'namespaces',
        'shards',
        'executions',
        'current_executions',
        'history_events',
        'transfer_tasks',
        'timer_tasks',
        'task_queue_tasks',
        'cluster_members',
        'cluster_metadata',
        'schema_version',
        'visibility',
        'custom_search_attributes',
        'worker_heartbeats',
        'task_queue_configs',
        'api_keys',
      ]),
    );
    db.close();
  });

  it('has the visibility table @kairos/visibility compiles for, with the same indexes', () => {
    const db = new Database(':memory:');
    migrate(db);
    for (const ddl of visibilitySchema('sqlite', 'reference_visibility')) db.exec(ddl);
    const columns = (table: string) =>
      (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string; type: string; notnull: number; pk: number }>)
        .map(({ name, type, notnull, pk }) => ({ name, type, notnull, pk }))
        .sort((x, y) => x.name.localeCompare(y.name));
    const reference = columns('reference_visibility');
    expect(columns('visibility')).toEqual(expect.arrayContaining(reference));
    expect(columns('visibility').map((c) => c.name)).toEqual([...reference.map((c) => c.name), 'history_size_bytes'].sort());
    const indexes = (table: string) =>
      (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name").all(table) as Array<{ name: string; sql: string }>)
        .map((i) => i.sql.replace(/IF NOT EXISTS /, '').replace(new RegExp(table, 'g'), 'T').replace(/\s+/g, ' '));
    expect(indexes('visibility')).toEqual(indexes('reference_visibility'));
    db.close();
  });

  it('reopens without migrating again and keeps data', async () => {
    const filename = newFile();
    const first = openSqliteStore({ filename });
    await first.store.createNamespace(namespaceRecord('orders'));
    await first.store.close();
    const second = openSqliteStore({ filename });
    expect(second.schema).toEqual({ from: SQLITE_SCHEMA_VERSION, to: SQLITE_SCHEMA_VERSION });
    expect((await second.store.getNamespaceByName('orders'))!.info!.name).toBe('orders');
    await second.store.close();
    const db = new Database(filename, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM schema_version').pluck().get()).toBe(SQLITE_MIGRATIONS.length);
    db.close();
  });

  it('refuses a database written by a newer Kairos, with a clear message, and leaves it alone', async () => {
    const filename = newFile();
    await openSqliteStore({ filename }).store.close();
    const db = new Database(filename);
    db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)').run(SQLITE_SCHEMA_VERSION + 1, 'from the future', 0);
    db.close();

    let error: unknown;
    try {
      openSqliteStore({ filename });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UnsupportedSchemaVersionError);
    expect((error as UnsupportedSchemaVersionError).foundVersion).toBe(SQLITE_SCHEMA_VERSION + 1);
    expect((error as Error).message).toContain(`schema version ${SQLITE_SCHEMA_VERSION + 1} is newer than this Kairos supports (${SQLITE_SCHEMA_VERSION})`);
    expect((error as Error).message).toContain(filename);

    const after = new Database(filename, { readonly: true });
    expect(readSchemaVersion(after)).toBe(SQLITE_SCHEMA_VERSION + 1);
    after.close();
  });

  it('migrates an older schema step by step, keeping data', () => {
    const v1 = { version: 1, description: 'one', sql: 'CREATE TABLE a (x INTEGER NOT NULL)' };
    const v2 = { version: 2, description: 'two', sql: 'ALTER TABLE a ADD COLUMN y TEXT NOT NULL DEFAULT \'none\'' };
    const v3 = { version: 3, description: 'three', sql: 'CREATE TABLE b (z TEXT)' };
    const filename = newFile();
    const db = new Database(filename);
    expect(migrate(db, [v1])).toEqual({ from: 0, to: 1 });
    db.prepare('INSERT INTO a (x) VALUES (42)').run();
    expect(migrate(db, [v1, v2, v3])).toEqual({ from: 1, to: 3 });
    expect(db.prepare('SELECT x, y FROM a').get()).toEqual({ x: 42, y: 'none' });
    expect(db.prepare('SELECT version, description FROM schema_version ORDER BY version').all()).toEqual([
      { version: 1, description: 'one' },
      { version: 2, description: 'two' },
      { version: 3, description: 'three' },
    ]);
    expect(migrate(db, [v1, v2, v3])).toEqual({ from: 3, to: 3 });
    expect(() => migrate(db, [v1, v2])).toThrow(UnsupportedSchemaVersionError);
    db.close();
  });

  it('rolls back a failing migration and keeps the previous version', () => {
    const v1 = { version: 1, description: 'one', sql: 'CREATE TABLE a (x INTEGER)' };
    const broken = { version: 2, description: 'broken', sql: 'CREATE TABLE b (y INTEGER); CREATE TABLE a (x INTEGER)' };
    const db = new Database(':memory:');
    migrate(db, [v1]);
    expect(() => migrate(db, [v1, broken])).toThrow(/already exists/);
    expect(readSchemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'").pluck().get()).toBe(0);
    db.close();
  });

  it('rejects a migration list that is not numbered 1..N', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [{ version: 2, description: 'gap', sql: '' }])).toThrow(/numbered 1..N/);
    db.close();
  });

  it('refuses a database that is not a Kairos database', () => {
    const filename = newFile();
    const db = new Database(filename);
    db.exec('CREATE TABLE customers (id INTEGER)');
    db.close();
    expect(() => openSqliteStore({ filename })).toThrow(/not a Kairos database/);
  });

  it('creates missing parent directories of the file', async () => {
    const filename = join(dir, 'nested', 'deeper', 'kairos.db');
    const { store } = openSqliteStore({ filename });
    await store.close();
    expect(existsSync(filename)).toBe(true);
  });
});

describe('sqlite visibility table generated from one definition', () => {
  /** The schema as the hand-written migrations created it (and the later migrations on top). */
  const HAND_WRITTEN = [...SQLITE_MIGRATIONS.slice(0, 4), HAND_WRITTEN_SQLITE_MIGRATION_5, ...SQLITE_MIGRATIONS.slice(5)];

  /** Everything SQLite knows of a schema: each object's text, each table's columns, each index's keys. */
  function schemaOf(db: Database.Database) {
    const objects = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name <> 'sqlite_sequence' ORDER BY type, name").all() as Array<{
      type: string;
      name: string;
    }>;
    return {
      objects,
      columns: objects.filter((o) => o.type === 'table').map((t) => db.pragma(`table_xinfo(${t.name})`)),
      indexes: objects.filter((o) => o.type === 'index').map((i) => db.pragma(`index_xinfo(${i.name})`)),
      versions: db.prepare('SELECT version, description FROM schema_version ORDER BY version').all(),
    };
  }

  it('creates byte for byte the schema the hand-written migration 5 created', () => {
    const generated = new Database(':memory:');
    const handWritten = new Database(':memory:');
    try {
      migrate(generated);
      migrate(handWritten, HAND_WRITTEN);
      const schema = schemaOf(generated);
      expect(schema.objects.map((o) => o.name)).toEqual(expect.arrayContaining(['visibility', 'visibility_by_default_order', 'custom_search_attributes']));
      expect(schema).toEqual(schemaOf(handWritten));
    } finally {
      generated.close();
      handWritten.close();
    }
  });

  it('opens a database the hand-written migrations created as it is, and lists its rows', async () => {
    const filename = newFile();
    const db = new Database(filename);
    migrate(db, HAND_WRITTEN);
    db.close();
    const { store, schema } = openSqliteStore({ filename });
    try {
      expect(schema).toEqual({ from: SQLITE_SCHEMA_VERSION, to: SQLITE_SCHEMA_VERSION });
      const { rangeId } = await store.acquireShard(1, 'host-a', 60_000);
      const key = executionKey();
      const row = visibilityRecord(key, { closeTime: new Date(1_700_000_009_000), memo: memoBytes('old'), searchAttributes: { CustomerId: 'c-1' } });
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1], visibility: row }));
      const custom = new Map([['CustomerId', 'Keyword' as const]]);
      expect((await store.listVisibility({ namespaceId: key.namespaceId, query: parseAndResolve("CustomerId = 'c-1'", custom), pageSize: 5 })).executions).toEqual([row]);
    } finally {
      await store.close();
    }
  });
});
