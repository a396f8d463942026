import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { overrideSettings } from '@kairos/common/settings';
import { buildCountQuery, parseAndResolve, type ResolvedQuery } from '@kairos/visibility';
import { migratePostgres } from '../../src/postgres/migrate';
import { openPostgresStore } from '../../src/postgres/postgresStore';
import { POSTGRES_MIGRATIONS } from '../../src/postgres/schema';
import { foldStatementText, foldVisibilityCounts } from '../../src/postgres/visibilityCounts';
import type { ExecutionKey, Store, VisibilityRecord } from '../../src/store';
import { visibilitySqlOptions } from '../../src/visibility/visibilityTable';
import { COMPLETED, currentRecord, executionKey, executionWrite, visibilityRecord } from '../conformance/fixtures';
import { usePostgresServer, withClient } from './server';

// Small, so a few dozen writes fold (the default is 1,000). Read by the stores this file opens.
const FOLD_EVERY = 20;
overrideSettings(new Map([['store.postgresVisibilityCountFold', FOLD_EVERY]]));

const { pg, migratedDatabase } = usePostgresServer();
const BY_STATUS = parseAndResolve('GROUP BY ExecutionStatus');
const ALL = parseAndResolve('');
const TERMINATED = 5;

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

async function open(url: string): Promise<Store> {
  const { store } = await openPostgresStore({ url });
  opened.push(store);
  return store;
}

/** Count as the compiled query computes it over every visibility row (what the sums must agree with). */
async function scanned(db: Pick<Client, 'query'>, namespaceId: string, query: ResolvedQuery = BY_STATUS) {
  const count = buildCountQuery(query, { namespaceId }, visibilitySqlOptions('postgres'));
  const result = count.readResult((await db.query({ text: count.sql, values: count.params })).rows);
  return { ...result, ...(result.groups ? { groups: [...result.groups].sort((a, b) => String(a.value).localeCompare(String(b.value))) } : {}) };
}

/** The count delta rows of a namespace (or all). */
async function deltaRows(db: Pick<Client, 'query'>, namespaceId?: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT COUNT(*)::integer AS n FROM visibility_count_deltas ${namespaceId ? 'WHERE namespace_id = $1' : ''}`,
    namespaceId ? [namespaceId] : [],
  );
  return rows[0]!.n;
}

const sortedGroups = <T extends { groups?: Array<{ value: unknown }> }>(r: T): T =>
  r.groups ? { ...r, groups: [...r.groups].sort((a, b) => String(a.value).localeCompare(String(b.value))) } : r;

/** Starts a run (events 1..2) with its visibility row. */
async function start(store: Store, shardId: number, rangeId: number, key: ExecutionKey, attrs: Record<string, unknown> = {}): Promise<VisibilityRecord> {
  const visibility = visibilityRecord(key, { searchAttributes: attrs as VisibilityRecord['searchAttributes'] });
  await store.writeExecution(executionWrite(key, { shardId, rangeId, eventIds: [1, 2], currentExecution: { mode: 'create', record: currentRecord(key) }, visibility }));
  return visibility;
}

/** Closes a run `start` wrote, with `status`. */
async function close(store: Store, shardId: number, rangeId: number, key: ExecutionKey, started: VisibilityRecord, status: number): Promise<void> {
  await store.writeExecution(
    executionWrite(key, {
      shardId,
      rangeId,
      expectedDbVersion: 1,
      eventIds: [3],
      status,
      currentExecution: { mode: 'update', record: currentRecord(key, status) },
      visibility: { ...started, status, closeTime: new Date(1_700_000_100_000) },
    }),
  );
}

const sqlState = (err: unknown) => (err as { code?: string }).code;

describe('postgres: Count without a filter sums the count deltas the triggers insert', () => {
  it('agrees with a scan of the rows through starts, closes, upserts, internal runs and deletes', async () => {
    const url = await migratedDatabase();
    const store = await open(url);
    const { rangeId } = await store.acquireShard(1, 'host-a', 60_000);
    const keys = ['a', 'b', 'c', 'd'].map((w) => executionKey('ns-1', w));
    const rows = new Map<string, VisibilityRecord>();
    for (const key of keys) rows.set(key.workflowId, await start(store, 1, rangeId, key));
    await start(store, 1, rangeId, executionKey('ns-2', 'other'));
    // An internal run (a scheduler's) is hidden from Count, as from List.
    await start(store, 1, rangeId, executionKey('ns-1', 'scheduler'), { TemporalNamespaceDivision: 'TemporalScheduler' });
    expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual({ count: 4, groups: [{ value: 'Running', count: 4 }] });

    // Close one (its upsert changes the status), re-index another (same status), delete a third.
    await close(store, 1, rangeId, keys[0]!, rows.get('a')!, COMPLETED);
    await store.writeExecution(executionWrite(keys[1]!, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], visibility: { ...rows.get('b')!, searchAttributes: { CustomerId: 'x' } } }));
    await store.deleteExecution({ shardId: 1, rangeId, key: keys[2]!, expectedDbVersion: 1 });

    const expected = { count: 3, groups: [{ value: 'Running', count: 2 }, { value: 'Completed', count: 1 }] };
    expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual(expected);
    await withClient(url, async (c) => {
      expect(await scanned(c, 'ns-1')).toEqual(sortedGroups(expected));
      // start ×5, close (-1 +1), delete (-1); the re-index wrote none. One internal +1.
      expect(await deltaRows(c, 'ns-1')).toBe(8);
    });
    expect(await store.countVisibility('ns-1', ALL)).toEqual({ count: 3 });
    expect(await store.countVisibility('ns-2', ALL)).toEqual({ count: 1 });
    expect(await store.countVisibility('ns-3', BY_STATUS)).toEqual({ count: 0, groups: [] });
    // With a filter, the rows are counted as before.
    expect(await store.countVisibility('ns-1', parseAndResolve("ExecutionStatus = 'Running'"))).toEqual({ count: 2 });
    expect(await store.countVisibility('ns-1', parseAndResolve("TemporalNamespaceDivision = 'TemporalScheduler'"))).toEqual({ count: 1 });

    // The unfiltered Count is the sum of the deltas, not a scan: a delta added behind the store's back shows.
    await withClient(url, async (c) => {
      await c.query("INSERT INTO visibility_count_deltas (namespace_id, status, divided, runs) VALUES ('ns-1', 2, false, 10), ('ns-1', 1, true, 5)");
      expect(await scanned(c, 'ns-1', ALL)).toEqual({ count: 3 });
    });
    expect(await store.countVisibility('ns-1', ALL)).toEqual({ count: 13 });
    expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual({ count: 13, groups: [{ value: 'Running', count: 2 }, { value: 'Completed', count: 11 }] });
  });

  it('a status whose runs are all gone is no group; a fold keeps every sum and drops the rows that cancel out', async () => {
    const url = await migratedDatabase();
    const store = await open(url);
    const { rangeId } = await store.acquireShard(1, 'host-a', 60_000);
    const key = executionKey('ns-1', 'once');
    const started = await start(store, 1, rangeId, key);
    await close(store, 1, rangeId, key, started, TERMINATED);
    await start(store, 1, rangeId, executionKey('ns-1', 'open'));
    expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual({ count: 2, groups: [{ value: 'Running', count: 1 }, { value: 'Terminated', count: 1 }] });
    await store.deleteExecution({ shardId: 1, rangeId, key, expectedDbVersion: 2 });
    expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual({ count: 1, groups: [{ value: 'Running', count: 1 }] });
    await withClient(url, async (c) => {
      expect(await deltaRows(c, 'ns-1')).toBe(5);
      await foldVisibilityCounts(c, 'ns-1');
      expect((await c.query('SELECT namespace_id, status, divided, runs::integer FROM visibility_count_deltas')).rows).toEqual([
        { namespace_id: 'ns-1', status: 1, divided: false, runs: 1 },
      ]);
    });
    expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual({ count: 1, groups: [{ value: 'Running', count: 1 }] });
  });

  it('a Count that sums many rows folds them (a bulk load: then vacuums), and so do every so many writes of a namespace', async () => {
    const url = await migratedDatabase();
    // VACUUMs run by a store (autovacuum counts apart).
    const vacuums = async (c: Client) =>
      Number((await c.query<{ n: string }>("SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relid = 'visibility_count_deltas'::regclass")).rows[0]!.n);
    await withClient(url, async (c) => {
      const deltas = (ns: string, n: number) =>
        c.query('INSERT INTO visibility_count_deltas (namespace_id, status, divided, runs) SELECT $1, 2, false, 1 FROM generate_series(1, $2)', [ns, n]);
      const vacuumed = await vacuums(c);
      await deltas('ns-1', FOLD_EVERY * 5);
      let store = await open(url);
      expect(await store.countVisibility('ns-1', ALL)).toEqual({ count: FOLD_EVERY * 5 });
      await store.close(); // waits for the fold the Count started
      expect(await deltaRows(c, 'ns-1')).toBe(1);
      expect(await vacuums(c)).toBe(vacuumed);

      // Ten times the threshold or more: a bulk load, whose dead rows are vacuumed at once.
      await deltas('ns-1', FOLD_EVERY * 10);
      store = await open(url);
      expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual({ count: FOLD_EVERY * 15, groups: [{ value: 'Completed', count: FOLD_EVERY * 15 }] });
      await store.close();
      expect(await deltaRows(c, 'ns-1')).toBe(1);
      expect(await vacuums(c)).toBeGreaterThan(vacuumed);
    });

    const writer = await open(url);
    const { rangeId } = await writer.acquireShard(1, 'host-a', 60_000);
    for (let i = 0; i < FOLD_EVERY * 3; i++) await start(writer, 1, rangeId, executionKey('ns-2'));
    await writer.close();
    await withClient(url, async (c) => {
      // Every FOLD_EVERY writes folded the namespace: far fewer rows than writes.
      expect(await deltaRows(c, 'ns-2')).toBeLessThan(FOLD_EVERY);
      expect(await scanned(c, 'ns-2', ALL)).toEqual({ count: FOLD_EVERY * 3 });
    });
    expect(await (await open(url)).countVisibility('ns-2', ALL)).toEqual({ count: FOLD_EVERY * 3 });
  });

  it('the migration counts the rows a database already has, and its triggers count what is written after', async () => {
    const url = await (await pg()).createSchema();
    await migratePostgres(url, { migrations: POSTGRES_MIGRATIONS.slice(0, 8) });
    await withClient(url, async (c) => {
      const insert = (runId: string, status: number, attrs: string | null, ns = 'ns-1') =>
        c.query(
          `INSERT INTO visibility (namespace_id, run_id, workflow_id, workflow_type, status, start_time, execution_time, task_queue, root_workflow_id, root_run_id, search_attributes)
           VALUES ($1, $2, 'w', 't', $3, 0, 0, 'q', 'w', 'r', $4::jsonb)`,
          [ns, runId, status, attrs],
        );
      await insert('r1', 1, null);
      await insert('r2', 2, '{}');
      await insert('r3', 2, '{"CustomerId":"x"}');
      await insert('r4', 1, '{"TemporalNamespaceDivision":"TemporalScheduler"}');
      await insert('r5', 1, null, 'ns-2');
      await migratePostgres(url);
      expect((await c.query('SELECT namespace_id, status, divided, runs::integer FROM visibility_count_deltas ORDER BY 1, 2, 3')).rows).toEqual([
        { namespace_id: 'ns-1', status: 1, divided: false, runs: 1 },
        { namespace_id: 'ns-1', status: 1, divided: true, runs: 1 },
        { namespace_id: 'ns-1', status: 2, divided: false, runs: 2 },
        { namespace_id: 'ns-2', status: 1, divided: false, runs: 1 },
      ]);

      // Plain SQL on visibility: every kind of change is counted.
      await insert('r6', 3, null);
      await c.query("UPDATE visibility SET status = 3 WHERE run_id = 'r1'");
      await c.query(`UPDATE visibility SET search_attributes = '{"TemporalNamespaceDivision":"d"}' WHERE run_id = 'r2'`); // becomes internal
      await c.query(`UPDATE visibility SET search_attributes = '{"CustomerId":"y"}' WHERE run_id = 'r3'`); // re-indexed only
      await c.query("UPDATE visibility SET namespace_id = 'ns-2' WHERE run_id = 'r4'");
      await c.query("DELETE FROM visibility WHERE run_id = 'r5'");
      await c.query(
        `INSERT INTO visibility (namespace_id, run_id, workflow_id, workflow_type, status, start_time, execution_time, task_queue, root_workflow_id, root_run_id)
         VALUES ('ns-1', 'r3', 'w', 't', 7, 0, 0, 'q', 'w', 'r') ON CONFLICT (namespace_id, run_id) DO UPDATE SET status = excluded.status`,
      );
      const store = await open(url);
      for (const ns of ['ns-1', 'ns-2']) {
        expect(sortedGroups(await store.countVisibility(ns, BY_STATUS))).toEqual(await scanned(c, ns));
        expect(await store.countVisibility(ns, ALL)).toEqual(await scanned(c, ns, ALL));
      }
      expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual({ count: 3, groups: [{ value: 'Failed', count: 2 }, { value: 'TimedOut', count: 1 }] });
      expect(await store.countVisibility('ns-2', BY_STATUS)).toEqual({ count: 0, groups: [] });
      // The internal runs are counted apart: r2 became one in ns-1, r4 moved to ns-2 as one.
      expect((await c.query('SELECT namespace_id, SUM(runs)::integer AS runs FROM visibility_count_deltas WHERE divided GROUP BY 1 ORDER BY 1')).rows).toEqual([
        { namespace_id: 'ns-1', runs: 1 },
        { namespace_id: 'ns-2', runs: 1 },
      ]);
    });
  });

  it('stays exact under concurrent writers (two stores and plain SQL, some rolled back) and concurrent folds, with and without the lock', async () => {
    const url = await migratedDatabase();
    const stores = [await open(url), await open(url)];
    const SHARDS = [1, 2, 3, 4];
    const ranges = new Map<number, number>();
    for (const shard of SHARDS) ranges.set(shard, (await stores[0]!.acquireShard(shard, 'host-a', 60_000)).rangeId);
    const NAMESPACES = ['ns-a', 'ns-b'];
    const RUNS = 90; // per namespace
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);

    // Through the stores: each run started, then closed (Completed or Terminated) or left open; some deleted.
    const expected = new Map(NAMESPACES.map((ns) => [ns, new Map<string, number>()]));
    const plans = NAMESPACES.flatMap((ns) =>
      Array.from({ length: RUNS }, (_, i) => ({ ns, i, shard: SHARDS[i % SHARDS.length]!, store: stores[i % 2]!, key: executionKey(ns, `wf-${i}`) })),
    );
    const storeWork = async (plan: (typeof plans)[number]) => {
      const rangeId = ranges.get(plan.shard)!;
      const started = await start(plan.store, plan.shard, rangeId, plan.key);
      let status = 'Running';
      let version = 1;
      if (plan.i % 7 !== 0) {
        const closeStatus = plan.i % 3 === 0 ? TERMINATED : COMPLETED;
        await close(stores[(plan.i + 1) % 2]!, plan.shard, rangeId, plan.key, started, closeStatus);
        status = closeStatus === TERMINATED ? 'Terminated' : 'Completed';
        version = 2;
      }
      if (plan.i % 5 === 0) {
        await plan.store.deleteExecution({ shardId: plan.shard, rangeId, key: plan.key, expectedDbVersion: version });
        return;
      }
      const counts = expected.get(plan.ns)!;
      counts.set(status, (counts.get(status) ?? 0) + 1);
    };
    const pool = async <T>(items: T[], width: number, fn: (item: T) => Promise<void>) => {
      const queue = [...items];
      await Promise.all(Array.from({ length: width }, async () => {
        for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
      }));
    };

    // Plain SQL in ns-raw: transactions of inserts, status changes and deletes, a quarter rolled back.
    const raw = async (client: Client, id: number) => {
      for (let t = 0; t < 25; t++) {
        try {
          await client.query('BEGIN');
          await client.query(
            `INSERT INTO visibility (namespace_id, run_id, workflow_id, workflow_type, status, start_time, execution_time, task_queue, root_workflow_id, root_run_id, search_attributes)
             VALUES ('ns-raw', $1, 'w', 't', $2, 0, 0, 'q', 'w', 'r', $3::jsonb)`,
            [`raw-${id}-${t}`, 1 + random(7), random(4) === 0 ? '{"TemporalNamespaceDivision":"d"}' : null],
          );
          await client.query(`UPDATE visibility SET status = $1 WHERE namespace_id = 'ns-raw' AND run_id = $2`, [1 + random(7), `raw-${random(3)}-${random(t + 1)}`]);
          if (random(3) === 0) await client.query(`DELETE FROM visibility WHERE namespace_id = 'ns-raw' AND run_id = $1`, [`raw-${random(3)}-${random(t + 1)}`]);
          await client.query(random(4) === 0 ? 'ROLLBACK' : 'COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          if (sqlState(err) !== '40P01') throw err; // two writers updating rows in opposite orders
        }
      }
    };

    // Folders and a checker, until the writers are done.
    let writing = true;
    const folded = { locked: 0, unlocked: 0, deadlocks: 0 };
    const ALL_NS = [...NAMESPACES, 'ns-raw'];
    const folder = async (client: Client, locked: boolean) => {
      while (writing) {
        try {
          const result = await client.query<{ folded: number }>(foldStatementText(locked), [ALL_NS[random(ALL_NS.length)]]);
          folded[locked ? 'locked' : 'unlocked'] += result.rows[0]!.folded;
        } catch (err) {
          // Unlocked folders of one namespace may lock its rows in opposite orders: one is rolled back, losing nothing.
          if (locked || sqlState(err) !== '40P01') throw err;
          folded.deadlocks++;
        }
      }
    };
    const mismatches: string[] = [];
    let checks = 0;
    const checker = async (client: Client) => {
      while (writing) {
        // One snapshot: the sums of the deltas must equal a count of the rows, whatever folds are under way.
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        for (const ns of ALL_NS) {
          const { rows } = await client.query<{ status: number; runs: string }>(
            'SELECT status, SUM(runs)::bigint AS runs FROM visibility_count_deltas WHERE namespace_id = $1 AND NOT divided GROUP BY status HAVING SUM(runs) <> 0 ORDER BY status',
            [ns],
          );
          const sums = rows.map((r) => `${r.status}:${r.runs}`).join(' ');
          const scan = await client.query<{ status: number; n: string }>(
            `SELECT status, COUNT(*) AS n FROM visibility WHERE namespace_id = $1 AND (search_attributes ->> 'TemporalNamespaceDivision') IS NULL GROUP BY status ORDER BY status`,
            [ns],
          );
          const counted = scan.rows.map((r) => `${r.status}:${r.n}`).join(' ');
          if (sums !== counted) mismatches.push(`${ns}: sums ${sums}, rows ${counted}`);
        }
        await client.query('COMMIT');
        checks++;
      }
    };

    const clients = await Promise.all(Array.from({ length: 8 }, async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      return client;
    }));
    try {
      const background = Promise.all([folder(clients[3]!, true), folder(clients[4]!, true), folder(clients[5]!, false), folder(clients[6]!, false), checker(clients[7]!)]);
      try {
        await Promise.all([pool(plans, 8, storeWork), raw(clients[0]!, 0), raw(clients[1]!, 1), raw(clients[2]!, 2)]);
      } finally {
        writing = false;
        await background;
      }
      expect(mismatches).toEqual([]);
      expect(checks).toBeGreaterThan(0);
      expect(folded.locked + folded.unlocked).toBeGreaterThan(0);

      const reader = stores[0]!;
      for (const ns of NAMESPACES) {
        const want = [...expected.get(ns)!].map(([value, count]) => ({ value, count })).sort((x, y) => x.value.localeCompare(y.value));
        expect(sortedGroups(await reader.countVisibility(ns, BY_STATUS))).toEqual({ count: want.reduce((n, g) => n + g.count, 0), groups: want });
      }
      for (const ns of ALL_NS) {
        expect(sortedGroups(await reader.countVisibility(ns, BY_STATUS))).toEqual(await scanned(clients[0]!, ns));
        expect(await reader.countVisibility(ns, ALL)).toEqual(await scanned(clients[0]!, ns, ALL));
        // Folded, a namespace keeps at most a row per status and division, with the same answers.
        await foldVisibilityCounts(clients[0]!, ns);
        expect(await deltaRows(clients[0]!, ns)).toBeLessThanOrEqual(2 * 8);
        expect(sortedGroups(await reader.countVisibility(ns, BY_STATUS))).toEqual(await scanned(clients[0]!, ns));
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }, 120_000);
});
