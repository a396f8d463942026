import { describe, expect, it } from 'vitest';
import { WorkerHeartbeat } from '@kairos/proto/temporal/api/worker/v1/message';
import type { NamespaceStore, TaskQueueStore, WorkerHeartbeatStore } from '../../src/store';
import { namespaceRecord } from './fixtures';
import { useStores, type Closable, type StoreHarness } from './harness';

const heartbeat = (key: string, taskQueue: string) => WorkerHeartbeat.fromPartial({ workerInstanceKey: key, taskQueue, workerIdentity: `id-${key}`, sdkName: 'sdk' });

/** Workers' heartbeats: the latest per worker, listed while fresh, removed on shutdown, expired by age. */
export function workerHeartbeatConformance(harness: StoreHarness<WorkerHeartbeatStore & NamespaceStore & TaskQueueStore & Closable>): void {
  describe('worker heartbeats', () => {
    const { open } = useStores(harness);

    it('keeps the latest heartbeat of each worker, per namespace, listed by instance key', async () => {
      const store = await open();
      await store.recordWorkerHeartbeats('ns-1', [heartbeat('w-b', 'q1'), heartbeat('w-a', 'q1')], [], 1_000, 0);
      await store.recordWorkerHeartbeats('ns-2', [heartbeat('w-c', 'q2')], [], 1_000, 0);
      await store.recordWorkerHeartbeats('ns-1', [heartbeat('w-b', 'q9')], [], 2_000, 0);
      const listed = await store.listWorkerHeartbeats('ns-1', 0);
      expect(listed.map((w) => [w.heartbeat.workerInstanceKey, w.heartbeat.taskQueue, w.lastSeenMs])).toEqual([
        ['w-a', 'q1', 1_000],
        ['w-b', 'q9', 2_000],
      ]);
      expect(listed[1]!.heartbeat).toEqual(heartbeat('w-b', 'q9'));
      expect((await store.getWorkerHeartbeat('ns-2', 'w-c', 0))?.heartbeat.taskQueue).toBe('q2');
      expect(await store.getWorkerHeartbeat('ns-2', 'w-a', 0)).toBeUndefined();
    });

    it('lists only heartbeats seen since a time, and a later record deletes the expired ones', async () => {
      const store = await open();
      await store.recordWorkerHeartbeats('ns', [heartbeat('old', 'q')], [], 1_000, 0);
      await store.recordWorkerHeartbeats('other-ns', [heartbeat('older', 'q')], [], 500, 0);
      await store.recordWorkerHeartbeats('ns', [heartbeat('new', 'q')], [], 5_000, 0);
      expect((await store.listWorkerHeartbeats('ns', 2_000)).map((w) => w.heartbeat.workerInstanceKey)).toEqual(['new']);
      expect(await store.getWorkerHeartbeat('ns', 'old', 2_000)).toBeUndefined();
      expect((await store.listWorkerHeartbeats('ns', 0)).length).toBe(2);
      // Expiry deletes old rows of every namespace, whatever the namespace recorded.
      await store.recordWorkerHeartbeats('ns', [], [], 6_000, 2_000);
      expect((await store.listWorkerHeartbeats('ns', 0)).map((w) => w.heartbeat.workerInstanceKey)).toEqual(['new']);
      expect(await store.listWorkerHeartbeats('other-ns', 0)).toEqual([]);
    });

    it('deleting a namespace removes its workers and its task queue configurations, not the others\'', async () => {
      const store = await open();
      await store.createNamespace(namespaceRecord('gone', 'id-1'));
      await store.createNamespace(namespaceRecord('kept', 'id-2'));
      for (const ns of ['id-1', 'id-2']) {
        await store.recordWorkerHeartbeats(ns, [heartbeat(`w-${ns}`, 'q')], [], 1_000, 0);
        await store.updateTaskQueueConfig(ns, 'q', 2, () => ({ queueRateLimit: undefined, fairnessKeysRateLimitDefault: undefined, fairnessWeightOverrides: { k: 2 } }));
      }
      await store.deleteNamespace('id-1');
      expect(await store.listWorkerHeartbeats('id-1', 0)).toEqual([]);
      expect(await store.getTaskQueueConfig('id-1', 'q', 2)).toBeUndefined();
      expect((await store.listWorkerHeartbeats('id-2', 0)).map((w) => w.heartbeat.workerInstanceKey)).toEqual(['w-id-2']);
      expect((await store.getTaskQueueConfig('id-2', 'q', 2))?.fairnessWeightOverrides).toEqual({ k: 2 });
    });

    it('removes workers that shut down, in the same write as the others it records', async () => {
      const store = await open();
      await store.recordWorkerHeartbeats('ns', [heartbeat('a', 'q'), heartbeat('b', 'q')], [], 1_000, 0);
      await store.recordWorkerHeartbeats('ns', [heartbeat('c', 'q')], ['a', 'never-there'], 1_500, 0);
      expect((await store.listWorkerHeartbeats('ns', 0)).map((w) => w.heartbeat.workerInstanceKey)).toEqual(['b', 'c']);
    });
  });
}
