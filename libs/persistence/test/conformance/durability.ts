import { describe, expect, it } from 'vitest';
import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import { parseAndResolve } from '@kairos/visibility';
import { ShardOwnershipLostError } from '../../src/errors';
import type { Store } from '../../src/store';
import { currentRecord, executionKey, executionWrite, memoBytes, namespaceRecord, taskQueueTask, visibilityRecord } from './fixtures';
import { executionSupport } from './executionSupport';
import { queueRanges, useStores, type StoreHarness } from './harness';

/** What a store's database keeps across closing and reopening, every concern together. */
export function durabilityConformance(harness: StoreHarness<Store>): void {
  // Registered only for stores whose database outlives them: an in-memory store has nothing to
  // reopen, and a skipped test would read as unfinished work.
  (harness.reopen ? describe : () => undefined)('durability across close and reopen', () => {
    const { open, reopen, reopenClosed } = useStores(harness);
    const { openWithShard, createExecution, observe } = executionSupport(open);
    const queueRange = queueRanges();

    it('keeps every record, and fencing, versions and sequences continue', async () => {
      const { store, rangeId } = await openWithShard();
      const ns = namespaceRecord('orders');
      await store.createNamespace(ns);
      const key = executionKey();
      const written = await store.writeExecution(
        executionWrite(key, {
          shardId: 1,
          rangeId,
          eventIds: [1, 2, 3],
          transfers: 1,
          timerFireTimes: [new Date(1234)],
          currentExecution: { mode: 'create', record: currentRecord(key) },
        }),
      );
      const queueTaskId = await store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('a'), await queueRange(store, 'ns-1', 'orders', 'workflow'));
      const before = await observe(store, key);

      const again = await reopen(store);
      expect(await observe(again, key)).toEqual(before);
      expect(NamespaceRecord.toJSON((await again.getNamespaceByName('orders'))!)).toEqual(NamespaceRecord.toJSON(ns));
      expect((await again.getShard(1))!.rangeId).toBe(rangeId);
      expect((await again.getTaskQueueTasks('ns-1', 'orders', 'workflow', 0, 0)).map((t) => t.taskId)).toEqual([queueTaskId]);

      const lease = await again.acquireShard(1, 'host-b', 60_000);
      expect(lease.rangeId).toBeGreaterThan(rangeId);
      await expect(
        again.writeExecution(executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4] })),
      ).rejects.toBeInstanceOf(ShardOwnershipLostError);
      const next = await again.writeExecution(
        executionWrite(key, { shardId: 1, rangeId: lease.rangeId, expectedDbVersion: 1, eventIds: [4], transfers: 1 }),
      );
      expect(next.dbVersion).toBe(2);
      expect(next.transferTaskIds[0]).toBeGreaterThan(Math.max(...written.transferTaskIds, ...written.timerTaskIds));
      expect(await again.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('b'), await queueRange(again, 'ns-1', 'orders', 'workflow'))).toBeGreaterThan(queueTaskId);
    });

    it('commits writes issued before close', async () => {
      const { store, rangeId } = await openWithShard();
      const keys = Array.from({ length: 5 }, () => executionKey());
      const pending = keys.map((key) => store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1], transfers: 1 })));
      const queued = store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('a'), await queueRange(store, 'ns-1', 'orders', 'workflow'));
      const closed = store.close();
      await Promise.all([...pending, queued, closed]);
      const again = await reopenClosed(store);
      for (const key of keys) expect((await again.getExecution(key))!.dbVersion).toBe(1);
      expect(await again.getTaskQueueTasks('ns-1', 'orders', 'workflow', 0, 0)).toHaveLength(1);
    });

    it('keeps visibility rows and custom search attributes', async () => {
      const { store, rangeId } = await openWithShard();
      await store.addSearchAttributes('ns-1', new Map([['CustomerId', 'Keyword' as const]]), 100);
      const key = executionKey();
      const row = visibilityRecord(key, { memo: memoBytes('kept'), searchAttributes: { CustomerId: 'c-9' } });
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1], visibility: row }));
      const again = await reopen(store);
      const custom = await again.getSearchAttributes('ns-1');
      expect(custom).toEqual(new Map([['CustomerId', 'Keyword']]));
      expect((await again.listVisibility({ namespaceId: 'ns-1', query: parseAndResolve("CustomerId = 'c-9'", custom), pageSize: 5 })).executions).toEqual([row]);
    });

    it('reopening more than once changes nothing', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      const before = await observe(store, key);
      const second = await reopen(store);
      const third = await reopen(second);
      expect(await observe(third, key)).toEqual(before);
    });
  });
}
