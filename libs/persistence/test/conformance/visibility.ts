import { randomUUID as randomRunId } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidPageTokenError, parseAndResolve, type SearchAttributeType } from '@kairos/visibility';
import { ConditionFailedError, CurrentExecutionConflictError, ShardOwnershipLostError } from '../../src/errors';
import type { ExecutionKey, VisibilityRecord, VisibilityStore } from '../../src/store';
import { COMPLETED, currentRecord, executionKey, executionWrite, memoBytes, visibilityRecord } from './fixtures';
import { executionSupport, type ExecutionsUnderTest } from './executionSupport';
import { useStores, type StoreHarness } from './harness';

/** Visibility rows are written by execution writes (fenced by shards), so the suite needs those too. */
type VisibilityUnderTest = ExecutionsUnderTest & VisibilityStore;

/** Visibility rows written with the execution writes, and List/Count over them. */
export function visibilityConformance(harness: StoreHarness<VisibilityUnderTest>): void {
  describe('visibility', () => {
    const { open } = useStores(harness);
    const { openWithShard } = executionSupport(open);

    const CUSTOM = new Map<string, SearchAttributeType>([
      ['CustomerId', 'Keyword'],
      ['Amount', 'Int'],
      ['Score', 'Double'],
      ['Vip', 'Bool'],
      ['DueAt', 'Datetime'],
      ['Tags', 'KeywordList'],
      ['Notes', 'Text'],
    ]);
    const q = (text: string) => parseAndResolve(text, CUSTOM);
    const CLOSED_TERMINATED = 5;

    /** Starts a run (events 1..2) with its visibility row. */
    async function startRun(store: VisibilityUnderTest, rangeId: number, key: ExecutionKey, overrides: Partial<VisibilityRecord> = {}) {
      const visibility = visibilityRecord(key, overrides);
      await store.writeExecution(
        executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2], currentExecution: { mode: 'create', record: currentRecord(key) }, visibility }),
      );
      return visibility;
    }

    /** Closes a run started by startRun, at `closeTime`. */
    async function closeRun(store: VisibilityUnderTest, rangeId: number, key: ExecutionKey, closeTime: Date, status = COMPLETED, overrides: Partial<VisibilityRecord> = {}) {
      const started = (await store.listVisibility({ namespaceId: key.namespaceId, query: q(`RunId = '${key.runId}'`), pageSize: 1 })).executions[0]!;
      const visibility = { ...started, status, closeTime, historyLength: 3, ...overrides };
      await store.writeExecution(
        executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], status, currentExecution: { mode: 'update', record: currentRecord(key, status) }, visibility }),
      );
      return visibility;
    }

    const ids = (page: { executions: VisibilityRecord[] }) => page.executions.map((e) => e.workflowId);

    it('a write stores its run\'s row in the same transaction, every field as written', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey('ns-1', 'wf-fields');
      const written = await startRun(store, rangeId, key, {
        workflowType: 'Billing',
        taskQueue: 'billing',
        executionTime: new Date(1_700_000_005_000),
        parentWorkflowId: 'parent-wf',
        parentRunId: 'parent-run',
        rootWorkflowId: 'root-wf',
        rootRunId: 'root-run',
        memo: memoBytes('fields'),
        searchAttributes: {
          CustomerId: 'c-1',
          Amount: 42,
          Score: 1.5,
          Vip: true,
          DueAt: 1_700_000_100_000,
          Tags: ['a', 'b'],
          Notes: 'Hello, world',
          BuildIds: ['unversioned'],
        },
      });
      const page = await store.listVisibility({ namespaceId: 'ns-1', query: q(''), pageSize: 10 });
      expect(page.executions).toEqual([written]);
      expect(page.nextPageToken).toBeUndefined();
      expect(await store.countVisibility('ns-1', q(''))).toEqual({ count: 1 });
    });

    it('a later write replaces the row: one row per run, closing fields set', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await startRun(store, rangeId, key, { searchAttributes: { CustomerId: 'c-1' } });
      const closed = await closeRun(store, rangeId, key, new Date(1_700_000_009_000), COMPLETED, {
        historySizeBytes: 900,
        searchAttributes: { CustomerId: 'c-2', Amount: 7 },
      });
      const page = await store.listVisibility({ namespaceId: 'ns-1', query: q(''), pageSize: 10 });
      expect(page.executions).toEqual([closed]);
      expect(page.executions[0]!.closeTime).toEqual(new Date(1_700_000_009_000));
      expect(ids(await store.listVisibility({ namespaceId: 'ns-1', query: q("ExecutionStatus = 'Completed' AND CustomerId = 'c-2'"), pageSize: 10 }))).toEqual([key.workflowId]);
      expect(ids(await store.listVisibility({ namespaceId: 'ns-1', query: q("ExecutionStatus = 'Running'"), pageSize: 10 }))).toEqual([]);
    });

    it('a write that fails stores no row and changes none', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const started = await startRun(store, rangeId, key);
      // A stale dbVersion: the close is refused, and with it its visibility row.
      const stale = executionWrite(key, {
        shardId: 1,
        rangeId,
        expectedDbVersion: 5,
        eventIds: [3],
        status: COMPLETED,
        visibility: { ...started, status: COMPLETED, closeTime: new Date(1_700_000_009_000) },
      });
      await expect(store.writeExecution(stale)).rejects.toBeInstanceOf(ConditionFailedError);
      // A new run whose events clash within the write: not listed.
      const other = executionKey();
      const clash = executionWrite(other, { shardId: 1, rangeId, eventIds: [1, 1], visibility: visibilityRecord(other) });
      await expect(store.writeExecution(clash)).rejects.toBeInstanceOf(ConditionFailedError);
      // A lost shard: nothing either.
      const fenced = executionKey();
      await expect(store.writeExecution(executionWrite(fenced, { shardId: 1, rangeId: rangeId + 1, eventIds: [1], visibility: visibilityRecord(fenced) }))).rejects.toBeInstanceOf(
        ShardOwnershipLostError,
      );
      expect((await store.listVisibility({ namespaceId: 'ns-1', query: q(''), pageSize: 10 })).executions).toEqual([started]);
    });

    it('refuses a row that does not describe the run written', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await expect(
        store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1], visibility: visibilityRecord(executionKey()) })),
      ).rejects.toThrow(/does not describe the run written/);
    });

    it('continue-as-new: the closed run and its successor are listed together, or neither changes', async () => {
      const { store, rangeId } = await openWithShard();
      const first = executionKey();
      const started = await startRun(store, rangeId, first);
      const next = executionKey(first.namespaceId, first.workflowId);
      const closedFirst = { ...started, status: 6, closeTime: new Date(1_700_000_001_000) };
      const nextRow = visibilityRecord(next, { startTime: new Date(1_700_000_001_000), executionTime: new Date(1_700_000_001_000) });
      const failing = store.writeExecutions([
        executionWrite(first, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], status: 6, visibility: closedFirst }),
        executionWrite(next, {
          shardId: 1,
          rangeId,
          eventIds: [1],
          currentExecution: { mode: 'continue', expectedRunId: randomRunId(), record: currentRecord(next) },
          visibility: nextRow,
        }),
      ]);
      await expect(failing).rejects.toBeInstanceOf(CurrentExecutionConflictError);
      expect((await store.listVisibility({ namespaceId: 'ns-1', query: q(''), pageSize: 10 })).executions).toEqual([started]);

      await store.writeExecutions([
        executionWrite(first, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], status: 6, visibility: closedFirst }),
        executionWrite(next, {
          shardId: 1,
          rangeId,
          eventIds: [1],
          currentExecution: { mode: 'continue', expectedRunId: first.runId, record: currentRecord(next) },
          visibility: nextRow,
        }),
      ]);
      const page = await store.listVisibility({ namespaceId: 'ns-1', query: q(`WorkflowId = '${first.workflowId}'`), pageSize: 10 });
      expect(page.executions).toEqual([nextRow, closedFirst]); // running first
      const byStatus = await store.countVisibility('ns-1', q('GROUP BY ExecutionStatus'));
      expect(byStatus.count).toBe(2);
      expect([...byStatus.groups!].sort((a, b) => String(a.value).localeCompare(String(b.value)))).toEqual([
        { value: 'ContinuedAsNew', count: 1 },
        { value: 'Running', count: 1 },
      ]);
    });

    it('filters on system and custom attributes of every type, within one namespace', async () => {
      const { store, rangeId } = await openWithShard();
      const a = executionKey('ns-1', 'wf-a');
      const b = executionKey('ns-1', 'wf-b');
      const c = executionKey('ns-1', 'wf-c');
      const elsewhere = executionKey('ns-2', 'wf-a');
      await startRun(store, rangeId, a, {
        workflowType: 'Billing',
        searchAttributes: { CustomerId: 'acme-1', Amount: 10, Score: 0.5, Vip: true, DueAt: Date.parse('2024-01-02T00:00:00Z'), Tags: ['red', 'blue'], Notes: 'Rush order, fragile' },
      });
      await startRun(store, rangeId, b, {
        searchAttributes: { CustomerId: 'acme-2', Amount: 20, Score: 2.5, Vip: false, DueAt: Date.parse('2024-03-01T00:00:00Z'), Tags: ['green'] },
      });
      await startRun(store, rangeId, c, { taskQueue: 'other' });
      await startRun(store, rangeId, elsewhere, { searchAttributes: { CustomerId: 'acme-1' } });
      await closeRun(store, rangeId, b, new Date(1_700_000_050_000), CLOSED_TERMINATED);

      const list = async (text: string) => ids(await store.listVisibility({ namespaceId: 'ns-1', query: q(text), pageSize: 100 })).sort();
      expect(await list("CustomerId = 'acme-1'")).toEqual(['wf-a']);
      expect(await list("CustomerId STARTS_WITH 'acme'")).toEqual(['wf-a', 'wf-b']);
      expect(await list('Amount >= 15')).toEqual(['wf-b']);
      expect(await list('Amount BETWEEN 5 AND 25')).toEqual(['wf-a', 'wf-b']);
      expect(await list('Score < 1')).toEqual(['wf-a']);
      expect(await list('Vip = true')).toEqual(['wf-a']);
      expect(await list('Vip = false')).toEqual(['wf-b']);
      expect(await list("DueAt > '2024-02-01T00:00:00Z'")).toEqual(['wf-b']);
      expect(await list("Tags = 'blue'")).toEqual(['wf-a']);
      expect(await list("Tags IN ('green', 'red')")).toEqual(['wf-a', 'wf-b']);
      expect(await list("Notes = 'FRAGILE'")).toEqual(['wf-a']);
      expect(await list('CustomerId IS NULL')).toEqual(['wf-c']);
      expect(await list("TaskQueue = 'other'")).toEqual(['wf-c']);
      expect(await list("WorkflowType = 'Billing'")).toEqual(['wf-a']);
      expect(await list("ExecutionStatus = 'Terminated'")).toEqual(['wf-b']);
      expect(await list("ExecutionStatus != 'Terminated'")).toEqual(['wf-a', 'wf-c']);
      expect(await list('CloseTime IS NOT NULL')).toEqual(['wf-b']);
      expect(await list('HistorySizeBytes = 512')).toEqual(['wf-a', 'wf-b', 'wf-c']);
      expect(await list("(CustomerId = 'acme-1' OR TaskQueue = 'other') AND NOT Vip = true")).toEqual([]);
      expect(ids(await store.listVisibility({ namespaceId: 'ns-2', query: q(''), pageSize: 100 }))).toEqual(['wf-a']);
      expect(await store.countVisibility('ns-1', q("CustomerId STARTS_WITH 'acme'"))).toEqual({ count: 2 });
      expect(await store.countVisibility('ns-3', q(''))).toEqual({ count: 0 });
    });

    it('lists running runs first, then the most recently closed, and pages by token', async () => {
      const { store, rangeId } = await openWithShard();
      const keys = Array.from({ length: 5 }, (_, i) => executionKey('ns-1', `wf-page-${i}`));
      for (const [i, key] of keys.entries()) await startRun(store, rangeId, key, { startTime: new Date(1_700_000_000_000 + i * 1000) });
      await closeRun(store, rangeId, keys[0]!, new Date(1_700_000_100_000));
      await closeRun(store, rangeId, keys[1]!, new Date(1_700_000_200_000));
      // Running (latest start first), then closed (latest close first).
      const expected = ['wf-page-4', 'wf-page-3', 'wf-page-2', 'wf-page-1', 'wf-page-0'];
      const seen: string[] = [];
      let token: Uint8Array | undefined;
      let pages = 0;
      do {
        const page = await store.listVisibility({ namespaceId: 'ns-1', query: q(''), pageSize: 2, nextPageToken: token });
        seen.push(...ids(page));
        token = page.nextPageToken;
        pages++;
      } while (token);
      expect(seen).toEqual(expected);
      expect(pages).toBe(3);
      // A full last page is followed by an empty one, as in Temporal.
      const first = await store.listVisibility({ namespaceId: 'ns-1', query: q(''), pageSize: 5 });
      expect(ids(first)).toEqual(expected);
      const after = await store.listVisibility({ namespaceId: 'ns-1', query: q(''), pageSize: 5, nextPageToken: first.nextPageToken });
      expect(after).toEqual({ executions: [] });
      // A run started meanwhile does not disturb the pages after the token.
      await startRun(store, rangeId, executionKey('ns-1', 'wf-page-late'), { startTime: new Date(1_700_000_300_000) });
      const second = await store.listVisibility({ namespaceId: 'ns-1', query: q(''), pageSize: 2, nextPageToken: (await store.listVisibility({ namespaceId: 'ns-1', query: q("WorkflowId != 'wf-page-late'"), pageSize: 2 })).nextPageToken });
      expect(ids(second)).toEqual(['wf-page-2', 'wf-page-1']);
    });

    it('orders by an attribute (missing values last) and refuses a token of another order', async () => {
      const { store, rangeId } = await openWithShard();
      for (const [name, amount] of [['x', 3], ['y', undefined], ['z', 1], ['w', 2]] as const) {
        await startRun(store, rangeId, executionKey('ns-1', `wf-${name}`), amount === undefined ? {} : { searchAttributes: { Amount: amount } });
      }
      const asc = await store.listVisibility({ namespaceId: 'ns-1', query: q('ORDER BY Amount'), pageSize: 3 });
      expect(ids(asc)).toEqual(['wf-z', 'wf-w', 'wf-x']);
      expect(ids(await store.listVisibility({ namespaceId: 'ns-1', query: q('ORDER BY Amount'), pageSize: 3, nextPageToken: asc.nextPageToken }))).toEqual(['wf-y']);
      expect(ids(await store.listVisibility({ namespaceId: 'ns-1', query: q('ORDER BY Amount DESC'), pageSize: 10 }))).toEqual(['wf-x', 'wf-w', 'wf-z', 'wf-y']);
      await expect(store.listVisibility({ namespaceId: 'ns-1', query: q(''), pageSize: 3, nextPageToken: asc.nextPageToken })).rejects.toBeInstanceOf(InvalidPageTokenError);
    });

    it('counts, and counts by ExecutionStatus', async () => {
      const { store, rangeId } = await openWithShard();
      const keys = Array.from({ length: 4 }, () => executionKey());
      for (const key of keys) await startRun(store, rangeId, key, { searchAttributes: { CustomerId: 'count-me' } });
      await closeRun(store, rangeId, keys[0]!, new Date(1_700_000_100_000));
      await closeRun(store, rangeId, keys[1]!, new Date(1_700_000_100_000));
      await closeRun(store, rangeId, keys[2]!, new Date(1_700_000_100_000), CLOSED_TERMINATED);
      expect(await store.countVisibility('ns-1', q("CustomerId = 'count-me'"))).toEqual({ count: 4 });
      const grouped = await store.countVisibility('ns-1', q("CustomerId = 'count-me' GROUP BY ExecutionStatus"));
      expect(grouped.count).toBe(4);
      expect([...grouped.groups!].sort((a, b) => String(a.value).localeCompare(String(b.value)))).toEqual([
        { value: 'Completed', count: 2 },
        { value: 'Running', count: 1 },
        { value: 'Terminated', count: 1 },
      ]);
    });

    it('counts without a filter, and by ExecutionStatus alone, through closes, re-indexes, internal runs and deletes', async () => {
      const { store, rangeId } = await openWithShard();
      const keys = Array.from({ length: 5 }, (_, i) => executionKey('ns-1', `wf-count-${i}`));
      const started = [];
      for (const key of keys) started.push(await startRun(store, rangeId, key));
      await startRun(store, rangeId, executionKey('ns-2'));
      // An internal run (a scheduler's) is hidden from both, as from List.
      const internal = executionKey('ns-1', 'temporal-sys-scheduler:s');
      const internalRow = await startRun(store, rangeId, internal, { searchAttributes: { TemporalNamespaceDivision: 'TemporalScheduler' } });
      await store.writeExecution(
        executionWrite(internal, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], status: COMPLETED, visibility: { ...internalRow, status: COMPLETED, closeTime: new Date(1_700_000_100_000) } }),
      );
      const byStatus = (ns = 'ns-1') => store.countVisibility(ns, q('GROUP BY ExecutionStatus'));
      expect(await byStatus()).toEqual({ count: 5, groups: [{ value: 'Running', count: 5 }] });

      await closeRun(store, rangeId, keys[0]!, new Date(1_700_000_100_000));
      await closeRun(store, rangeId, keys[1]!, new Date(1_700_000_100_000), CLOSED_TERMINATED);
      await closeRun(store, rangeId, keys[2]!, new Date(1_700_000_100_000), CLOSED_TERMINATED);
      // Re-indexed with the same status: still one run.
      await store.writeExecution(executionWrite(keys[3]!, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], visibility: { ...started[3]!, searchAttributes: { CustomerId: 'again' } } }));
      await store.deleteExecution({ shardId: 1, rangeId, key: keys[2]!, expectedDbVersion: 2 });
      await store.deleteExecution({ shardId: 1, rangeId, key: keys[4]!, expectedDbVersion: 1 });

      const grouped = await byStatus();
      expect(grouped.count).toBe(3);
      expect([...grouped.groups!].sort((a, b) => String(a.value).localeCompare(String(b.value)))).toEqual([
        { value: 'Completed', count: 1 },
        { value: 'Running', count: 1 },
        { value: 'Terminated', count: 1 },
      ]);
      expect(await store.countVisibility('ns-1', q(''))).toEqual({ count: 3 });
      expect(await store.countVisibility('ns-2', q(''))).toEqual({ count: 1 });
      expect(await byStatus('ns-3')).toEqual({ count: 0, groups: [] });
      // Naming the division counts the internal runs (the rows, as before).
      expect(await store.countVisibility('ns-1', q("TemporalNamespaceDivision = 'TemporalScheduler'"))).toEqual({ count: 1 });
    });
  });
}
