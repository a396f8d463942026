import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { parseAndResolve, visibilitySchema } from '@kairos/visibility';
import { SchemaUpdateRequiredError, UnsupportedSchemaVersionError } from '../../src/errors';
import { checkPostgresSchema, migratePostgres, readPostgresSchemaVersion } from '../../src/postgres/migrate';
import { redactPostgresUrl } from '../../src/postgres/connection';
import { openPostgresStore } from '../../src/postgres/postgresStore';
import { WRITE_FUNCTION_VISIBILITY_COLUMNS } from '../../src/postgres/executionWriteFunction';
import { VISIBILITY_COLUMNS } from '../../src/visibility/visibilityTable';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION, type PostgresMigration } from '../../src/postgres/schema';
import { executionKey, executionWrite, memoBytes, namespaceRecord, visibilityRecord } from '../conformance/fixtures';
import { HAND_WRITTEN_POSTGRES_MIGRATION_4 } from '../handWrittenVisibilityMigrations';
import { rejection, usePostgresServer, withClient } from './server';

const { pg, migratedDatabase } = usePostgresServer();

const step = (version: number, sql: string): PostgresMigration => ({ version, description: `step ${version}`, sql });

describe('postgres schema versioning', () => {
  it('has the execution write function take every visibility column (a new column needs a migration replacing it)', () => {
    expect(WRITE_FUNCTION_VISIBILITY_COLUMNS.map(([name]) => name)).toEqual(VISIBILITY_COLUMNS);
  });

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
        'api_keys',
        'cluster_members',
        'cluster_metadata',
        'current_executions',
        'custom_search_attributes',
        'executions',
        'history_events',
        'namespaces',
        'schema_version',
        'shards',
        'task_queue_configs',
        'task_queue_tasks',
        'task_queues',
        'timer_tasks',
        'transfer_tasks',
        'visibility',
        'visibility_count_deltas',
        'worker_heartbeats',
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
    expect(err.message).toContain(`run \`kairos schema update --store ${redactPostgresUrl(url)}\``);
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
    expect(err.message).toContain(`schema version 1, this Kairos needs version 2; run \`kairos schema update --store ${redactPostgresUrl(url)}\``);
  });

  it('refuses a schema newer than it knows, with a clear message, and leaves it alone', async () => {
    const url = await migratedDatabase();
    const newer = POSTGRES_SCHEMA_VERSION + 1;
    await withClient(url, (c) => c.query("INSERT INTO schema_version (version, description) VALUES ($1, 'from the future')", [newer]));

    const opening = await rejection(openPostgresStore({ url }));
    expect(opening).toBeInstanceOf(UnsupportedSchemaVersionError);
    expect((opening as UnsupportedSchemaVersionError).foundVersion).toBe(newer);
    expect(opening.message).toContain(`PostgreSQL database ${redactPostgresUrl(url)}: schema version ${newer} is newer than this Kairos supports (${POSTGRES_SCHEMA_VERSION})`);

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
    const server = await pg();
    const url = await server.createDatabase(); // with the server's password
    const err = await rejection(openPostgresStore({ url }));
    expect(err).toBeInstanceOf(SchemaUpdateRequiredError);
    expect(err.message).not.toContain(server.password);
    expect(err.message).toContain('kairos schema update --store postgres://kairos:***@127.0.0.1:');
  });

  it('fails to open with the address when the server cannot be reached', async () => {
    const url = `postgres://kairos@127.0.0.1:1/nowhere`;
    await expect(openPostgresStore({ url })).rejects.toThrow(/cannot open PostgreSQL database postgres:\/\/kairos@127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/);
    await expect(migratePostgres(url)).rejects.toThrow(/cannot connect to PostgreSQL database postgres:\/\/kairos@127\.0\.0\.1:1\/nowhere/);
  });
});

describe('postgres visibility table generated from one definition', () => {
  /** The schema as the hand-written migrations created it. */
  const HAND_WRITTEN = [...POSTGRES_MIGRATIONS.slice(0, 3), HAND_WRITTEN_POSTGRES_MIGRATION_4, ...POSTGRES_MIGRATIONS.slice(4)];

  /** The catalog's view of a database's schema: columns with types and defaults, indexes, constraints, versions. */
  async function schemaOf(url: string) {
    return withClient(url, async (c) => ({
      columns: (
        await c.query(
          `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default
           FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
        )
      ).rows,
      indexes: (await c.query('SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname')).rows,
      constraints: (
        await c.query(
          `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
           FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY conname`,
        )
      ).rows,
      versions: (await c.query('SELECT version, description FROM schema_version ORDER BY version')).rows,
    }));
  }

  it('creates exactly the schema the hand-written migration 4 created', async () => {
    const generated = await (await pg()).createDatabase();
    const handWritten = await (await pg()).createDatabase();
    await migratePostgres(generated);
    await migratePostgres(handWritten, { migrations: HAND_WRITTEN });
    const schema = await schemaOf(generated);
    expect(schema.indexes.map((i) => i.indexname)).toEqual(expect.arrayContaining(['visibility_by_default_order', 'visibility_search_attributes']));
    expect(schema.columns.filter((c) => c.table_name === 'visibility')).toHaveLength(17);
    expect(schema).toEqual(await schemaOf(handWritten));
  });

  it('opens a database the hand-written migrations created as it is, and lists its rows', async () => {
    const url = await (await pg()).createDatabase();
    await migratePostgres(url, { migrations: HAND_WRITTEN });
    expect(await migratePostgres(url)).toEqual({ from: POSTGRES_SCHEMA_VERSION, to: POSTGRES_SCHEMA_VERSION });
    const { store } = await openPostgresStore({ url });
    try {
      const { rangeId } = await store.acquireShard(1, 'host-a', 60_000);
      const key = executionKey();
      const row = visibilityRecord(key, { closeTime: new Date(1_700_000_009_000), memo: memoBytes('old'), searchAttributes: { Tags: ['a', 'b'] } });
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1], visibility: row }));
      const custom = new Map([['Tags', 'KeywordList' as const]]);
      expect((await store.listVisibility({ namespaceId: key.namespaceId, query: parseAndResolve("Tags = 'b'", custom), pageSize: 5 })).executions).toEqual([row]);
    } finally {
      await store.close();
    }
  });
});
