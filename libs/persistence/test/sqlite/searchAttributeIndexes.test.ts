import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { buildListQuery, parseAndResolve, type SearchAttributeType } from '@kairos/visibility';
import { openSqliteStore } from '../../src/sqlite/sqliteStore';
import { searchAttributeIndexName } from '../../src/sqlite/searchAttributeIndexes';
import type { Store } from '../../src/store';
import { visibilitySqlOptions } from '../../src/visibility/visibilityTable';
import { currentRecord, executionKey, executionWrite, visibilityRecord } from '../conformance/fixtures';
import { databaseFiles } from './databaseFiles';

const { newFile } = databaseFiles();
const CUSTOM = new Map<string, SearchAttributeType>([
  ['CustomerId', 'Keyword'],
  ['Amount', 'Int'],
  ['Tags', 'KeywordList'],
  ['Notes', 'Text'],
]);

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

function open(filename: string): Store {
  const { store } = openSqliteStore({ filename });
  opened.push(store);
  return store;
}

/** The plan SQLite picks for List with `text` in namespace ns-1. */
function planOf(filename: string, text: string): string {
  const list = buildListQuery(parseAndResolve(text, CUSTOM), { namespaceId: 'ns-1', pageSize: 100 }, visibilitySqlOptions('sqlite'));
  const db = new Database(filename, { readonly: true });
  try {
    return (db.prepare(`EXPLAIN QUERY PLAN ${list.sql}`).all(...list.params) as Array<{ detail: string }>).map((r) => r.detail).join(' / ');
  } finally {
    db.close();
  }
}

function indexNames(filename: string): string[] {
  const db = new Database(filename, { readonly: true });
  try {
    return db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'visibility_sa_%' ORDER BY name`).pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('SQLite: custom search attributes are indexed', () => {
  it('AddSearchAttributes indexes the scalar ones; List by one reads its index in List order and finds the same rows', async () => {
    const filename = newFile();
    const store = open(filename);
    await store.addSearchAttributes('ns-1', CUSTOM, 100);
    // Keyword and Int are compared as one value; KeywordList and Text are not.
    expect(indexNames(filename)).toEqual([searchAttributeIndexName('Amount'), searchAttributeIndexName('CustomerId')].sort());
    const plan = planOf(filename, "CustomerId = 'c-2'");
    expect(plan).toContain(`USING INDEX ${searchAttributeIndexName('CustomerId')}`);
    expect(plan).not.toContain('TEMP B-TREE');
    expect(planOf(filename, 'Amount > 5')).toContain(searchAttributeIndexName('Amount'));

    const { rangeId } = await store.acquireShard(1, 'host-a', 60_000);
    const rows: Array<{ ns: string; wf: string; attrs: Record<string, string | number>; start: number }> = [
      { ns: 'ns-1', wf: 'a', attrs: { CustomerId: 'c-2', Amount: 7 }, start: 1 },
      { ns: 'ns-1', wf: 'b', attrs: { CustomerId: 'c-1', Amount: 3 }, start: 2 },
      { ns: 'ns-1', wf: 'c', attrs: { CustomerId: 'c-2' }, start: 3 },
      { ns: 'ns-1', wf: 'd', attrs: {}, start: 4 },
      { ns: 'ns-2', wf: 'e', attrs: { CustomerId: 'c-2' }, start: 5 },
    ];
    for (const row of rows) {
      const key = executionKey(row.ns, row.wf);
      const visibility = visibilityRecord(key, { startTime: new Date(1_700_000_000_000 + row.start), searchAttributes: row.attrs });
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2], currentExecution: { mode: 'create', record: currentRecord(key) }, visibility }));
    }
    const list = async (text: string) => (await store.listVisibility({ namespaceId: 'ns-1', query: parseAndResolve(text, CUSTOM), pageSize: 10 })).executions.map((e) => e.workflowId);
    // Running runs in the default order: the latest start first.
    expect(await list("CustomerId = 'c-2'")).toEqual(['c', 'a']);
    expect(await list("CustomerId IN ('c-1', 'c-2')")).toEqual(['c', 'b', 'a']);
    expect(await list('Amount > 5')).toEqual(['a']);
    expect(await list("CustomerId != 'c-1'")).toEqual(['c', 'a']);
    expect(await list('CustomerId IS NULL')).toEqual(['d']);
  });

  it('a database whose attributes were registered without the index gets it when opened', async () => {
    const filename = newFile();
    const store = open(filename);
    await store.addSearchAttributes('ns-1', new Map([['CustomerId', 'Keyword']]), 100);
    await store.close();
    opened.pop();
    const db = new Database(filename);
    db.exec(`DROP INDEX ${searchAttributeIndexName('CustomerId')}`);
    db.close();
    expect(indexNames(filename)).toEqual([]);
    open(filename);
    expect(indexNames(filename)).toEqual([searchAttributeIndexName('CustomerId')]);
  });
});
