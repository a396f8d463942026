import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCountQuery, parseAndResolve } from '@kairos/visibility';
import { migrate } from '../../src/sqlite/migrate';
import { SQLITE_MIGRATIONS } from '../../src/sqlite/schema';
import { openSqliteStore } from '../../src/sqlite/sqliteStore';
import type { ExecutionKey, Store, VisibilityRecord } from '../../src/store';
import { visibilitySqlOptions } from '../../src/visibility/visibilityTable';
import { COMPLETED, currentRecord, executionKey, executionWrite, visibilityRecord } from '../conformance/fixtures';
import { databaseFiles } from './databaseFiles';

const { newFile } = databaseFiles();
const BY_STATUS = parseAndResolve('GROUP BY ExecutionStatus');
const ALL = parseAndResolve('');

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/** Count as the compiled query computes it over every row (what the counts must agree with). */
function scanned(filename: string, namespaceId: string, query = BY_STATUS) {
  const count = buildCountQuery(query, { namespaceId }, visibilitySqlOptions('sqlite'));
  const db = new Database(filename, { readonly: true });
  try {
    return count.readResult(db.prepare(count.sql).all(...count.params) as Array<Record<string, unknown>>);
  } finally {
    db.close();
  }
}

describe('SQLite: Count without a filter reads the counts the triggers keep', () => {
  it('agrees with a scan of the rows through starts, closes, upserts, internal runs and deletes', async () => {
    const filename = newFile();
    const { store } = openSqliteStore({ filename });
    opened.push(store);
    const { rangeId } = await store.acquireShard(1, 'host-a', 60_000);
    const rows = new Map<string, VisibilityRecord>();
    const start = async (key: ExecutionKey, attrs: Record<string, unknown> = {}) => {
      const visibility = visibilityRecord(key, { searchAttributes: attrs as VisibilityRecord['searchAttributes'] });
      rows.set(key.workflowId, visibility);
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2], currentExecution: { mode: 'create', record: currentRecord(key) }, visibility }));
    };
    const keys = ['a', 'b', 'c', 'd'].map((w) => executionKey('ns-1', w));
    for (const key of keys) await start(key);
    await start(executionKey('ns-2', 'other'));
    // An internal run (a scheduler's) is hidden from Count, as from List.
    await start(executionKey('ns-1', 'scheduler'), { TemporalNamespaceDivision: 'TemporalScheduler' });
    expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual({ count: 4, groups: [{ value: 'Running', count: 4 }] });

    // Close one (the row's upsert changes its status) and re-index another (same status).
    const close = rows.get('a')!;
    await store.writeExecution(
      executionWrite(keys[0]!, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], status: COMPLETED, currentExecution: { mode: 'update', record: currentRecord(keys[0]!, COMPLETED) }, visibility: { ...close, status: COMPLETED, closeTime: new Date(1_700_000_100_000) } }),
    );
    await store.writeExecution(executionWrite(keys[1]!, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], visibility: { ...rows.get('b')!, searchAttributes: { CustomerId: 'x' } } }));
    await store.deleteExecution({ shardId: 1, rangeId, key: keys[2]!, expectedDbVersion: 1 });

    const expected = { count: 3, groups: [{ value: 'Running', count: 2 }, { value: 'Completed', count: 1 }] };
    expect(await store.countVisibility('ns-1', BY_STATUS)).toEqual(expected);
    expect(scanned(filename, 'ns-1')).toEqual(expected);
    expect(await store.countVisibility('ns-1', ALL)).toEqual({ count: 3 });
    expect(await store.countVisibility('ns-2', ALL)).toEqual({ count: 1 });
    expect(await store.countVisibility('ns-3', BY_STATUS)).toEqual({ count: 0, groups: [] });
    // With a filter, the rows are counted as before.
    expect(await store.countVisibility('ns-1', parseAndResolve("ExecutionStatus = 'Running'"))).toEqual({ count: 2 });
    expect(await store.countVisibility('ns-1', parseAndResolve("TemporalNamespaceDivision = 'TemporalScheduler'"))).toEqual({ count: 1 });

    // The unfiltered Count is the kept count, not a scan: a count changed behind the store's back shows.
    const db = new Database(filename);
    db.prepare("UPDATE visibility_counts SET runs = runs + 10 WHERE namespace_id = 'ns-1' AND status = 2 AND divided = 0").run();
    db.close();
    expect(await store.countVisibility('ns-1', ALL)).toEqual({ count: 13 });
    expect(scanned(filename, 'ns-1', ALL)).toEqual({ count: 3 });
  });

  it('the migration counts the rows a database already has', () => {
    const db = new Database(':memory:');
    migrate(db, SQLITE_MIGRATIONS.slice(0, 8));
    const insert = db.prepare(
      `INSERT INTO visibility (namespace_id, run_id, workflow_id, workflow_type, status, start_time, execution_time, task_queue, root_workflow_id, root_run_id, search_attributes)
       VALUES ('ns-1', ?, 'w', 't', ?, 0, 0, 'q', 'w', 'r', ?)`,
    );
    insert.run('r1', 1, null);
    insert.run('r2', 2, '{}');
    insert.run('r3', 2, '{"CustomerId":"x"}');
    insert.run('r4', 1, '{"TemporalNamespaceDivision":"TemporalScheduler"}');
    migrate(db);
    expect(db.prepare('SELECT namespace_id, status, divided, runs FROM visibility_counts ORDER BY status, divided').all()).toEqual([
      { namespace_id: 'ns-1', status: 1, divided: 0, runs: 1 },
      { namespace_id: 'ns-1', status: 1, divided: 1, runs: 1 },
      { namespace_id: 'ns-1', status: 2, divided: 0, runs: 2 },
    ]);
    db.close();
  });
});
