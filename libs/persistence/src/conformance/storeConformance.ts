import { randomUUID as randomRunId } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import {
  MutableState,
  TaskQueueTask,
  TimerTask,
  TransferTask,
} from '@kairos/proto/kairos/persistence/v1/executions';
import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import { InvalidPageTokenError, parseAndResolve, type SearchAttributeType } from '@kairos/visibility';
import {
  ConditionFailedError,
  CurrentExecutionConflictError,
  NamespaceAlreadyExistsError,
  SearchAttributeTypeConflictError,
  ShardOwnershipLostError,
  TaskQueueOwnershipLostError,
  TooManySearchAttributesError,
} from '../errors';
import type { ExecutionKey, ExecutionWrite, Store, TaskQueueKind, VisibilityRecord } from '../store';
import {
  COMPLETED,
  RUNNING,
  currentRecord,
  events,
  executionKey,
  executionWrite,
  historyEvent,
  memoBytes,
  namespaceRecord,
  taskQueueTask,
  timerTask,
  transferTask,
  visibilityRecord,
} from './fixtures';

export interface StoreConformanceHarness {
  /** A new store on a new, empty database (schema applied). */
  open(): Promise<Store>;
  /**
   * Opens another store on the database `closed` used, after `closed.close()` resolved. Omit it
   * when the database does not outlive its store (in-memory): the durability tests are skipped.
   */
  reopen?(closed: Store): Promise<Store>;
  /** Runs once after all tests (drop databases, remove files). */
  cleanup?(): Promise<void>;
}

/**
 * The behaviour every Store implementation must have, as vitest tests. Call it at the top level
 * of a test file with a factory for fresh, empty stores:
 *
 *   storeConformance('sqlite :memory:', async () => openSqliteStore({ filename: ':memory:' }).store);
 *
 * or with a StoreConformanceHarness to also run the close-and-reopen tests. Nothing here knows the
 * backing database; tests only use the Store interface.
 */
export function storeConformance(name: string, factory: (() => Promise<Store>) | StoreConformanceHarness): void {
  const harness: StoreConformanceHarness = typeof factory === 'function' ? { open: factory } : factory;
  const opened: Store[] = [];

  async function open(): Promise<Store> {
    const store = await harness.open();
    opened.push(store);
    return store;
  }

  // Backlog writes need the queue's fencing number: each store acquires a queue once, on first use.
  const queueRanges = new WeakMap<Store, Map<string, Promise<number>>>();
  function queueRange(store: Store, namespaceId: string, taskQueue: string, kind: TaskQueueKind): Promise<number> {
    let ranges = queueRanges.get(store);
    if (!ranges) queueRanges.set(store, (ranges = new Map()));
    const key = `${namespaceId}/${taskQueue}/${kind}`;
    let range = ranges.get(key);
    if (!range) ranges.set(key, (range = store.acquireTaskQueue(namespaceId, taskQueue, kind, 'matching-a')));
    return range;
  }

  async function reopen(store: Store): Promise<Store> {
    await store.close();
    const again = await harness.reopen!(store);
    opened.push(again);
    return again;
  }

  /** A fresh store with the shard acquired, and its range id. */
  async function openWithShard(shardId = 1): Promise<{ store: Store; rangeId: number }> {
    const store = await open();
    const lease = await store.acquireShard(shardId, 'host-a', 60_000);
    return { store, rangeId: lease.rangeId };
  }

  /** Creates an execution with events 1..3, one transfer task and its current row. */
  async function createExecution(store: Store, rangeId: number, key: ExecutionKey = executionKey(), shardId = 1) {
    const result = await store.writeExecution(
      executionWrite(key, {
        shardId,
        rangeId,
        eventIds: [1, 2, 3],
        transfers: 1,
        currentExecution: { mode: 'create', record: currentRecord(key) },
      }),
    );
    return { key, result };
  }

  /** Everything a write could have touched, to compare before and after a failed write. */
  async function observe(store: Store, key: ExecutionKey, shardId = 1) {
    const snapshot = await store.getExecution(key);
    return {
      dbVersion: snapshot?.dbVersion,
      state: snapshot ? MutableState.toJSON(snapshot.mutableState) : undefined,
      current: await store.getCurrentExecution(key.namespaceId, key.workflowId),
      history: (await store.readHistory(key, 1, 1_000_000, 0)).map((e) => HistoryEvent.toJSON(e)),
      transfers: (await store.getTransferTasks(shardId, 0, 0)).map((t) => ({ taskId: t.taskId, task: TransferTask.toJSON(t.task) })),
      timers: (await store.getTimerTasks(shardId, new Date(8.64e15), 0)).map((t) => ({
        taskId: t.taskId,
        fireTime: t.fireTime.getTime(),
        task: TimerTask.toJSON(t.task),
      })),
      nextTimer: (await store.nextTimerFireTime(shardId))?.getTime(),
    };
  }

  /** What `observe` sees for `key` in a store that never had it. */
  async function nothingFor(key: ExecutionKey) {
    return observe(await open(), key);
  }

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (err) {
      return err;
    }
    throw new Error('expected the promise to reject');
  }

  const asJson = <T>(type: { toJSON(m: T): unknown }, values: T[]) => values.map((v) => type.toJSON(v));

  describe(`Store conformance: ${name}`, () => {
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close().catch(() => undefined);
    });
    afterAll(async () => {
      await harness.cleanup?.();
    });

    describe('namespaces', () => {
      it('creates a namespace and reads it by name, by id and in the list', async () => {
        const store = await open();
        const record = namespaceRecord('orders');
        await store.createNamespace(record);
        expect(NamespaceRecord.toJSON((await store.getNamespaceByName('orders'))!)).toEqual(NamespaceRecord.toJSON(record));
        expect(NamespaceRecord.toJSON((await store.getNamespaceById(record.info!.id))!)).toEqual(NamespaceRecord.toJSON(record));
        expect(asJson(NamespaceRecord, await store.listNamespaces())).toEqual([NamespaceRecord.toJSON(record)]);
      });

      it('returns undefined for unknown namespaces and an empty list when there are none', async () => {
        const store = await open();
        expect(await store.getNamespaceByName('nope')).toBeUndefined();
        expect(await store.getNamespaceById('nope')).toBeUndefined();
        expect(await store.listNamespaces()).toEqual([]);
      });

      it('lists namespaces ordered by name', async () => {
        const store = await open();
        for (const n of ['payments', 'default', 'orders']) await store.createNamespace(namespaceRecord(n));
        expect((await store.listNamespaces()).map((r) => r.info!.name)).toEqual(['default', 'orders', 'payments']);
      });

      it('rejects a second namespace with the same name, keeping the first', async () => {
        const store = await open();
        await store.createNamespace(namespaceRecord('orders', 'id-1'));
        await expect(store.createNamespace(namespaceRecord('orders', 'id-2'))).rejects.toBeInstanceOf(NamespaceAlreadyExistsError);
        expect(await store.getNamespaceById('id-2')).toBeUndefined();
        expect((await store.getNamespaceByName('orders'))!.info!.id).toBe('id-1');
        expect(await store.listNamespaces()).toHaveLength(1);
      });

      it('rejects a second namespace with the same id', async () => {
        const store = await open();
        await store.createNamespace(namespaceRecord('orders', 'id-1'));
        await expect(store.createNamespace(namespaceRecord('payments', 'id-1'))).rejects.toBeInstanceOf(NamespaceAlreadyExistsError);
        expect(await store.getNamespaceByName('payments')).toBeUndefined();
      });

      it('rejects a namespace record without id or name', async () => {
        const store = await open();
        await expect(store.createNamespace(NamespaceRecord.fromPartial({ info: { name: 'x' } }))).rejects.toThrow();
        await expect(store.createNamespace(NamespaceRecord.fromPartial({ info: { id: 'x' } }))).rejects.toThrow();
        expect(await store.listNamespaces()).toEqual([]);
      });
    });

    describe('shards', () => {
      it('returns undefined for a shard never acquired', async () => {
        const store = await open();
        expect(await store.getShard(1)).toBeUndefined();
      });

      it('acquiring records owner and lease and bumps the range id every time', async () => {
        const store = await open();
        const before = Date.now();
        const first = await store.acquireShard(1, 'host-a', 30_000);
        expect(first).toMatchObject({ shardId: 1, owner: 'host-a' });
        expect(first.rangeId).toBeGreaterThan(0);
        expect(first.leaseExpiresAt.getTime()).toBeGreaterThanOrEqual(before + 30_000);
        expect(first.leaseExpiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 30_000);
        expect(await store.getShard(1)).toEqual(first);

        const second = await store.acquireShard(1, 'host-b', 10_000);
        expect(second.rangeId).toBeGreaterThan(first.rangeId);
        expect(await store.getShard(1)).toEqual(second);
      });

      it('keeps shards independent', async () => {
        const store = await open();
        const a1 = await store.acquireShard(1, 'host-a', 1000);
        await store.acquireShard(2, 'host-b', 1000);
        await store.acquireShard(2, 'host-b', 1000);
        expect((await store.getShard(1))!.rangeId).toBe(a1.rangeId);
        expect((await store.getShard(2))!.owner).toBe('host-b');
      });

      it('renewing with the current range id extends the lease', async () => {
        const store = await open();
        const lease = await store.acquireShard(1, 'host-a', 1000);
        const renewed = await store.renewShard(1, lease.rangeId, 'host-a', 120_000);
        expect(renewed.rangeId).toBe(lease.rangeId);
        expect(renewed.leaseExpiresAt.getTime()).toBeGreaterThan(lease.leaseExpiresAt.getTime());
        expect(await store.getShard(1)).toEqual(renewed);
      });

      it('renewing with a stale range id fails with ShardOwnershipLostError and changes nothing', async () => {
        const store = await open();
        const old = await store.acquireShard(1, 'host-a', 1000);
        const current = await store.acquireShard(1, 'host-b', 1000);
        const err = await rejection(store.renewShard(1, old.rangeId, 'host-a', 60_000));
        expect(err).toBeInstanceOf(ShardOwnershipLostError);
        expect((err as ShardOwnershipLostError).shardId).toBe(1);
        expect(await store.getShard(1)).toEqual(current);
      });

      it('renewing a shard never acquired fails with ShardOwnershipLostError', async () => {
        const store = await open();
        await expect(store.renewShard(3, 1, 'host-a', 1000)).rejects.toBeInstanceOf(ShardOwnershipLostError);
        expect(await store.getShard(3)).toBeUndefined();
      });

      it('lists every acquired shard by id', async () => {
        const store = await open();
        expect(await store.listShards()).toEqual([]);
        const b = await store.acquireShard(2, 'host-b', 5_000);
        const a = await store.acquireShard(1, 'host-a', 5_000);
        expect(await store.listShards()).toEqual([a, b]);
      });

      it('releasing with the current range id ends the lease at once and keeps the range id', async () => {
        const store = await open();
        const lease = await store.acquireShard(1, 'host-a', 60_000);
        await store.releaseShard(1, lease.rangeId);
        expect(await store.getShard(1)).toEqual({ ...lease, leaseExpiresAt: new Date(0) });
        // The next owner's acquisition fences the released one out as usual.
        const next = await store.acquireShard(1, 'host-b', 60_000);
        expect(next.rangeId).toBe(lease.rangeId + 1);
      });

      it('releasing with a stale range id changes nothing', async () => {
        const store = await open();
        const old = await store.acquireShard(1, 'host-a', 60_000);
        const current = await store.acquireShard(1, 'host-b', 60_000);
        await store.releaseShard(1, old.rangeId);
        await store.releaseShard(7, 1); // never acquired
        expect(await store.getShard(1)).toEqual(current);
        expect(await store.getShard(7)).toBeUndefined();
      });
    });

    describe('cluster membership', () => {
      it('records heartbeats and lists the members alive since a time, by instance id', async () => {
        const store = await open();
        const before = Date.now();
        await store.heartbeatMember('history', 'h-2', '10.0.0.2:7234');
        await store.heartbeatMember('history', 'h-1', '10.0.0.1:7234');
        await store.heartbeatMember('matching', 'm-1', '10.0.0.1:7235');
        const history = await store.listMembers('history', new Date(before - 1));
        expect(history.map((m) => [m.role, m.instanceId, m.address])).toEqual([
          ['history', 'h-1', '10.0.0.1:7234'],
          ['history', 'h-2', '10.0.0.2:7234'],
        ]);
        for (const m of history) {
          expect(m.heartbeatAt.getTime()).toBeGreaterThanOrEqual(before);
          expect(m.heartbeatAt.getTime()).toBeLessThanOrEqual(Date.now());
        }
        expect((await store.listMembers('matching', new Date(before - 1))).map((m) => m.instanceId)).toEqual(['m-1']);
        // Nobody heartbeated after now + 1 minute.
        expect(await store.listMembers('history', new Date(Date.now() + 60_000))).toEqual([]);
      });

      it('a heartbeat refreshes the time and the address; removal forgets the member', async () => {
        const store = await open();
        await store.heartbeatMember('matching', 'm-1', '10.0.0.1:7235');
        const [first] = await store.listMembers('matching', new Date(0));
        await new Promise((resolve) => setTimeout(resolve, 5));
        await store.heartbeatMember('matching', 'm-1', '10.0.0.9:7235');
        const [second] = await store.listMembers('matching', new Date(0));
        expect(second!.address).toBe('10.0.0.9:7235');
        expect(second!.heartbeatAt.getTime()).toBeGreaterThan(first!.heartbeatAt.getTime());
        await store.removeMember('matching', 'm-1');
        await store.removeMember('matching', 'never-there');
        expect(await store.listMembers('matching', new Date(0))).toEqual([]);
      });
    });

    describe('creating executions', () => {
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

    describe('current-execution modes', () => {
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

    describe('several executions in one write (continue-as-new)', () => {
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
    });

    describe('task ids of history queues', () => {
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
        await store.deleteTransferTask(1, first.transferTaskIds[0]!);
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

    describe('history reads', () => {
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

    describe('transfer tasks', () => {
      it('reads after a task id, in id order, up to a limit; deleting removes one task', async () => {
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
        await store.deleteTransferTask(1, ids[2]!);
        expect((await store.getTransferTasks(1, 0, 0)).map((t) => t.taskId)).toEqual([ids[0], ids[1], ids[3], ids[4]]);
      });

      it('deleting an absent task is a no-op', async () => {
        const { store, rangeId } = await openWithShard();
        const { transferTaskIds } = await store.writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1], transfers: 1 }));
        await store.deleteTransferTask(1, 987_654);
        await store.deleteTransferTask(2, transferTaskIds[0]!);
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

      it('keeps shards apart', async () => {
        const { store } = await withTimers([1000]);
        const two = await store.acquireShard(2, 'h', 60_000);
        await store.writeExecution(executionWrite(executionKey(), { shardId: 2, rangeId: two.rangeId, eventIds: [1], timerFireTimes: [new Date(500)] }));
        expect((await store.getTimerTasks(1, new Date(5000), 0)).map((t) => t.fireTime.getTime())).toEqual([1000]);
        expect((await store.nextTimerFireTime(2))!.getTime()).toBe(500);
      });
    });

    describe('task queue backlogs', () => {
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

    describe('visibility', () => {
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
      async function startRun(store: Store, rangeId: number, key: ExecutionKey, overrides: Partial<VisibilityRecord> = {}) {
        const visibility = visibilityRecord(key, overrides);
        await store.writeExecution(
          executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2], currentExecution: { mode: 'create', record: currentRecord(key) }, visibility }),
        );
        return visibility;
      }

      /** Closes a run started by startRun, at `closeTime`. */
      async function closeRun(store: Store, rangeId: number, key: ExecutionKey, closeTime: Date, status = COMPLETED, overrides: Partial<VisibilityRecord> = {}) {
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
    });

    describe('custom search attributes', () => {
      const attrs = (entries: Array<[string, SearchAttributeType]>) => new Map(entries);

      it('are registered, listed and removed per namespace', async () => {
        const store = await open();
        expect(await store.getSearchAttributes('ns-1')).toEqual(new Map());
        await store.addSearchAttributes('ns-1', attrs([['CustomerId', 'Keyword'], ['Amount', 'Int']]), 100);
        await store.addSearchAttributes('ns-2', attrs([['Tags', 'KeywordList']]), 100);
        expect(await store.getSearchAttributes('ns-1')).toEqual(attrs([['Amount', 'Int'], ['CustomerId', 'Keyword']]));
        await store.removeSearchAttributes('ns-1', ['Amount', 'NeverAdded']);
        expect(await store.getSearchAttributes('ns-1')).toEqual(attrs([['CustomerId', 'Keyword']]));
        expect(await store.getSearchAttributes('ns-2')).toEqual(attrs([['Tags', 'KeywordList']]));
      });

      it('adding a name again with the same type changes nothing; with another type fails and adds nothing', async () => {
        const store = await open();
        await store.addSearchAttributes('ns-1', attrs([['CustomerId', 'Keyword']]), 100);
        await store.addSearchAttributes('ns-1', attrs([['CustomerId', 'Keyword'], ['Amount', 'Int']]), 100);
        const err = await rejection(store.addSearchAttributes('ns-1', attrs([['Score', 'Double'], ['CustomerId', 'Text']]), 100));
        expect(err).toBeInstanceOf(SearchAttributeTypeConflictError);
        expect(err).toMatchObject({ attribute: 'CustomerId', existingType: 'Keyword' });
        expect(await store.getSearchAttributes('ns-1')).toEqual(attrs([['Amount', 'Int'], ['CustomerId', 'Keyword']]));
      });

      it('refuses to pass the limit, adding nothing, also when additions race', async () => {
        const store = await open();
        await store.addSearchAttributes('ns-1', attrs([['A', 'Keyword'], ['B', 'Keyword']]), 3);
        await expect(store.addSearchAttributes('ns-1', attrs([['C', 'Int'], ['D', 'Int']]), 3)).rejects.toBeInstanceOf(TooManySearchAttributesError);
        expect([...(await store.getSearchAttributes('ns-1')).keys()]).toEqual(['A', 'B']);
        const settled = await Promise.allSettled(['E', 'F', 'G', 'H'].map((n) => store.addSearchAttributes('ns-1', attrs([[n, 'Bool']]), 3)));
        expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
        for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(TooManySearchAttributesError);
        expect((await store.getSearchAttributes('ns-1')).size).toBe(3);
      });

      it('refuses an unknown type', async () => {
        const store = await open();
        await expect(store.addSearchAttributes('ns-1', attrs([['A', 'Blob' as SearchAttributeType]]), 100)).rejects.toThrow(/unknown search attribute type/);
        expect(await store.getSearchAttributes('ns-1')).toEqual(new Map());
      });
    });

    // Registered only for stores whose database outlives them: an in-memory store has nothing to
    // reopen, and a skipped test would read as unfinished work.
    (harness.reopen ? describe : () => undefined)('durability across close and reopen', () => {
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
        const again = await harness.reopen!(store);
        opened.push(again);
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

    it('closing twice is harmless', async () => {
      const store = await open();
      await store.close();
      await store.close();
    });
  });
}
