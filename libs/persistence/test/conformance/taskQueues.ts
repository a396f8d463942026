import { describe, expect, it } from 'vitest';
import { TaskQueueTask } from '@kairos/proto/kairos/persistence/v1/executions';
import { TaskQueueConfig } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import { TaskQueueOwnershipLostError } from '../../src/errors';
import type { TaskQueueStore } from '../../src/store';
import { taskQueueTask } from './fixtures';
import { queueRanges, useStores, type Closable, type StoreHarness } from './harness';

/** Task queue backlogs: ids, reads, deletes, and the fencing of the queue's holder. */
export function taskQueueConformance(harness: StoreHarness<TaskQueueStore & Closable>): void {
  describe('task queue backlogs', () => {
    const { open } = useStores(harness);
    const queueRange = queueRanges();

    it('assigns increasing ids and reads in id order after an id, up to a limit', async () => {
      const store = await open();
      const ids: number[] = [];
      for (const label of ['a', 'b', 'c', 'd']) ids.push(await store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask(label), await queueRange(store, 'ns-1', 'orders', 'workflow')));
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
      const all = await store.getTaskQueueTasks('ns-1', 'orders', 'workflow', 0, 0);
      expect(all.map((t) => t.taskId)).toEqual(ids);
      expect(all.map((t) => TaskQueueTask.toJSON(t.task))).toEqual(['a', 'b', 'c', 'd'].map((l) => TaskQueueTask.toJSON(taskQueueTask(l))));
      expect((await store.getTaskQueueTasks('ns-1', 'orders', 'workflow', ids[0]!, 2)).map((t) => t.taskId)).toEqual([ids[1], ids[2]]);
      expect(await store.getTaskQueueTasks('ns-1', 'orders', 'workflow', ids[3]!, 10)).toEqual([]);
    });

    it('summarizes a backlog: its size, oldest id and the last id given', async () => {
      const store = await open();
      expect(await store.summarizeTaskQueue('ns-1', 'orders', 'workflow')).toEqual({ count: 0, oldestTaskId: undefined, lastTaskId: 0 });
      const range = await queueRange(store, 'ns-1', 'orders', 'workflow');
      const ids: number[] = [];
      for (const label of ['a', 'b', 'c']) ids.push(await store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask(label), range));
      await store.deleteTaskQueueTask('ns-1', 'orders', 'workflow', ids[0]!, range);
      expect(await store.summarizeTaskQueue('ns-1', 'orders', 'workflow')).toEqual({ count: 2, oldestTaskId: ids[1], lastTaskId: ids[2] });
      expect(await store.summarizeTaskQueue('ns-1', 'orders', 'activity')).toEqual({ count: 0, oldestTaskId: undefined, lastTaskId: 0 });
      for (const id of ids.slice(1)) await store.deleteTaskQueueTask('ns-1', 'orders', 'workflow', id, range);
      expect(await store.summarizeTaskQueue('ns-1', 'orders', 'workflow')).toEqual({ count: 0, oldestTaskId: undefined, lastTaskId: ids[2] });
    });

    it('keeps namespaces, queues and kinds apart', async () => {
      const store = await open();
      await store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('wf'), await queueRange(store, 'ns-1', 'orders', 'workflow'));
      await store.addTaskQueueTask('ns-1', 'orders', 'activity', taskQueueTask('act'), await queueRange(store, 'ns-1', 'orders', 'activity'));
      await store.addTaskQueueTask('ns-1', 'billing', 'workflow', taskQueueTask('billing'), await queueRange(store, 'ns-1', 'billing', 'workflow'));
      await store.addTaskQueueTask('ns-2', 'orders', 'workflow', taskQueueTask('ns2'), await queueRange(store, 'ns-2', 'orders', 'workflow'));
      const labels = async (ns: string, q: string, kind: 'workflow' | 'activity') =>
        (await store.getTaskQueueTasks(ns, q, kind, 0, 0)).map((t) => t.task.workflowExecution!.workflowId);
      expect(await labels('ns-1', 'orders', 'workflow')).toEqual(['wf-wf']);
      expect(await labels('ns-1', 'orders', 'activity')).toEqual(['wf-act']);
      expect(await labels('ns-1', 'billing', 'workflow')).toEqual(['wf-billing']);
      expect(await labels('ns-2', 'orders', 'workflow')).toEqual(['wf-ns2']);
      expect(await labels('ns-2', 'orders', 'activity')).toEqual([]);
    });

    it('deletes one task; deleting an absent or other-queue task is a no-op', async () => {
      const store = await open();
      const a = await store.addTaskQueueTask('ns-1', 'orders', 'activity', taskQueueTask('a'), await queueRange(store, 'ns-1', 'orders', 'activity'));
      const b = await store.addTaskQueueTask('ns-1', 'orders', 'activity', taskQueueTask('b'), await queueRange(store, 'ns-1', 'orders', 'activity'));
      await store.deleteTaskQueueTask('ns-1', 'orders', 'workflow', a, await queueRange(store, 'ns-1', 'orders', 'workflow'));
      await store.deleteTaskQueueTask('ns-1', 'other', 'activity', a, await queueRange(store, 'ns-1', 'other', 'activity'));
      await store.deleteTaskQueueTask('ns-1', 'orders', 'activity', 987_654, await queueRange(store, 'ns-1', 'orders', 'activity'));
      expect((await store.getTaskQueueTasks('ns-1', 'orders', 'activity', 0, 0)).map((t) => t.taskId)).toEqual([a, b]);
      await store.deleteTaskQueueTask('ns-1', 'orders', 'activity', a, await queueRange(store, 'ns-1', 'orders', 'activity'));
      expect((await store.getTaskQueueTasks('ns-1', 'orders', 'activity', 0, 0)).map((t) => t.taskId)).toEqual([b]);
    });

    it('never reuses an id, even after the backlog was emptied', async () => {
      const store = await open();
      const a = await store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('a'), await queueRange(store, 'ns-1', 'orders', 'workflow'));
      const b = await store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('b'), await queueRange(store, 'ns-1', 'orders', 'workflow'));
      await store.deleteTaskQueueTask('ns-1', 'orders', 'workflow', a, await queueRange(store, 'ns-1', 'orders', 'workflow'));
      await store.deleteTaskQueueTask('ns-1', 'orders', 'workflow', b, await queueRange(store, 'ns-1', 'orders', 'workflow'));
      const c = await store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('c'), await queueRange(store, 'ns-1', 'orders', 'workflow'));
      expect(c).toBeGreaterThan(b);
      expect((await store.getTaskQueueTasks('ns-1', 'orders', 'workflow', b, 10)).map((t) => t.taskId)).toEqual([c]);
    });

    it('acquiring a queue bumps its fencing number; writes with an older one fail and write nothing', async () => {
      const store = await open();
      const first = await store.acquireTaskQueue('ns-1', 'orders', 'workflow', 'matching-a');
      const kept = await store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('kept'), first);
      const second = await store.acquireTaskQueue('ns-1', 'orders', 'workflow', 'matching-b');
      expect(second).toBe(first + 1);
      await expect(store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('late'), first)).rejects.toBeInstanceOf(TaskQueueOwnershipLostError);
      await expect(store.deleteTaskQueueTask('ns-1', 'orders', 'workflow', kept, first)).rejects.toBeInstanceOf(TaskQueueOwnershipLostError);
      expect((await store.getTaskQueueTasks('ns-1', 'orders', 'workflow', 0, 0)).map((t) => t.taskId)).toEqual([kept]);
      // The new holder writes and deletes; ids keep increasing across holders.
      const next = await store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask('next'), second);
      expect(next).toBeGreaterThan(kept);
      await store.deleteTaskQueueTask('ns-1', 'orders', 'workflow', kept, second);
      expect((await store.getTaskQueueTasks('ns-1', 'orders', 'workflow', 0, 0)).map((t) => t.taskId)).toEqual([next]);
      // Each queue has its own fencing number.
      expect(await store.acquireTaskQueue('ns-1', 'orders', 'activity', 'matching-a')).toBe(1);
    });

    it('refuses backlog writes to a queue never acquired', async () => {
      const store = await open();
      await expect(store.addTaskQueueTask('ns-1', 'never', 'workflow', taskQueueTask('x'), 1)).rejects.toBeInstanceOf(TaskQueueOwnershipLostError);
      await expect(store.deleteTaskQueueTask('ns-1', 'never', 'workflow', 1, 1)).rejects.toBeInstanceOf(TaskQueueOwnershipLostError);
      expect(await store.getTaskQueueTasks('ns-1', 'never', 'workflow', 0, 0)).toEqual([]);
    });

    it('assigns unique ids to concurrent adds', async () => {
      const store = await open();
      const range = await queueRange(store, 'ns-1', 'orders', 'workflow');
      const ids = await Promise.all(
        Array.from({ length: 25 }, (_, i) => store.addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask(`t${i}`), range)),
      );
      expect(new Set(ids).size).toBe(25);
      const stored = await store.getTaskQueueTasks('ns-1', 'orders', 'workflow', 0, 0);
      expect(stored.map((t) => t.taskId)).toEqual([...ids].sort((x, y) => x - y));
    });
  });

  describe('task queue configuration', () => {
    const { open } = useStores(harness);
    const rate = (rps: number) => TaskQueueConfig.fromPartial({ queueRateLimit: { rateLimit: { requestsPerSecond: rps }, metadata: { reason: `r${rps}` } } });

    it('is undefined until set, kept per queue and type, and replaced by an update', async () => {
      const store = await open();
      expect(await store.getTaskQueueConfig('ns', 'q', 2)).toBeUndefined();
      const seen: Array<TaskQueueConfig | undefined> = [];
      const stored = await store.updateTaskQueueConfig('ns', 'q', 2, (current) => {
        seen.push(current);
        return rate(5);
      });
      expect(seen).toEqual([undefined]);
      expect(stored).toEqual(rate(5));
      expect(await store.getTaskQueueConfig('ns', 'q', 2)).toEqual(rate(5));
      expect(await store.getTaskQueueConfig('ns', 'q', 1)).toBeUndefined();
      expect(await store.getTaskQueueConfig('other', 'q', 2)).toBeUndefined();
      await store.updateTaskQueueConfig('ns', 'q', 2, (current) => {
        seen.push(current);
        return TaskQueueConfig.fromPartial({ ...current, fairnessWeightOverrides: { k: 2 } });
      });
      expect(seen[1]).toEqual(rate(5));
      expect(await store.getTaskQueueConfig('ns', 'q', 2)).toEqual(TaskQueueConfig.fromPartial({ ...rate(5), fairnessWeightOverrides: { k: 2 } }));
    });

    it('concurrent updates take turns: none is lost', async () => {
      const store = await open();
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      await Promise.all(
        keys.map((k, i) =>
          store.updateTaskQueueConfig('ns', 'busy', 2, (current) =>
            TaskQueueConfig.fromPartial({ fairnessWeightOverrides: { ...current?.fairnessWeightOverrides, [k]: i + 1 } }),
          ),
        ),
      );
      expect(Object.keys((await store.getTaskQueueConfig('ns', 'busy', 2))!.fairnessWeightOverrides).sort()).toEqual(keys);
    });
  });
}
