import { randomUUID as randomRunId } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { MutableState, TimerTask, TransferTask } from '@kairos/proto/kairos/persistence/v1/executions';
import { ConditionFailedError, CurrentExecutionConflictError, ShardOwnershipLostError } from '../../src/errors';
import type { ExecutionKey, ExecutionWrite } from '../../src/store';
import { COMPLETED, RUNNING, currentRecord, executionKey, executionWrite } from './fixtures';
import { executionSupport, type ExecutionsUnderTest } from './executionSupport';
import { asJson, rejection, useStores, type StoreHarness } from './harness';

/**
 * The conditional execution write: creating and updating runs, shard fencing, several runs in
 * one write, and all-or-nothing on every failure.
 */
export function executionWriteConformance(harness: StoreHarness<ExecutionsUnderTest>): void {
  describe('creating executions', () => {
    const { open } = useStores(harness);
    const { openWithShard, createExecution, observe } = executionSupport(open);

    it('stores state, events, tasks and the current row in one write', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const write = executionWrite(key, {
        shardId: 1,
        rangeId,
        eventIds: [1, 2],
        transfers: 2,
        timerFireTimes: [new Date(5000), new Date(4000)],
        currentExecution: { mode: 'create', record: currentRecord(key) },
      });
      const result = await store.writeExecution(write);
      expect(result.dbVersion).toBe(1);
      expect(result.transferTaskIds).toHaveLength(2);
      expect(result.timerTaskIds).toHaveLength(2);

      const snapshot = await store.getExecution(key);
      expect(snapshot!.dbVersion).toBe(1);
      expect(MutableState.toJSON(snapshot!.mutableState)).toEqual(MutableState.toJSON(write.mutableState));
      expect(await store.getCurrentExecution(key.namespaceId, key.workflowId)).toEqual(currentRecord(key));
      expect(asJson(HistoryEvent, await store.readHistory(key, 1, 3, 10))).toEqual(asJson(HistoryEvent, write.newEvents));

      const transfers = await store.getTransferTasks(1, 0, 10);
      expect(transfers.map((t) => t.taskId)).toEqual(result.transferTaskIds);
      expect(transfers.map((t) => TransferTask.toJSON(t.task))).toEqual(asJson(TransferTask, write.transferTasks));

      const timers = await store.getTimerTasks(1, new Date(10_000), 10);
      // Earliest first: the second timer (4000) comes first.
      expect(timers.map((t) => t.taskId)).toEqual([result.timerTaskIds[1], result.timerTaskIds[0]]);
      expect(timers.map((t) => t.fireTime.getTime())).toEqual([4000, 5000]);
      expect(timers.map((t) => TimerTask.toJSON(t.task))).toEqual([
        TimerTask.toJSON(write.timerTasks[1]!),
        TimerTask.toJSON(write.timerTasks[0]!),
      ]);
    });

    it('returns undefined for unknown executions and current rows', async () => {
      const store = await open();
      const key = executionKey();
      expect(await store.getExecution(key)).toBeUndefined();
      expect(await store.getCurrentExecution(key.namespaceId, key.workflowId)).toBeUndefined();
    });

    it('can create an execution without touching the current row', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1] }));
      expect((await store.getExecution(key))!.dbVersion).toBe(1);
      expect(await store.getCurrentExecution(key.namespaceId, key.workflowId)).toBeUndefined();
    });

    it('rejects creating (expectedDbVersion 0) an execution that exists, writing nothing', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      const before = await observe(store, key);
      const err = await rejection(
        store.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [4], transfers: 1, timerFireTimes: [new Date(1)] })),
      );
      expect(err).toBeInstanceOf(ConditionFailedError);
      expect(await observe(store, key)).toEqual(before);
    });

    it('keeps runs of one workflow id apart', async () => {
      const { store, rangeId } = await openWithShard();
      const a = executionKey('ns-1', 'wf-same', 'run-a');
      const b = executionKey('ns-1', 'wf-same', 'run-b');
      await store.writeExecution(executionWrite(a, { shardId: 1, rangeId, eventIds: [1, 2] }));
      await store.writeExecution(executionWrite(b, { shardId: 1, rangeId, eventIds: [1] }));
      expect(await store.readHistory(a, 1, 100, 0)).toHaveLength(2);
      expect(await store.readHistory(b, 1, 100, 0)).toHaveLength(1);
      expect((await store.getExecution(a))!.mutableState.executionInfo!.runId).toBe('run-a');
      expect((await store.getExecution(b))!.mutableState.executionInfo!.runId).toBe('run-b');
    });
  });

  describe('updating executions (conditional on dbVersion)', () => {
    const { open } = useStores(harness);
    const { openWithShard, createExecution, observe, nothingFor } = executionSupport(open);

    it('updates with the version read and returns version + 1', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      const update = executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4, 5] });
      expect((await store.writeExecution(update)).dbVersion).toBe(2);
      const snapshot = await store.getExecution(key);
      expect(snapshot!.dbVersion).toBe(2);
      expect(snapshot!.mutableState.nextEventId).toBe(6);
      expect(MutableState.toJSON(snapshot!.mutableState)).toEqual(MutableState.toJSON(update.mutableState));
      expect((await store.readHistory(key, 1, 100, 0)).map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5]);
      const third = await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 2, eventIds: [6] }));
      expect(third.dbVersion).toBe(3);
    });

    it('rejects a stale or future expectedDbVersion with ConditionFailedError, writing nothing', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4] }));
      const before = await observe(store, key);
      const stale = executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [5], transfers: 1, timerFireTimes: [new Date(1)] });
      await expect(store.writeExecution(stale)).rejects.toBeInstanceOf(ConditionFailedError);
      const ahead = executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 7, eventIds: [5] });
      await expect(store.writeExecution(ahead)).rejects.toBeInstanceOf(ConditionFailedError);
      expect(await observe(store, key)).toEqual(before);
    });

    it('rejects updating an execution that does not exist with ConditionFailedError', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const write = executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [1], transfers: 1 });
      await expect(store.writeExecution(write)).rejects.toBeInstanceOf(ConditionFailedError);
      expect(await observe(store, key)).toEqual(await nothingFor(key));
    });

    it('lets exactly one of several concurrent writers with the same version win', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      const writes = Array.from({ length: 5 }, () =>
        store.writeExecution(executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4], transfers: 1 })),
      );
      const settled = await Promise.allSettled(writes);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(ConditionFailedError);
      expect((await store.getExecution(key))!.dbVersion).toBe(2);
      expect(await store.readHistory(key, 1, 100, 0)).toHaveLength(4);
      expect(await store.getTransferTasks(1, 0, 0)).toHaveLength(2);
    });
  });

  describe('shard fencing of execution writes', () => {
    const { open } = useStores(harness);
    const { openWithShard, createExecution, observe, nothingFor } = executionSupport(open);

    it('rejects a write with a stale range id with ShardOwnershipLostError, writing nothing', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      const newer = await store.acquireShard(1, 'host-b', 60_000);
      const before = await observe(store, key);
      const err = await rejection(
        store.writeExecution(
          executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4], transfers: 1, timerFireTimes: [new Date(1)] }),
        ),
      );
      expect(err).toBeInstanceOf(ShardOwnershipLostError);
      expect((err as ShardOwnershipLostError).shardId).toBe(1);
      expect(await observe(store, key)).toEqual(before);
      // The new owner can write.
      await store.writeExecution(executionWrite(key, { shardId: 1, rangeId: newer.rangeId, expectedDbVersion: 1, eventIds: [4] }));
    });

    it('rejects creating an execution with a stale range id, writing nothing', async () => {
      const { store, rangeId } = await openWithShard();
      await store.acquireShard(1, 'host-b', 60_000);
      const key = executionKey();
      const write = executionWrite(key, {
        shardId: 1,
        rangeId,
        eventIds: [1],
        transfers: 1,
        currentExecution: { mode: 'create', record: currentRecord(key) },
      });
      await expect(store.writeExecution(write)).rejects.toBeInstanceOf(ShardOwnershipLostError);
      expect(await observe(store, key)).toEqual(await nothingFor(key));
    });

    it('rejects writes to a shard never acquired', async () => {
      const store = await open();
      const key = executionKey();
      await expect(store.writeExecution(executionWrite(key, { shardId: 9, rangeId: 1, eventIds: [1] }))).rejects.toBeInstanceOf(
        ShardOwnershipLostError,
      );
      expect(await store.getExecution(key)).toBeUndefined();
    });

    it('rejects a range id from the future', async () => {
      const { store, rangeId } = await openWithShard();
      const write = executionWrite(executionKey(), { shardId: 1, rangeId: rangeId + 1, eventIds: [1] });
      await expect(store.writeExecution(write)).rejects.toBeInstanceOf(ShardOwnershipLostError);
    });

    it('checks fencing before the version', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      await store.acquireShard(1, 'host-b', 60_000);
      const write = executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 5, eventIds: [4] });
      await expect(store.writeExecution(write)).rejects.toBeInstanceOf(ShardOwnershipLostError);
    });

    it('checks the version before the current-execution condition', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      const write = executionWrite(key, {
        shardId: 1,
        rangeId,
        expectedDbVersion: 5,
        eventIds: [4],
        currentExecution: { mode: 'create', record: currentRecord(key) },
      });
      await expect(store.writeExecution(write)).rejects.toBeInstanceOf(ConditionFailedError);
    });
  });

  describe('several executions in one write (continue-as-new)', () => {
    const { open } = useStores(harness);
    const { openWithShard, createExecution } = executionSupport(open);

    const CONTINUED = 6; // WorkflowExecutionStatus.CONTINUED_AS_NEW

    it('closes a run and creates its successor, moving the current row, in one transaction', async () => {
      const { store, rangeId } = await openWithShard();
      const first = executionKey();
      await createExecution(store, rangeId, first);
      const next = executionKey(first.namespaceId, first.workflowId);
      const results = await store.writeExecutions([
        executionWrite(first, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4], status: CONTINUED }),
        executionWrite(next, {
          shardId: 1,
          rangeId,
          eventIds: [1, 2],
          transfers: 1,
          currentExecution: { mode: 'continue', expectedRunId: first.runId, record: currentRecord(next, RUNNING, first.runId) },
        }),
      ]);
      expect(results.map((r) => r.dbVersion)).toEqual([2, 1]);
      expect(results[1]!.transferTaskIds).toHaveLength(1);
      expect(await store.getCurrentExecution(first.namespaceId, first.workflowId)).toEqual(currentRecord(next, RUNNING, first.runId));
      expect((await store.getExecution(first))!.dbVersion).toBe(2);
      expect((await store.readHistory(next, 1, 10, 0)).map((e) => e.eventId)).toEqual([1, 2]);
    });

    it('stores nothing when a later write fails, and continue needs the row to name the run continued', async () => {
      const { store, rangeId } = await openWithShard();
      const first = executionKey();
      await createExecution(store, rangeId, first);
      const next = executionKey(first.namespaceId, first.workflowId);
      const stranger = randomRunId();
      await expect(
        store.writeExecutions([
          executionWrite(first, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4], status: CONTINUED }),
          executionWrite(next, {
            shardId: 1,
            rangeId,
            eventIds: [1],
            currentExecution: { mode: 'continue', expectedRunId: stranger, record: currentRecord(next) },
          }),
        ]),
      ).rejects.toBeInstanceOf(CurrentExecutionConflictError);
      expect((await store.getExecution(first))!.dbVersion).toBe(1);
      expect(await store.readHistory(first, 4, 5, 0)).toEqual([]);
      expect(await store.getExecution(next)).toBeUndefined();
      expect((await store.getCurrentExecution(first.namespaceId, first.workflowId))!.runId).toBe(first.runId);
    });

    it('refuses writes of different shards in one group', async () => {
      const { store, rangeId } = await openWithShard();
      const a = executionKey();
      const b = executionKey();
      await expect(
        store.writeExecutions([
          executionWrite(a, { shardId: 1, rangeId, eventIds: [1] }),
          executionWrite(b, { shardId: 2, rangeId, eventIds: [1] }),
        ]),
      ).rejects.toThrow(/same shard/);
      expect(await store.getExecution(a)).toBeUndefined();
    });
  });

  describe('atomicity', () => {
    const { open } = useStores(harness);
    const { openWithShard, createExecution, observe, nothingFor } = executionSupport(open);

    it('a duplicate event id fails the whole write with ConditionFailedError', async () => {
      const { store, rangeId } = await openWithShard();
      const { key } = await createExecution(store, rangeId);
      const before = await observe(store, key);
      const write = executionWrite(key, {
        shardId: 1,
        rangeId,
        expectedDbVersion: 1,
        eventIds: [4, 3],
        transfers: 2,
        timerFireTimes: [new Date(100)],
        status: COMPLETED,
        currentExecution: { mode: 'update', record: currentRecord(key, COMPLETED) },
      });
      await expect(store.writeExecution(write)).rejects.toBeInstanceOf(ConditionFailedError);
      expect(await observe(store, key)).toEqual(before);
    });

    it('an event id repeated within one write fails the whole write', async () => {
      const { store, rangeId } = await openWithShard();
      const key = executionKey();
      const write = executionWrite(key, {
        shardId: 1,
        rangeId,
        eventIds: [1, 2, 2],
        transfers: 1,
        timerFireTimes: [new Date(100)],
        currentExecution: { mode: 'create', record: currentRecord(key) },
      });
      await expect(store.writeExecution(write)).rejects.toBeInstanceOf(ConditionFailedError);
      expect(await observe(store, key)).toEqual(await nothingFor(key));
    });

    it('a failed write leaves the task id sequence usable and increasing', async () => {
      const { store, rangeId } = await openWithShard();
      const { key, result } = await createExecution(store, rangeId);
      const failing = executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], transfers: 3 });
      await expect(store.writeExecution(failing)).rejects.toBeInstanceOf(ConditionFailedError);
      const next = await store.writeExecution(executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4], transfers: 1 }));
      expect(next.transferTaskIds[0]).toBeGreaterThan(result.transferTaskIds[0]!);
      expect((await store.getTransferTasks(1, 0, 0)).map((t) => t.taskId)).toEqual([result.transferTaskIds[0], next.transferTaskIds[0]]);
    });

    it('a failing write among concurrent ones fails alone', async () => {
      const { store, rangeId } = await openWithShard();
      const { key: existing } = await createExecution(store, rangeId);
      const fresh = Array.from({ length: 6 }, () => executionKey());
      const writes: ExecutionWrite[] = fresh.map((key) =>
        executionWrite(key, {
          shardId: 1,
          rangeId,
          eventIds: [1, 2],
          transfers: 1,
          timerFireTimes: [new Date(50)],
          currentExecution: { mode: 'create', record: currentRecord(key) },
        }),
      );
      // Duplicates event 3 of the existing run; issued in the middle of the others.
      writes.splice(3, 0, executionWrite(existing, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], transfers: 1, timerFireTimes: [new Date(40)] }));
      const settled = await Promise.allSettled(writes.map((w) => store.writeExecution(w)));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((settled[3] as PromiseRejectedResult).reason).toBeInstanceOf(ConditionFailedError);
      for (const key of fresh) {
        expect((await store.getExecution(key))!.dbVersion).toBe(1);
        expect(await store.readHistory(key, 1, 10, 0)).toHaveLength(2);
      }
      expect((await store.getExecution(existing))!.dbVersion).toBe(1);
      expect(await store.getTransferTasks(1, 0, 0)).toHaveLength(7);
      expect((await store.getTimerTasks(1, new Date(1000), 0)).map((t) => t.fireTime.getTime())).toEqual(Array(6).fill(50));
    });

    it('writes made at the same moment are each kept or refused alone, each with the error it would get alone', async () => {
      const { store, rangeId } = await openWithShard();
      const { key: versioned } = await createExecution(store, rangeId);
      const { key: withEvents } = await createExecution(store, rangeId);
      const { key: current } = await createExecution(store, rangeId);
      const stale = (await store.acquireShard(2, 'host-a', 60_000)).rangeId;
      await store.acquireShard(2, 'host-b', 60_000);
      const fresh = [executionKey(), executionKey()];
      const create = (key: ExecutionKey, shardId = 1, range = rangeId) =>
        executionWrite(key, { shardId, rangeId: range, eventIds: [1, 2], transfers: 1, currentExecution: { mode: 'create', record: currentRecord(key) } });
      // The runs the refused writes named (the shard's task lists change with the kept writes).
      const runs = () => Promise.all([versioned, withEvents, current].map(async (key) => {
        const { dbVersion, state, current: row, history } = await observe(store, key);
        return { dbVersion, state, row, history };
      }));
      const before = await runs();
      const writes = [
        create(fresh[0]!),
        executionWrite(versioned, { shardId: 1, rangeId, expectedDbVersion: 5, eventIds: [4] }),
        create(executionKey('ns-1', current.workflowId)),
        executionWrite(withEvents, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [3], transfers: 1 }),
        create(executionKey(), 2, stale),
        create(fresh[1]!),
      ];
      const settled = await Promise.allSettled(writes.map((w) => store.writeExecution(w)));
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'rejected', 'fulfilled']);
      const reasons = settled.map((s) => (s.status === 'rejected' ? (s.reason as Error) : undefined));
      expect(reasons[1]).toBeInstanceOf(ConditionFailedError);
      expect(reasons[1]!.message).toMatch(/is at dbVersion 1, the write expected 5/);
      expect(reasons[2]).toBeInstanceOf(CurrentExecutionConflictError);
      expect((reasons[2] as CurrentExecutionConflictError).current?.runId).toBe(current.runId);
      expect(reasons[3]).toBeInstanceOf(ConditionFailedError);
      expect(reasons[4]).toBeInstanceOf(ShardOwnershipLostError);
      for (const key of fresh) {
        expect((await store.getExecution(key))!.dbVersion).toBe(1);
        expect((await store.readHistory(key, 1, 10, 0)).map((e) => e.eventId)).toEqual([1, 2]);
      }
      expect(await runs()).toEqual(before);
    });
  });
}
