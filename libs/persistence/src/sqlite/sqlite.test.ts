import { existsSync, mkdtempSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { storeConformance } from '../conformance/storeConformance';
import { currentRecord, executionKey, executionWrite, namespaceRecord } from '../conformance/fixtures';
import { ShardOwnershipLostError, UnsupportedSchemaVersionError } from '../errors';
import type { Store } from '../store';
import { migrate, readSchemaVersion } from './migrate';
import { visibilitySchema } from '@kairos/visibility';
import { SQLITE_PRAGMAS } from './pragmas';
import { SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION } from './schema';
import { openSqliteStore } from './sqliteStore';

const dir = mkdtempSync(join(tmpdir(), 'kairos-sqlite-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
const newFile = (): string => join(dir, `store-${++fileCounter}.db`);

storeConformance('sqlite :memory:', async () => openSqliteStore({ filename: ':memory:' }).store);

storeConformance('sqlite :memory: without group commit', async () => openSqliteStore({ filename: ':memory:', groupCommit: false }).store);

const files = new WeakMap<Store, string>();
storeConformance('sqlite file (WAL)', {
  async open() {
    const filename = newFile();
    const { store } = openSqliteStore({ filename });
    files.set(store, filename);
    return store;
  },
  async reopen(closed) {
    const filename = files.get(closed)!;
    const { store } = openSqliteStore({ filename });
    files.set(store, filename);
    return store;
  },
});

describe('sqlite pragmas', () => {
  it('reports the effective settings of a file database', async () => {
    const { store, pragmas } = openSqliteStore({ filename: newFile() });
    await store.close();
    expect(pragmas).toEqual({
      journal_mode: 'WAL',
      synchronous: 'NORMAL',
      busy_timeout: 5000,
      cache_size: -65536,
      temp_store: 'MEMORY',
      mmap_size: 268435456,
      journal_size_limit: 67108864,
      wal_autocheckpoint: 10000,
      foreign_keys: 'ON',
    });
    expect(SQLITE_PRAGMAS).toEqual(pragmas);
  });

  it('checkpoints inline with the default autocheckpoint when background checkpoints are off', async () => {
    const { store, pragmas, checkpoints } = openSqliteStore({ filename: newFile(), backgroundCheckpoint: false });
    await store.close();
    expect(checkpoints).toBe('inline');
    expect(pragmas.wal_autocheckpoint).toBe(1000);
  });

  it('applies synchronous=FULL on request', async () => {
    const { store, pragmas } = openSqliteStore({ filename: newFile(), synchronous: 'FULL' });
    await store.close();
    expect(pragmas.synchronous).toBe('FULL');
  });

  it('reports that an in-memory database has no WAL', async () => {
    const { store, pragmas, checkpoints } = openSqliteStore({ filename: ':memory:' });
    await store.close();
    expect(pragmas.journal_mode).toBe('MEMORY');
    expect(checkpoints).toBe('none');
  });
});

describe('sqlite background checkpoints', () => {
  /** Writes some executions and returns the size of the database file (not the WAL) after `waitMs`. */
  async function dbFileGrowth(backgroundCheckpoint: boolean, waitMs: number): Promise<{ before: number; after: number }> {
    const filename = newFile();
    const { store, checkpoints } = openSqliteStore({ filename, backgroundCheckpoint });
    expect(checkpoints).toBe(backgroundCheckpoint ? 'background' : 'inline');
    try {
      const { rangeId } = await store.acquireShard(1, 'h', 60_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = statSync(filename).size;
      await Promise.all(
        Array.from({ length: 50 }, () => store.writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1, 2, 3], transfers: 1 }))),
      );
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline && statSync(filename).size === before) await new Promise((resolve) => setTimeout(resolve, 50));
      return { before, after: statSync(filename).size };
    } finally {
      await store.close();
    }
  }

  it('copies committed pages into the database file from the worker thread', async () => {
    const { before, after } = await dbFileGrowth(true, 5000);
    expect(after).toBeGreaterThan(before);
  });

  it('leaves them in the WAL until the autocheckpoint threshold without it', async () => {
    const { before, after } = await dbFileGrowth(false, 500);
    expect(after).toBe(before);
  });

  it('removes the WAL on close once the worker stopped', async () => {
    const filename = newFile();
    const { store } = openSqliteStore({ filename });
    await store.createNamespace(namespaceRecord('orders'));
    expect(existsSync(`${filename}-wal`)).toBe(true);
    await store.close();
    expect(existsSync(`${filename}-wal`)).toBe(false);
  });
});

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
        'schema_version',
        'visibility',
        'custom_search_attributes',
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

describe('sqlite with two connections on one file (several processes)', () => {
  it('fences a writer whose shard another connection acquired, and each sees the other\'s commits', async () => {
    const filename = newFile();
    const a = openSqliteStore({ filename }).store;
    const b = openSqliteStore({ filename }).store;
    try {
      const leaseA = await a.acquireShard(1, 'host-a', 60_000);
      const key = executionKey();
      await a.writeExecution(
        executionWrite(key, { shardId: 1, rangeId: leaseA.rangeId, eventIds: [1], transfers: 1, currentExecution: { mode: 'create', record: currentRecord(key) } }),
      );
      expect((await b.getExecution(key))!.dbVersion).toBe(1);

      const leaseB = await b.acquireShard(1, 'host-b', 60_000);
      await expect(
        a.writeExecution(executionWrite(key, { shardId: 1, rangeId: leaseA.rangeId, expectedDbVersion: 1, eventIds: [2] })),
      ).rejects.toBeInstanceOf(ShardOwnershipLostError);
      await b.writeExecution(executionWrite(key, { shardId: 1, rangeId: leaseB.rangeId, expectedDbVersion: 1, eventIds: [2], transfers: 1 }));
      expect((await a.getExecution(key))!.dbVersion).toBe(2);
      const ids = (await a.getTransferTasks(1, 0, 0)).map((t) => t.taskId);
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBeGreaterThan(ids[0]!);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
