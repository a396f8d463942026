import { describe, expect, it } from 'vitest';
import { parseAndResolve } from '@kairos/visibility';
import { ConditionFailedError, ShardOwnershipLostError } from '../../src/errors';
import type { ExecutionKey, VisibilityStore } from '../../src/store';
import { COMPLETED, currentRecord, executionKey, executionWrite, visibilityRecord } from './fixtures';
import { executionSupport, type ExecutionsUnderTest } from './executionSupport';
import { rejection, useStores, type StoreHarness } from './harness';

/** Deleting a run touches its visibility row too, so the suite needs visibility. */
type DeletesUnderTest = ExecutionsUnderTest & VisibilityStore;

/** deleteExecution: one fenced, conditional transaction that removes a run and what is kept for it. */
export function executionDeleteConformance(harness: StoreHarness<DeletesUnderTest>): void {
  describe('execution deletes', () => {
    const { open } = useStores(harness);
    const { openWithShard, createExecution, observe } = executionSupport(open);
    const listed = async (store: DeletesUnderTest, key: ExecutionKey) =>
      (await store.listVisibility({ namespaceId: key.namespaceId, query: parseAndResolve('', new Map()), pageSize: 100 })).executions.map((r) => r.runId);

    /** A run with events 1..3, a transfer task, a current row and a visibility row. */
    async function createVisibleRun(store: DeletesUnderTest, rangeId: number, key: ExecutionKey) {
      await store.writeExecution(
        executionWrite(key, {
          shardId: 1,
          rangeId,
          eventIds: [1, 2, 3],
          transfers: 1,
          currentExecution: { mode: 'create', record: currentRecord(key) },
          visibility: visibilityRecord(key),
        }),
      );
    }

    it('removes the state, the history, the current row and the visibility row', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await createVisibleRun(store, rangeId, key);
      const other = executionKey();
      await createVisibleRun(store, rangeId, other);

      await store.deleteExecution({ shardId: 1, rangeId, key, expectedDbVersion: 1 });

      const after = await observe(store, key);
      expect(after).toMatchObject({ dbVersion: undefined, state: undefined, current: undefined, history: [] });
      expect(await listed(store, key)).toEqual([other.runId]);
      // The other run is untouched.
      expect((await observe(store, other)).history).toHaveLength(3);
      expect(await store.getCurrentExecution(other.namespaceId, other.workflowId)).toEqual(currentRecord(other));
    });

    it('leaves the current row alone when it names another run of the workflow', async () => {
      const { store, rangeId } = await openWithShard();
      const old = executionKey('ns-1', 'wf-d');
      await createExecution(store, rangeId, old);
      await store.writeExecution(
        executionWrite(old, {
          shardId: 1,
          rangeId,
          expectedDbVersion: 1,
          eventIds: [4],
          status: COMPLETED,
          currentExecution: { mode: 'update', record: currentRecord(old, COMPLETED) },
        }),
      );
      const next = executionKey('ns-1', 'wf-d');
      const record = currentRecord(next);
      await store.writeExecution(
        executionWrite(next, { shardId: 1, rangeId, eventIds: [1], currentExecution: { mode: 'replace', expectedRunId: old.runId, record } }),
      );

      await store.deleteExecution({ shardId: 1, rangeId, key: old, expectedDbVersion: 2 });

      expect(await store.getExecution(old)).toBeUndefined();
      expect(await store.getCurrentExecution('ns-1', 'wf-d')).toEqual(record);
      expect((await store.readHistory(next, 1, 100, 0)).map((e) => e.eventId)).toEqual([1]);
    });

    it('is fenced by the shard range id: a stale writer deletes nothing', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await createVisibleRun(store, rangeId, key);
      const before = await observe(store, key);
      await store.acquireShard(1, 'host-b', 60_000);

      const err = await rejection(store.deleteExecution({ shardId: 1, rangeId, key, expectedDbVersion: 1 }));
      expect(err).toBeInstanceOf(ShardOwnershipLostError);
      expect(await observe(store, key)).toEqual(before);
      expect(await listed(store, key)).toEqual([key.runId]);
    });

    it('fails with ConditionFailedError on a stale dbVersion or an absent run, deleting nothing', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await createVisibleRun(store, rangeId, key);
      const before = await observe(store, key);

      await expect(store.deleteExecution({ shardId: 1, rangeId, key, expectedDbVersion: 2 })).rejects.toBeInstanceOf(ConditionFailedError);
      await expect(store.deleteExecution({ shardId: 1, rangeId, key: executionKey(), expectedDbVersion: 1 })).rejects.toBeInstanceOf(ConditionFailedError);
      expect(await observe(store, key)).toEqual(before);
      expect(await listed(store, key)).toEqual([key.runId]);
    });

    it('lists the runs of one namespace, up to a limit, and none once they are deleted', async () => {
      const { store, rangeId } = await openWithShard();
      const runs = [executionKey('ns-a'), executionKey('ns-a'), executionKey('ns-a')];
      for (const key of runs) await createVisibleRun(store, rangeId, key);
      await createVisibleRun(store, rangeId, executionKey('ns-b'));
      const byRun = (keys: ExecutionKey[]) => keys.map((k) => `${k.namespaceId}/${k.workflowId}/${k.runId}`).sort();
      expect(byRun(await store.listRunKeys('ns-a', 10))).toEqual(byRun(runs));
      expect(await store.listRunKeys('ns-a', 2)).toHaveLength(2);
      for (const key of runs) await store.deleteExecution({ shardId: 1, rangeId, key, expectedDbVersion: 1 });
      expect(await store.listRunKeys('ns-a', 10)).toEqual([]);
      expect(await store.listRunKeys('ns-b', 10)).toHaveLength(1);
    });

    it('a deleted run can be deleted no further, and its workflow id can start again', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await createVisibleRun(store, rangeId, key);
      await store.deleteExecution({ shardId: 1, rangeId, key, expectedDbVersion: 1 });
      await expect(store.deleteExecution({ shardId: 1, rangeId, key, expectedDbVersion: 1 })).rejects.toBeInstanceOf(ConditionFailedError);

      const again = executionKey(key.namespaceId, key.workflowId);
      await createExecution(store, rangeId, again);
      expect((await store.getCurrentExecution(key.namespaceId, key.workflowId))!.runId).toBe(again.runId);
    });
  });
}
