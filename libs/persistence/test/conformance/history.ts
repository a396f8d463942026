import { describe, expect, it } from 'vitest';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { events, executionKey, executionWrite, historyEvent } from './fixtures';
import { executionSupport, type ExecutionsUnderTest } from './executionSupport';
import { asJson, useStores, type StoreHarness } from './harness';

/** History events: ranges, limits, batches, paging. */
export function historyConformance(harness: StoreHarness<ExecutionsUnderTest>): void {
  describe('history reads', () => {
    const { open } = useStores(harness);
    const { openWithShard } = executionSupport(open);

    /** A run with events 1..count, appended over several writes. */
    async function runWithEvents(count: number) {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2, 3, 4] }));
      let version = 1;
      for (let from = 5; from <= count; from += 3) {
        const ids = events(from, Math.min(from + 3, count + 1)).map((e) => e.eventId);
        await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: version++, eventIds: ids }));
      }
      return { store, key };
    }

    it('returns [from, to) in order across writes, with full content', async () => {
      const { store, key } = await runWithEvents(10);
      expect(asJson(HistoryEvent, await store.readHistory(key, 1, 11, 100))).toEqual(asJson(HistoryEvent, events(1, 11)));
      expect((await store.readHistory(key, 3, 7, 100)).map((e) => e.eventId)).toEqual([3, 4, 5, 6]);
      expect((await store.readHistory(key, 10, 11, 100)).map((e) => e.eventId)).toEqual([10]);
      expect((await store.readHistory(key, 8, 1000, 100)).map((e) => e.eventId)).toEqual([8, 9, 10]);
    });

    it('stores events given with their encoded bytes (encodedEvents) as the same events', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const write = executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2, 3] });
      await store.writeExecution({ ...write, encodedEvents: write.newEvents.map((e) => HistoryEvent.encode(e).finish()) });
      expect(asJson(HistoryEvent, await store.readHistory(key, 1, 4, 0))).toEqual(asJson(HistoryEvent, write.newEvents));
    });

    it('reads whole batches (one per write) with readHistoryBatches, never splitting one', async () => {
      const { store, key } = await runWithEvents(10); // batches [1-4] [5-7] [8-10]
      const ids = async (from: number, to: number, max: number) => (await store.readHistoryBatches(key, from, to, max)).flat().map((e) => e.eventId);
      expect((await store.readHistoryBatches(key, 1, 11, 0)).map((b) => b.map((e) => e.eventId))).toEqual([[1, 2, 3, 4], [5, 6, 7], [8, 9, 10]]);
      expect(await ids(1, 11, 1)).toEqual([1, 2, 3, 4]);
      expect(await ids(1, 11, 2)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(await ids(5, 11, 1)).toEqual([5, 6, 7]);
      expect(await ids(8, 11, 5)).toEqual([8, 9, 10]);
      expect(await ids(1, 11, 0)).toHaveLength(10);
      expect(await ids(1, 6, 5)).toEqual([1, 2, 3, 4, 5]);
      expect(await ids(11, 20, 5)).toEqual([]);
    });

    it('keeps the batches a write names (batchStarts: a reset copies its base run with its batches)', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await store.writeExecution({ ...executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2, 3, 4, 5, 6, 7] }), batchStarts: [3, 6] });
      expect((await store.readHistoryBatches(key, 1, 8, 0)).map((b) => b.map((e) => e.eventId))).toEqual([[1, 2], [3, 4, 5], [6, 7]]);
      expect((await store.readHistoryBatches(key, 1, 8, 2)).flat().map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5]);
    });

    it('honours maxEvents, and a maxEvents of 0 or less means no limit', async () => {
      const { store, key } = await runWithEvents(10);
      expect((await store.readHistory(key, 2, 11, 3)).map((e) => e.eventId)).toEqual([2, 3, 4]);
      expect((await store.readHistory(key, 1, 11, 1)).map((e) => e.eventId)).toEqual([1]);
      expect(await store.readHistory(key, 1, 11, 0)).toHaveLength(10);
      expect(await store.readHistory(key, 1, 11, -1)).toHaveLength(10);
    });

    it('pages through a history', async () => {
      const { store, key } = await runWithEvents(10);
      const pages: number[][] = [];
      for (let from = 1; from < 11; ) {
        const page = await store.readHistory(key, from, 11, 4);
        pages.push(page.map((e) => e.eventId));
        from = page[page.length - 1]!.eventId + 1;
      }
      expect(pages).toEqual([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10],
      ]);
    });

    it('returns nothing for empty ranges, ranges past the end and unknown runs', async () => {
      const { store, key } = await runWithEvents(4);
      expect(await store.readHistory(key, 3, 3, 10)).toEqual([]);
      expect(await store.readHistory(key, 4, 2, 10)).toEqual([]);
      expect(await store.readHistory(key, 5, 100, 10)).toEqual([]);
      expect(await store.readHistory({ ...key, runId: 'other' }, 1, 100, 10)).toEqual([]);
      expect(await store.readHistory({ ...key, workflowId: 'other' }, 1, 100, 10)).toEqual([]);
      expect(await store.readHistory({ ...key, namespaceId: 'other' }, 1, 100, 10)).toEqual([]);
    });

    it('stores large events intact', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const big = historyEvent(1, 'x'.repeat(300_000));
      await store.writeExecution({ ...executionWrite(key, { shardId: 1, rangeId }), newEvents: [big] });
      expect(HistoryEvent.toJSON((await store.readHistory(key, 1, 2, 1))[0]!)).toEqual(HistoryEvent.toJSON(big));
    });
  });
}
