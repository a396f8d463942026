import { describe, expect, it } from 'vitest';
import { TimerTask, TransferTask } from '@kairos/proto/kairos/persistence/v1/executions';
import { executionKey, executionWrite, timerTask, transferTask } from './fixtures';
import { executionSupport, type ExecutionsUnderTest } from './executionSupport';
import { useStores, type StoreHarness } from './harness';

/** History's transfer and timer queues: task ids, reads, deletes, per shard. */
export function historyTaskConformance(harness: StoreHarness<ExecutionsUnderTest>): void {
  describe('task ids of history queues', () => {
    const { open } = useStores(harness);
    const { openWithShard } = executionSupport(open);

    it('increase within a shard across writes and kinds, in the order given', async () => {
      const { store, rangeId } = await openWithShard();
      const batches: number[][] = [];
      for (let i = 0; i < 4; i++) {
        const result = await store.writeExecution(
          executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1], transfers: 2, timerFireTimes: [new Date(30), new Date(20)] }),
        );
        expect(result.transferTaskIds[0]).toBeLessThan(result.transferTaskIds[1]!);
        expect(result.timerTaskIds[0]).toBeLessThan(result.timerTaskIds[1]!);
        batches.push([...result.transferTaskIds, ...result.timerTaskIds]);
      }
      const all = batches.flat();
      expect(new Set(all).size).toBe(all.length);
      // Every write's ids are above every earlier write's.
      for (let i = 1; i < batches.length; i++) expect(Math.min(...batches[i]!)).toBeGreaterThan(Math.max(...batches[i - 1]!));
      const transfers = (await store.getTransferTasks(1, 0, 0)).map((t) => t.taskId);
      expect(transfers).toHaveLength(8);
      expect(transfers).toEqual([...transfers].sort((a, b) => a - b));
    });

    it('keep increasing after deletes and after the shard is re-acquired', async () => {
      const { store, rangeId } = await openWithShard();
      const first = await store.writeExecution(
        executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1], transfers: 1, timerFireTimes: [new Date(1)] }),
      );
      await store.deleteTransferTasks(1, [first.transferTaskIds[0]!]);
      await store.deleteTimerTask(1, first.timerTaskIds[0]!);
      const lease = await store.acquireShard(1, 'host-b', 60_000);
      const second = await store.writeExecution(
        executionWrite(executionKey(), { shardId: 1, rangeId: lease.rangeId, eventIds: [1], transfers: 1, timerFireTimes: [new Date(1)] }),
      );
      expect(second.transferTaskIds[0]).toBeGreaterThan(Math.max(...first.transferTaskIds, ...first.timerTaskIds));
      expect(await store.getTransferTasks(1, first.transferTaskIds[0]!, 10)).toHaveLength(1);
    });

    it('are unique under concurrent writes to one shard', async () => {
      const { store, rangeId } = await openWithShard();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1], transfers: 2, timerFireTimes: [new Date(5)] })),
        ),
      );
      const ids = results.flatMap((r) => [...r.transferTaskIds, ...r.timerTaskIds]);
      expect(new Set(ids).size).toBe(60);
      expect(await store.getTransferTasks(1, 0, 0)).toHaveLength(40);
      expect(await store.getTimerTasks(1, new Date(5), 0)).toHaveLength(20);
    });
  });

  describe('transfer tasks', () => {
    const { open } = useStores(harness);
    const { openWithShard } = executionSupport(open);

    it('reads after a task id, in id order, up to a limit; deleting removes the tasks named', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const { transferTaskIds: ids } = await store.writeExecution(
        executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2, 3, 4, 5], transfers: 5 }),
      );
      expect((await store.getTransferTasks(1, 0, 0)).map((t) => t.taskId)).toEqual(ids);
      expect((await store.getTransferTasks(1, ids[1]!, 2)).map((t) => t.taskId)).toEqual([ids[2], ids[3]]);
      expect(await store.getTransferTasks(1, ids[4]!, 10)).toEqual([]);
      const [first] = await store.getTransferTasks(1, 0, 1);
      expect(TransferTask.toJSON(first!.task)).toEqual(TransferTask.toJSON(transferTask(key, 1)));
      await store.deleteTransferTasks(1, [ids[2]!]);
      expect((await store.getTransferTasks(1, 0, 0)).map((t) => t.taskId)).toEqual([ids[0], ids[1], ids[3], ids[4]]);
      await store.deleteTransferTasks(1, [ids[0]!, ids[4]!]);
      await store.deleteTransferTasks(1, []);
      expect((await store.getTransferTasks(1, 0, 0)).map((t) => t.taskId)).toEqual([ids[1], ids[3]]);
    });

    it('deleting an absent task is a no-op', async () => {
      const { store, rangeId } = await openWithShard();
      const { transferTaskIds } = await store.writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1], transfers: 1 }));
      await store.deleteTransferTasks(1, [987_654]);
      await store.deleteTransferTasks(2, [transferTaskIds[0]!]);
      expect(await store.getTransferTasks(1, 0, 0)).toHaveLength(1);
    });

    it('keeps shards apart', async () => {
      const store = await open();
      const one = await store.acquireShard(1, 'h', 60_000);
      const two = await store.acquireShard(2, 'h', 60_000);
      await store.writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId: one.rangeId, eventIds: [1], transfers: 2 }));
      const onTwo = await store.writeExecution(executionWrite(executionKey(), { shardId: 2, rangeId: two.rangeId, eventIds: [1], transfers: 1 }));
      expect(await store.getTransferTasks(1, 0, 0)).toHaveLength(2);
      expect((await store.getTransferTasks(2, 0, 0)).map((t) => t.taskId)).toEqual(onTwo.transferTaskIds);
      expect(await store.getTransferTasks(3, 0, 0)).toEqual([]);
    });
  });

  describe('timer tasks', () => {
    const { open } = useStores(harness);
    const { openWithShard } = executionSupport(open);

    async function withTimers(fireTimes: number[]) {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const result = await store.writeExecution(
        executionWrite(key, {
          shardId: 1,
          rangeId,
          eventIds: fireTimes.map((_, i) => i + 1),
          timerFireTimes: fireTimes.map((t) => new Date(t)),
        }),
      );
      return { store, key, rangeId, ids: result.timerTaskIds };
    }

    it('orders by fire time, then task id', async () => {
      const { store, ids } = await withTimers([3000, 1000, 2000, 1000]);
      const due = await store.getTimerTasks(1, new Date(5000), 0);
      expect(due.map((t) => t.taskId)).toEqual([ids[1], ids[3], ids[2], ids[0]]);
      expect(due.map((t) => t.fireTime.getTime())).toEqual([1000, 1000, 2000, 3000]);
      expect(due.map((t) => t.task.eventId)).toEqual([2, 4, 3, 1]);
    });

    it('returns only timers due at or before upTo, up to a limit', async () => {
      const { store } = await withTimers([1000, 2000, 2000, 3000]);
      expect(await store.getTimerTasks(1, new Date(999), 10)).toEqual([]);
      expect((await store.getTimerTasks(1, new Date(1000), 10)).map((t) => t.fireTime.getTime())).toEqual([1000]);
      expect((await store.getTimerTasks(1, new Date(2000), 10)).map((t) => t.fireTime.getTime())).toEqual([1000, 2000, 2000]);
      expect((await store.getTimerTasks(1, new Date(2999), 2)).map((t) => t.fireTime.getTime())).toEqual([1000, 2000]);
      expect(await store.getTimerTasks(1, new Date(10_000), 0)).toHaveLength(4);
    });

    it('keeps the fire time to the millisecond and the task content', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const fireTime = new Date(Date.UTC(2031, 5, 7, 8, 9, 10, 987));
      const { timerTaskIds } = await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1], timerFireTimes: [fireTime] }));
      const [stored] = await store.getTimerTasks(1, fireTime, 1);
      expect(stored!.taskId).toBe(timerTaskIds[0]);
      expect(stored!.fireTime.getTime()).toBe(fireTime.getTime());
      expect(TimerTask.toJSON(stored!.task)).toEqual(TimerTask.toJSON(timerTask(key, fireTime, 1)));
    });

    it('reports the earliest fire time, following deletes', async () => {
      const { store, ids } = await withTimers([3000, 1000, 2000]);
      expect((await store.nextTimerFireTime(1))!.getTime()).toBe(1000);
      await store.deleteTimerTask(1, ids[1]!);
      expect((await store.nextTimerFireTime(1))!.getTime()).toBe(2000);
      await store.deleteTimerTask(1, ids[2]!);
      await store.deleteTimerTask(1, ids[0]!);
      expect(await store.nextTimerFireTime(1)).toBeUndefined();
      expect(await store.getTimerTasks(1, new Date(10_000), 0)).toEqual([]);
    });

    it('has no next fire time for a shard without timers; deleting an absent timer is a no-op', async () => {
      const { store, ids } = await withTimers([1000]);
      expect(await store.nextTimerFireTime(2)).toBeUndefined();
      await store.deleteTimerTask(1, 987_654);
      await store.deleteTimerTask(2, ids[0]!);
      expect(await store.getTimerTasks(1, new Date(1000), 0)).toHaveLength(1);
    });

    it('a write deletes the obsolete timers it names in its own transaction; a refused write deletes none', async () => {
      const { store, key, rangeId, ids } = await withTimers([1000, 2000, 3000]);
      const refused = executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 7, eventIds: [4] });
      await expect(store.writeExecution({ ...refused, obsoleteTimerTaskIds: [ids[0]!] })).rejects.toThrow();
      expect(await store.getTimerTasks(1, new Date(5000), 0)).toHaveLength(3);

      const write = executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4] });
      await store.writeExecution({ ...write, obsoleteTimerTaskIds: [ids[0]!, ids[2]!, 987_654] });
      expect((await store.getTimerTasks(1, new Date(5000), 0)).map((t) => t.taskId)).toEqual([ids[1]]);
    });

    it('keeps shards apart', async () => {
      const { store } = await withTimers([1000]);
      const two = await store.acquireShard(2, 'h', 60_000);
      await store.writeExecution(executionWrite(executionKey(), { shardId: 2, rangeId: two.rangeId, eventIds: [1], timerFireTimes: [new Date(500)] }));
      expect((await store.getTimerTasks(1, new Date(5000), 0)).map((t) => t.fireTime.getTime())).toEqual([1000]);
      expect((await store.nextTimerFireTime(2))!.getTime()).toBe(500);
    });
  });
}
