import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConformance } from '../conformance/storeConformance';
import { currentRecord, executionKey, executionWrite, namespaceRecord, taskQueueTask } from '../conformance/fixtures';
import {
  ConditionFailedError,
  CurrentExecutionConflictError,
  SchemaUpdateRequiredError,
  ShardOwnershipLostError,
  UnsupportedSchemaVersionError,
} from '../errors';
import type { Store } from '../store';
import { visibilitySchema } from '@kairos/visibility';
import { checkPostgresSchema, migratePostgres, readPostgresSchemaVersion } from './migrate';
import { openPostgresStore } from './postgresStore';
import { createPostgresPool, inTransaction, isDatabaseUnavailable } from './connection';
import { isApiError } from '@kairos/common/errors';
import { Status } from 'nice-grpc-common';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION, type PostgresMigration } from './schema';
import { startPostgresServer, type PostgresServer } from '@kairos/testing';

// Against a real PostgreSQL server started for this file (initdb + pg_ctl in a temporary
// directory); each store gets a schema of its own, the schema-versioning tests a database.
// Missing PostgreSQL binaries fail every test.

let starting: Promise<PostgresServer>;
beforeAll(async () => {
  starting = startPostgresServer();
  // A server that cannot start fails each test (with the reason), rather than leaving them skipped.
  await starting.catch(() => undefined);
}, 120_000);
afterAll(async () => {
  await (await starting.catch(() => undefined))?.stop();
});
/** The test server (each test awaits it, so a missing PostgreSQL fails every test). */
const pg = () => starting;

/** A new, empty place for a store (a schema of its own in a shared database), migrated to the newest schema. */
async function migratedDatabase(): Promise<string> {
  const url = await (await pg()).createSchema();
  await migratePostgres(url);
  return url;
}

/** Runs `fn` with one plain connection to `url`. */
async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}

const urls = new WeakMap<Store, string>();
storeConformance('postgres', {
  async open() {
    const url = await migratedDatabase();
    const { store } = await openPostgresStore({ url });
    urls.set(store, url);
    return store;
  },
  async reopen(closed) {
    const url = urls.get(closed)!;
    const { store } = await openPostgresStore({ url });
    urls.set(store, url);
    return store;
  },
});

const step = (version: number, sql: string): PostgresMigration => ({ version, description: `step ${version}`, sql });

describe('postgres schema versioning', () => {
  it('creates the schema on a new database and records its version', async () => {
    const url = await (await pg()).createDatabase();
    expect(await readPostgresSchemaVersion(url)).toBe(0);
    expect(await migratePostgres(url)).toEqual({ from: 0, to: POSTGRES_SCHEMA_VERSION });
    expect(await readPostgresSchemaVersion(url)).toBe(POSTGRES_SCHEMA_VERSION);
    await withClient(url, async (client) => {
      const versions = await client.query('SELECT version, description FROM schema_version ORDER BY version');
      expect(versions.rows).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version, description: m.description })));
      const tables = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
      expect(tables.rows.map((r) => r.table_name)).toEqual([
        'cluster_members',
        'current_executions',
        'custom_search_attributes',
        'executions',
        'history_events',
        'namespaces',
        'schema_version',
        'shards',
        'task_queue_tasks',
        'task_queues',
        'timer_tasks',
        'transfer_tasks',
        'visibility',
      ]);
      // The visibility table has every column @kairos/visibility's SQL expects, with its types.
      for (const ddl of visibilitySchema('postgres', 'reference_visibility')) await client.query(ddl);
      const columns = async (table: string) =>
        (
          await client.query(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name",
            [table],
          )
        ).rows;
      const reference = await columns('reference_visibility');
      expect(reference.length).toBeGreaterThan(10);
      expect(await columns('visibility')).toEqual(expect.arrayContaining(reference));
      expect((await columns('visibility')).map((c) => c.column_name)).toEqual([...reference.map((c) => c.column_name), 'history_size_bytes'].sort());
    });
    const { store, schemaVersion } = await openPostgresStore({ url });
    expect(schemaVersion).toBe(POSTGRES_SCHEMA_VERSION);
    await store.close();
  });

  it('changes nothing when run again, keeping data', async () => {
    const url = await migratedDatabase();
    const first = await openPostgresStore({ url });
    await first.store.createNamespace(namespaceRecord('orders'));
    await first.store.close();
    expect(await migratePostgres(url)).toEqual({ from: POSTGRES_SCHEMA_VERSION, to: POSTGRES_SCHEMA_VERSION });
    const second = await openPostgresStore({ url });
    expect((await second.store.getNamespaceByName('orders'))!.info!.name).toBe('orders');
    await second.store.close();
    expect(await withClient(url, async (c) => (await c.query('SELECT COUNT(*)::int AS n FROM schema_version')).rows[0].n)).toBe(POSTGRES_MIGRATIONS.length);
  });

  it('migrates an older schema to the newest in one run, step by step, keeping data', async () => {
    const url = await (await pg()).createDatabase();
    const v1 = step(1, 'CREATE TABLE a (x integer NOT NULL)');
    const v2 = step(2, "ALTER TABLE a ADD COLUMN y text NOT NULL DEFAULT 'none'");
    const v3 = step(3, 'CREATE TABLE b (z text)');
    expect(await migratePostgres(url, { migrations: [v1] })).toEqual({ from: 0, to: 1 });
    await withClient(url, (c) => c.query('INSERT INTO a (x) VALUES (42)'));
    expect(await migratePostgres(url, { migrations: [v1, v2, v3] })).toEqual({ from: 1, to: 3 });
    await withClient(url, async (c) => {
      expect((await c.query('SELECT x, y FROM a')).rows).toEqual([{ x: 42, y: 'none' }]);
      expect((await c.query('SELECT version, description FROM schema_version ORDER BY version')).rows).toEqual([
        { version: 1, description: 'step 1' },
        { version: 2, description: 'step 2' },
        { version: 3, description: 'step 3' },
      ]);
      expect((await c.query("SELECT to_regclass('b') IS NOT NULL AS found")).rows[0].found).toBe(true);
    });
  });

  it('refuses to open a database without the schema, naming the command that creates it', async () => {
    const url = await (await pg()).createDatabase();
    const err = await rejection(openPostgresStore({ url }));
    expect(err).toBeInstanceOf(SchemaUpdateRequiredError);
    expect((err as SchemaUpdateRequiredError).foundVersion).toBe(0);
    expect(err.message).toContain(`no Kairos schema, this Kairos needs version ${POSTGRES_SCHEMA_VERSION}`);
    expect(err.message).toContain(`run \`kairos schema update --store ${url}\``);
    expect(await readPostgresSchemaVersion(url)).toBe(0);
  });

  it('refuses an older schema, naming the command that updates it', async () => {
    const url = await (await pg()).createDatabase();
    const v1 = step(1, 'CREATE TABLE a (x integer)');
    await migratePostgres(url, { migrations: [v1] });
    const err = await rejection(withClient(url, (c) => checkPostgresSchema(c, url, [v1, step(2, 'CREATE TABLE b (y integer)')])));
    expect(err).toBeInstanceOf(SchemaUpdateRequiredError);
    expect((err as SchemaUpdateRequiredError).foundVersion).toBe(1);
    expect((err as SchemaUpdateRequiredError).requiredVersion).toBe(2);
    expect(err.message).toContain(`schema version 1, this Kairos needs version 2; run \`kairos schema update --store ${url}\``);
  });

  it('refuses a schema newer than it knows, with a clear message, and leaves it alone', async () => {
    const url = await migratedDatabase();
    const newer = POSTGRES_SCHEMA_VERSION + 1;
    await withClient(url, (c) => c.query("INSERT INTO schema_version (version, description) VALUES ($1, 'from the future')", [newer]));

    const opening = await rejection(openPostgresStore({ url }));
    expect(opening).toBeInstanceOf(UnsupportedSchemaVersionError);
    expect((opening as UnsupportedSchemaVersionError).foundVersion).toBe(newer);
    expect(opening.message).toContain(`PostgreSQL database ${url}: schema version ${newer} is newer than this Kairos supports (${POSTGRES_SCHEMA_VERSION})`);

    const migrating = await rejection(migratePostgres(url));
    expect(migrating).toBeInstanceOf(UnsupportedSchemaVersionError);
    expect(await readPostgresSchemaVersion(url)).toBe(newer);
  });

  it('lets concurrent migrators apply each step exactly once', async () => {
    const url = await (await pg()).createDatabase();
    // Slow steps, so the runs overlap for sure.
    const migrations = [step(1, 'CREATE TABLE a (x integer); SELECT pg_sleep(0.3)'), step(2, 'ALTER TABLE a ADD COLUMN y integer; SELECT pg_sleep(0.3)')];
    const results = await Promise.all([migratePostgres(url, { migrations }), migratePostgres(url, { migrations }), migratePostgres(url, { migrations })]);
    expect(results.sort((x, y) => x.from - y.from)).toEqual([
      { from: 0, to: 2 },
      { from: 2, to: 2 },
      { from: 2, to: 2 },
    ]);
    expect(await withClient(url, async (c) => (await c.query('SELECT version FROM schema_version ORDER BY version')).rows)).toEqual([
      { version: 1 },
      { version: 2 },
    ]);
  });

  it('lets concurrent migrators of the real schema create it once', async () => {
    const url = await (await pg()).createDatabase();
    const results = await Promise.all([migratePostgres(url), migratePostgres(url)]);
    expect(results.map((r) => r.from).sort()).toEqual([0, POSTGRES_SCHEMA_VERSION]);
    expect(await readPostgresSchemaVersion(url)).toBe(POSTGRES_SCHEMA_VERSION);
  });

  it('waits for locks held by running traffic without blocking it for long, then applies the step', async () => {
    const url = await (await pg()).createDatabase();
    const v1 = step(1, 'CREATE TABLE a (x integer)');
    await migratePostgres(url, { migrations: [v1] });
    const busy = new Client({ connectionString: url });
    await busy.connect();
    try {
      // A long transaction of the "cluster" holds a lock the ALTER TABLE needs.
      await busy.query('BEGIN');
      await busy.query('SELECT * FROM a');
      const migrating = migratePostgres(url, { migrations: [v1, step(2, 'ALTER TABLE a ADD COLUMN y integer')], lockTimeoutMs: 50 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      // Meanwhile other sessions are not queued behind the migration: their reads go through.
      const started = Date.now();
      await withClient(url, (c) => c.query('SELECT * FROM a'));
      expect(Date.now() - started).toBeLessThan(300);
      expect(await readPostgresSchemaVersion(url)).toBe(1);
      await busy.query('COMMIT');
      expect(await migrating).toEqual({ from: 1, to: 2 });
    } finally {
      await busy.end();
    }
  });

  it('rolls back a failing migration and keeps the previous version', async () => {
    const url = await (await pg()).createDatabase();
    const v1 = step(1, 'CREATE TABLE a (x integer)');
    await migratePostgres(url, { migrations: [v1] });
    const broken = step(2, 'CREATE TABLE b (y integer); CREATE TABLE a (x integer)');
    const err = await rejection(migratePostgres(url, { migrations: [v1, broken] }));
    expect(err.message).toMatch(/migration 2 \(step 2\) failed: relation "a" already exists/);
    expect(await readPostgresSchemaVersion(url)).toBe(1);
    expect(await withClient(url, async (c) => (await c.query("SELECT to_regclass('b') IS NULL AS absent")).rows[0].absent)).toBe(true);
  });

  it('rejects a migration list that is not numbered 1..N', async () => {
    const url = await (await pg()).createDatabase();
    await expect(migratePostgres(url, { migrations: [step(2, 'SELECT 1')] })).rejects.toThrow(/numbered 1..N/);
    expect(await readPostgresSchemaVersion(url)).toBe(0);
  });

  it('refuses a database that is not a Kairos database', async () => {
    const url = await (await pg()).createDatabase();
    await withClient(url, (c) => c.query('CREATE TABLE customers (id integer)'));
    await expect(migratePostgres(url)).rejects.toThrow(/not a Kairos database \(it has tables customers but no schema_version\)/);
    expect(await readPostgresSchemaVersion(url)).toBe(0);
  });

  it('never shows the password of the URL in its messages', async () => {
    const plain = await (await pg()).createDatabase();
    const url = plain.replace('kairos@', 'kairos:s3cret@'); // trust authentication ignores it
    const err = await rejection(openPostgresStore({ url }));
    expect(err).toBeInstanceOf(SchemaUpdateRequiredError);
    expect(err.message).not.toContain('s3cret');
    expect(err.message).toContain('kairos schema update --store postgres://kairos:***@127.0.0.1:');
  });

  it('fails to open with the address when the server cannot be reached', async () => {
    const url = `postgres://kairos@127.0.0.1:1/nowhere`;
    await expect(openPostgresStore({ url })).rejects.toThrow(/cannot open PostgreSQL database postgres:\/\/kairos@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/);
    await expect(migratePostgres(url)).rejects.toThrow(/cannot connect to PostgreSQL database postgres:\/\/kairos@127\.0\.0\.1:1\/nowhere/);
  });
});

describe('postgres with two stores on one database (several processes)', () => {
  /** Two stores (each its own pool of connections) on one new database; both hold the shard's current lease. */
  async function twoStores(): Promise<{ a: Store; b: Store; rangeId: number; url: string; close: () => Promise<void> }> {
    const url = await migratedDatabase();
    const a = (await openPostgresStore({ url })).store;
    const b = (await openPostgresStore({ url })).store;
    const { rangeId } = await a.acquireShard(1, 'host-a', 60_000);
    return { a, b, rangeId, url, close: async () => void (await Promise.all([a.close(), b.close()])) };
  }

  it('ends a session frozen inside a transaction, so the shard row it locked is taken over; the frozen writer then fails as unavailable, without crashing', async () => {
    const { b, close, url } = await twoStores();
    const pool = createPostgresPool(url);
    let takenOver!: () => void;
    const takeover = new Promise<void>((resolve) => (takenOver = resolve));
    let rowLocked!: () => void;
    const locked = new Promise<void>((resolve) => (rowLocked = resolve));
    try {
      // A process paused mid-write: its transaction holds the shard row and sends nothing more
      // until the other store has taken the shard over.
      const frozenWrite = inTransaction(pool, async (client) => {
        await client.query('SELECT range_id FROM shards WHERE shard_id = 1 FOR UPDATE');
        rowLocked();
        await takeover;
        await new Promise((resolve) => setTimeout(resolve, 200)); // the session's end reaches the client first
        await client.query('UPDATE shards SET owner = $1 WHERE shard_id = 1', ['host-frozen']);
      });
      await locked;
      const lease = await b.acquireShard(1, 'host-b', 60_000);
      takenOver();
      expect(lease.owner).toBe('host-b');
      const err = await rejection(frozenWrite);
      expect(isDatabaseUnavailable(err)).toBe(true);
      expect((await b.renewShard(1, lease.rangeId, 'host-b', 60_000)).owner).toBe('host-b');
    } finally {
      await pool.end();
      await close();
    }
  }, 30_000);

  it('answers UNAVAILABLE (which the SDKs retry), not INTERNAL, when no connection frees up in time', async () => {
    const { close, url } = await twoStores();
    const small = (await openPostgresStore({ url, poolSize: 1 })).store;
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      // Another session keeps the shard row locked while busy (not idle, so it is not ended):
      // the store's only connection waits on the lock, and its next call finds no connection.
      await holder.query('BEGIN');
      await holder.query('SELECT range_id FROM shards WHERE shard_id = 1 FOR UPDATE');
      const busy = holder.query('SELECT pg_sleep(14)');
      const waiting = small.acquireShard(1, 'host-c', 60_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const err = await rejection(small.getExecution(executionKey()));
      expect(isApiError(err) && err.code).toBe(Status.UNAVAILABLE);
      expect(err.message).toMatch(/^persistence unavailable: /);
      await busy;
      await holder.query('COMMIT');
      expect((await waiting).owner).toBe('host-c');
      expect(isDatabaseUnavailable(new Error('syntax error at or near "SELEC"'))).toBe(false);
    } finally {
      await holder.end();
      await small.close();
      await close();
    }
  }, 40_000);

  it('lets exactly one of racing conditional updates from both stores win', async () => {
    const { a, b, rangeId, close } = await twoStores();
    try {
      const key = executionKey();
      await a.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2, 3], currentExecution: { mode: 'create', record: currentRecord(key) } }));
      const settled = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? a : b).writeExecution(executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4, 5], transfers: 1 })),
        ),
      );
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(ConditionFailedError);
      expect((await b.getExecution(key))!.dbVersion).toBe(2);
      expect((await a.readHistory(key, 1, 100, 0)).map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5]);
      expect(await b.getTransferTasks(1, 0, 0)).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('lets exactly one of racing creates of one workflow id from both stores win', async () => {
    const { a, b, rangeId, close } = await twoStores();
    try {
      const keys = Array.from({ length: 8 }, (_, i) => executionKey('ns-1', 'wf-race', `run-${i}`));
      const settled = await Promise.allSettled(
        keys.map((key, i) =>
          (i % 2 ? a : b).writeExecution(
            executionWrite(key, { shardId: 1, rangeId, eventIds: [1], transfers: 1, currentExecution: { mode: 'create', record: currentRecord(key) } }),
          ),
        ),
      );
      const winners = keys.filter((_, i) => settled[i]!.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const s of settled) {
        if (s.status === 'rejected') {
          expect(s.reason).toBeInstanceOf(CurrentExecutionConflictError);
          expect((s.reason as CurrentExecutionConflictError).current?.runId).toBe(winners[0]!.runId);
        }
      }
      for (const key of keys) expect(!!(await a.getExecution(key))).toBe(key === winners[0]);
      expect(await a.getTransferTasks(1, 0, 0)).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('fences a store out at the moment another acquires the shard: none of its writes commits after that', async () => {
    const { a, b, rangeId, close } = await twoStores();
    try {
      const keys = Array.from({ length: 40 }, () => executionKey());
      const written = async () => (await Promise.all(keys.map((k) => b.getExecution(k)))).filter(Boolean).length;
      // Writes of the old owner, issued over time while the new owner acquires.
      const writes = Promise.allSettled(
        keys.map(async (key, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * 3));
          return a.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1], transfers: 1, timerFireTimes: [new Date(1)] }));
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 40));
      const lease = await b.acquireShard(1, 'host-b', 60_000);
      const atAcquisition = await written();
      const settled = await writes;

      expect(await written()).toBe(atAcquisition);
      const succeeded = settled.filter((s) => s.status === 'fulfilled').length;
      expect(succeeded).toBe(atAcquisition);
      expect(succeeded).toBeGreaterThan(0);
      expect(succeeded).toBeLessThan(keys.length);
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(ShardOwnershipLostError);
      expect(await b.getTransferTasks(1, 0, 0)).toHaveLength(succeeded);

      // The new owner's task ids continue above everything the old owner wrote.
      const oldIds = settled.flatMap((s) => (s.status === 'fulfilled' ? [...s.value.transferTaskIds, ...s.value.timerTaskIds] : []));
      const next = await b.writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId: lease.rangeId, eventIds: [1], transfers: 1 }));
      expect(next.transferTaskIds[0]).toBeGreaterThan(Math.max(0, ...oldIds));
    } finally {
      await close();
    }
  });

  it('makes task ids of one shard visible in increasing order, so a reader after its last id misses none', async () => {
    const { a, b, rangeId, close } = await twoStores();
    try {
      const seen: number[] = [];
      let writing = true;
      const reader = (async () => {
        let after = 0;
        for (;;) {
          const done = !writing;
          for (const t of await b.getTransferTasks(1, after, 0)) {
            seen.push(t.taskId);
            after = t.taskId;
          }
          if (done) return;
        }
      })();
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 ? a : b).writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1], transfers: 2, timerFireTimes: [new Date(5)] })),
        ),
      );
      writing = false;
      await reader;
      const ids = results.flatMap((r) => [...r.transferTaskIds, ...r.timerTaskIds]);
      expect(new Set(ids).size).toBe(180);
      const transferIds = results.flatMap((r) => r.transferTaskIds).sort((x, y) => x - y);
      expect(seen).toEqual(transferIds);
    } finally {
      await close();
    }
  });

  it('gives task queue ids from both stores that are unique and visible in increasing order', async () => {
    const { a, b, close } = await twoStores();
    try {
      const range = await a.acquireTaskQueue('ns-1', 'orders', 'workflow', 'matching-a');
      const seen: number[] = [];
      let adding = true;
      const reader = (async () => {
        let after = 0;
        for (;;) {
          const done = !adding;
          for (const t of await a.getTaskQueueTasks('ns-1', 'orders', 'workflow', after, 0)) {
            seen.push(t.taskId);
            after = t.taskId;
          }
          if (done) return;
        }
      })();
      const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask(`t${i}`), range)));
      adding = false;
      await reader;
      expect(new Set(ids).size).toBe(60);
      expect(seen).toEqual([...ids].sort((x, y) => x - y));
    } finally {
      await close();
    }
  });
});
