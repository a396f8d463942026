import { describe, expect, it } from 'vitest';
import { CurrentExecutionConflictError } from '../../src/errors';
import { COMPLETED, RUNNING, currentRecord, executionKey, executionWrite } from './fixtures';
import { executionSupport, type ExecutionsUnderTest } from './executionSupport';
import { rejection, useStores, type StoreHarness } from './harness';

/** The current-execution row's modes (create, replace, update, continue) within execution writes. */
export function currentExecutionConformance(harness: StoreHarness<ExecutionsUnderTest>): void {
  describe('current-execution modes', () => {
    const { open } = useStores(harness);
    const { openWithShard, createExecution, observe, nothingFor } = executionSupport(open);

    it('create: fails with CurrentExecutionConflictError carrying the row found, writing nothing', async () => {
      const { store, rangeId } = await openWithShard();
      const { key: first } = await createExecution(store, rangeId, executionKey('ns-1', 'wf-x', 'run-1'));
      const second = executionKey('ns-1', 'wf-x', 'run-2');
      const err = await rejection(
        store.writeExecution(
          executionWrite(second, {
            shardId: 1,
            rangeId,
            eventIds: [1],
            transfers: 1,
            timerFireTimes: [new Date(10)],
            currentExecution: { mode: 'create', record: currentRecord(second) },
          }),
        ),
      );
      expect(err).toBeInstanceOf(CurrentExecutionConflictError);
      expect((err as CurrentExecutionConflictError).current).toEqual(currentRecord(first));
      expect(await observe(store, second)).toMatchObject({ dbVersion: undefined, history: [], current: currentRecord(first) });
      expect(await store.getTransferTasks(1, 0, 0)).toHaveLength(1);
      expect(await store.nextTimerFireTime(1)).toBeUndefined();
    });

    it('create: the same workflow id in another namespace is independent', async () => {
      const { store, rangeId } = await openWithShard();
      await createExecution(store, rangeId, executionKey('ns-1', 'wf-x', 'run-1'));
      await createExecution(store, rangeId, executionKey('ns-2', 'wf-x', 'run-2'));
      expect((await store.getCurrentExecution('ns-2', 'wf-x'))!.runId).toBe('run-2');
      expect((await store.getCurrentExecution('ns-1', 'wf-x'))!.runId).toBe('run-1');
    });

    it('replace: points the row at the new run when it points at the expected closed run', async () => {
      const { store, rangeId } = await openWithShard();
      const old = executionKey('ns-1', 'wf-x', 'run-1');
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
      const next = executionKey('ns-1', 'wf-x', 'run-2');
      const record = currentRecord(next, RUNNING, old.runId);
      await store.writeExecution(
        executionWrite(next, { shardId: 1, rangeId, eventIds: [1], currentExecution: { mode: 'replace', expectedRunId: old.runId, record } }),
      );
      expect(await store.getCurrentExecution('ns-1', 'wf-x')).toEqual(record);
      // The old run is still there, untouched.
      expect((await store.getExecution(old))!.dbVersion).toBe(2);
      expect(await store.readHistory(old, 1, 100, 0)).toHaveLength(4);
    });

    it('replace: fails when the row points at another run, carrying the row found', async () => {
      const { store, rangeId } = await openWithShard();
      const old = executionKey('ns-1', 'wf-x', 'run-1');
      await store.writeExecution(
        executionWrite(old, {
          shardId: 1,
          rangeId,
          eventIds: [1],
          status: COMPLETED,
          currentExecution: { mode: 'create', record: currentRecord(old, COMPLETED) },
        }),
      );
      const next = executionKey('ns-1', 'wf-x', 'run-2');
      const err = await rejection(
        store.writeExecution(
          executionWrite(next, {
            shardId: 1,
            rangeId,
            eventIds: [1],
            transfers: 1,
            currentExecution: { mode: 'replace', expectedRunId: 'run-0', record: currentRecord(next) },
          }),
        ),
      );
      expect(err).toBeInstanceOf(CurrentExecutionConflictError);
      expect((err as CurrentExecutionConflictError).current).toEqual(currentRecord(old, COMPLETED));
      expect(await observe(store, next)).toMatchObject({ dbVersion: undefined, history: [], transfers: [] });
    });

    it('replace: fails when the expected run is still running', async () => {
      const { store, rangeId } = await openWithShard();
      const old = executionKey('ns-1', 'wf-x', 'run-1');
      await createExecution(store, rangeId, old);
      const next = executionKey('ns-1', 'wf-x', 'run-2');
      const err = await rejection(
        store.writeExecution(
          executionWrite(next, {
            shardId: 1,
            rangeId,
            eventIds: [1],
            currentExecution: { mode: 'replace', expectedRunId: old.runId, record: currentRecord(next) },
          }),
        ),
      );
      expect(err).toBeInstanceOf(CurrentExecutionConflictError);
      expect((err as CurrentExecutionConflictError).current).toEqual(currentRecord(old));
      expect(await store.getExecution(next)).toBeUndefined();
      expect((await store.getCurrentExecution('ns-1', 'wf-x'))!.runId).toBe(old.runId);
    });

    it('replace: fails when there is no row, carrying undefined', async () => {
      const { store, rangeId } = await openWithShard();
      const next = executionKey('ns-1', 'wf-x', 'run-2');
      const err = await rejection(
        store.writeExecution(
          executionWrite(next, {
            shardId: 1,
            rangeId,
            eventIds: [1],
            currentExecution: { mode: 'replace', expectedRunId: 'run-1', record: currentRecord(next) },
          }),
        ),
      );
      expect(err).toBeInstanceOf(CurrentExecutionConflictError);
      expect((err as CurrentExecutionConflictError).current).toBeUndefined();
      expect(await store.getExecution(next)).toBeUndefined();
      expect(await store.getCurrentExecution('ns-1', 'wf-x')).toBeUndefined();
    });

    it('update: refreshes the row of this run', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      await store.writeExecution(
        executionWrite(key, {
          shardId: 1,
          rangeId,
          expectedDbVersion: 1,
          eventIds: [4],
          status: COMPLETED,
          currentExecution: { mode: 'update', record: currentRecord(key, COMPLETED) },
        }),
      );
      expect(await store.getCurrentExecution(key.namespaceId, key.workflowId)).toEqual(currentRecord(key, COMPLETED));
    });

    it('update: fails when the row points at another run, writing nothing', async () => {
      const { store, rangeId } = await openWithShard();
      const current = executionKey('ns-1', 'wf-x', 'run-1');
      await createExecution(store, rangeId, current);
      const other = executionKey('ns-1', 'wf-x', 'run-0');
      await store.writeExecution(executionWrite(other, { shardId: 1, rangeId, eventIds: [1, 2] }));
      const before = await observe(store, other);
      const err = await rejection(
        store.writeExecution(
          executionWrite(other, {
            shardId: 1,
            rangeId,
            expectedDbVersion: 1,
            eventIds: [3],
            transfers: 1,
            status: COMPLETED,
            currentExecution: { mode: 'update', record: currentRecord(other, COMPLETED) },
          }),
        ),
      );
      expect(err).toBeInstanceOf(CurrentExecutionConflictError);
      expect((err as CurrentExecutionConflictError).current).toEqual(currentRecord(current));
      expect(await observe(store, other)).toEqual(before);
    });

    it('update: fails when there is no row', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1] }));
      const err = await rejection(
        store.writeExecution(
          executionWrite(key, {
            shardId: 1,
            rangeId,
            expectedDbVersion: 1,
            eventIds: [2],
            currentExecution: { mode: 'update', record: currentRecord(key) },
          }),
        ),
      );
      expect(err).toBeInstanceOf(CurrentExecutionConflictError);
      expect((err as CurrentExecutionConflictError).current).toBeUndefined();
      expect((await store.getExecution(key))!.dbVersion).toBe(1);
    });

    it('rejects a current-execution record that does not describe the run written', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const write = executionWrite(key, {
        shardId: 1,
        rangeId,
        eventIds: [1],
        currentExecution: { mode: 'create', record: currentRecord({ ...key, runId: 'other' }) },
      });
      await expect(store.writeExecution(write)).rejects.toThrow();
      expect(await observe(store, key)).toEqual(await nothingFor(key));
    });

    it('lets exactly one of several concurrent creates of one workflow id win', async () => {
      const { store, rangeId } = await openWithShard();
      const keys = Array.from({ length: 4 }, (_, i) => executionKey('ns-1', 'wf-race', `run-${i}`));
      const settled = await Promise.allSettled(
        keys.map((key) =>
          store.writeExecution(
            executionWrite(key, { shardId: 1, rangeId, eventIds: [1], transfers: 1, currentExecution: { mode: 'create', record: currentRecord(key) } }),
          ),
        ),
      );
      const winners = keys.filter((_, i) => settled[i]!.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(CurrentExecutionConflictError);
      expect((await store.getCurrentExecution('ns-1', 'wf-race'))!.runId).toBe(winners[0]!.runId);
      for (const key of keys) expect(!!(await store.getExecution(key))).toBe(key === winners[0]);
      expect(await store.getTransferTasks(1, 0, 0)).toHaveLength(1);
    });
  });
}
