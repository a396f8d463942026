import { Client } from 'pg';
import { Status } from 'nice-grpc-common';
import { describe, expect, it } from 'vitest';
import { isApiError } from '@kairos/common/errors';
import { ConditionFailedError, CurrentExecutionConflictError, ShardOwnershipLostError } from '../../src/errors';
import { createPostgresPool, inTransaction, isDatabaseUnavailable } from '../../src/postgres/connection';
import { openPostgresStore } from '../../src/postgres/postgresStore';
import type { Store } from '../../src/store';
import { currentRecord, executionKey, executionWrite, taskQueueTask } from '../conformance/fixtures';
import { rejection, usePostgresServer } from './server';

const { migratedDatabase } = usePostgresServer();

describe('postgres with two stores on one database (several processes)', () => {
  /** Two stores (each its own pool of connections) on one new database; both hold the shard's current lease. */
  async function twoStores(): Promise<{ a: Store; b: Store; rangeId: number; url: string; close: () => Promise<void> }> {
    const url = await migratedDatabase();
    const a = (await openPostgresStore({ url })).store;
    const b = (await openPostgresStore({ url })).store;
    const { rangeId } = await a.acquireShard(1, 'host-a', 60_000);
    return { a, b, rangeId, url, close: async () => void (await Promise.all([a.close(), b.close()])) };
  }

  it('ends a session frozen inside a transaction, so the shard row it locked is taken over; the frozen writer then fails as unavailable, without crashing', async () => {
    const { b, close, url } = await twoStores();
    const pool = createPostgresPool(url);
    let takenOver!: () => void;
    const takeover = new Promise<void>((resolve) => (takenOver = resolve));
    let rowLocked!: () => void;
    const locked = new Promise<void>((resolve) => (rowLocked = resolve));
    try {
      // A process paused mid-write: its transaction holds the shard row and sends nothing more
      // until the other store has taken the shard over.
      const frozenWrite = inTransaction(pool, async (client) => {
        await client.query('SELECT range_id FROM shards WHERE shard_id = 1 FOR UPDATE');
        rowLocked();
        await takeover;
        await new Promise((resolve) => setTimeout(resolve, 200)); // the session's end reaches the client first
        await client.query('UPDATE shards SET owner = $1 WHERE shard_id = 1', ['host-frozen']);
      });
      await locked;
      const lease = await b.acquireShard(1, 'host-b', 60_000);
      takenOver();
      expect(lease.owner).toBe('host-b');
      const err = await rejection(frozenWrite);
      expect(isDatabaseUnavailable(err)).toBe(true);
      expect((await b.renewShard(1, lease.rangeId, 'host-b', 60_000)).owner).toBe('host-b');
    } finally {
      await pool.end();
      await close();
    }
  }, 30_000);

  it('answers UNAVAILABLE (which the SDKs retry), not INTERNAL, when no connection frees up in time', async () => {
    const { close, url } = await twoStores();
    const small = (await openPostgresStore({ url, poolSize: 1 })).store;
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      // Another session keeps the shard row locked while busy (not idle, so it is not ended):
      // the store's only connection waits on the lock, and its next call finds no connection.
      await holder.query('BEGIN');
      await holder.query('SELECT range_id FROM shards WHERE shard_id = 1 FOR UPDATE');
      const busy = holder.query('SELECT pg_sleep(14)');
      const waiting = small.acquireShard(1, 'host-c', 60_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const err = await rejection(small.getExecution(executionKey()));
      expect(isApiError(err) && err.code).toBe(Status.UNAVAILABLE);
      expect(err.message).toMatch(/^persistence unavailable: /);
      await busy;
      await holder.query('COMMIT');
      expect((await waiting).owner).toBe('host-c');
      expect(isDatabaseUnavailable(new Error('syntax error at or near "SELEC"'))).toBe(false);
    } finally {
      await holder.end();
      await small.close();
      await close();
    }
  }, 40_000);

  it('lets exactly one of racing conditional updates from both stores win', async () => {
    const { a, b, rangeId, close } = await twoStores();
    try {
      const key = executionKey();
      await a.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1, 2, 3], currentExecution: { mode: 'create', record: currentRecord(key) } }));
      const settled = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? a : b).writeExecution(executionWrite(key, { shardId: 1, rangeId, expectedDbVersion: 1, eventIds: [4, 5], transfers: 1 })),
        ),
      );
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(ConditionFailedError);
      expect((await b.getExecution(key))!.dbVersion).toBe(2);
      expect((await a.readHistory(key, 1, 100, 0)).map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5]);
      expect(await b.getTransferTasks(1, 0, 0)).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('lets exactly one of racing creates of one workflow id from both stores win', async () => {
    const { a, b, rangeId, close } = await twoStores();
    try {
      const keys = Array.from({ length: 8 }, (_, i) => executionKey('ns-1', 'wf-race', `run-${i}`));
      const settled = await Promise.allSettled(
        keys.map((key, i) =>
          (i % 2 ? a : b).writeExecution(
            executionWrite(key, { shardId: 1, rangeId, eventIds: [1], transfers: 1, currentExecution: { mode: 'create', record: currentRecord(key) } }),
          ),
        ),
      );
      const winners = keys.filter((_, i) => settled[i]!.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const s of settled) {
        if (s.status === 'rejected') {
          expect(s.reason).toBeInstanceOf(CurrentExecutionConflictError);
          expect((s.reason as CurrentExecutionConflictError).current?.runId).toBe(winners[0]!.runId);
        }
      }
      for (const key of keys) expect(!!(await a.getExecution(key))).toBe(key === winners[0]);
      expect(await a.getTransferTasks(1, 0, 0)).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('fences a store out at the moment another acquires the shard: none of its writes commits after that', async () => {
    const { a, b, rangeId, close } = await twoStores();
    try {
      const keys = Array.from({ length: 40 }, () => executionKey());
      const written = async () => (await Promise.all(keys.map((k) => b.getExecution(k)))).filter(Boolean).length;
      // Writes of the old owner, issued over time while the new owner acquires.
      const writes = Promise.allSettled(
        keys.map(async (key, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * 3));
          return a.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1], transfers: 1, timerFireTimes: [new Date(1)] }));
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 40));
      const lease = await b.acquireShard(1, 'host-b', 60_000);
      const atAcquisition = await written();
      const settled = await writes;

      expect(await written()).toBe(atAcquisition);
      const succeeded = settled.filter((s) => s.status === 'fulfilled').length;
      expect(succeeded).toBe(atAcquisition);
      expect(succeeded).toBeGreaterThan(0);
      expect(succeeded).toBeLessThan(keys.length);
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(ShardOwnershipLostError);
      expect(await b.getTransferTasks(1, 0, 0)).toHaveLength(succeeded);

      // The new owner's task ids continue above everything the old owner wrote.
      const oldIds = settled.flatMap((s) => (s.status === 'fulfilled' ? [...s.value.transferTaskIds, ...s.value.timerTaskIds] : []));
      const next = await b.writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId: lease.rangeId, eventIds: [1], transfers: 1 }));
      expect(next.transferTaskIds[0]).toBeGreaterThan(Math.max(0, ...oldIds));
    } finally {
      await close();
    }
  });

  it('gives task ids of one shard that are unique across stores, and a reader that starts again from the first id misses none', async () => {
    const { a, b, rangeId, close } = await twoStores();
    try {
      // Ids come from each store's own block, so they follow allocation, not commit, order: the
      // transfer queue rescans from id 0 (a pass that resumed after its last id could skip one).
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 ? a : b).writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1], transfers: 2, timerFireTimes: [new Date(5)] })),
        ),
      );
      const ids = results.flatMap((r) => [...r.transferTaskIds, ...r.timerTaskIds]);
      expect(new Set(ids).size).toBe(180);
      const transferIds = results.flatMap((r) => r.transferTaskIds).sort((x, y) => x - y);
      expect((await a.getTransferTasks(1, 0, 0)).map((t) => t.taskId)).toEqual(transferIds);
      expect((await b.getTimerTasks(1, new Date(5), 0)).map((t) => t.taskId).sort((x, y) => x - y)).toEqual(
        results.flatMap((r) => r.timerTaskIds).sort((x, y) => x - y),
      );
    } finally {
      await close();
    }
  });

  it('does not make a write of a shard wait for another write of it in flight (the shard row is only share-locked)', async () => {
    const { a, rangeId, url, close } = await twoStores();
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      await a.writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1], transfers: 1 }));
      // Another write of the shard, not yet committed: it holds the shard row as a write does.
      await holder.query('BEGIN');
      await holder.query('SELECT range_id FROM shards WHERE shard_id = 1 FOR SHARE');
      const key = executionKey();
      const result = await a.writeExecution(executionWrite(key, { shardId: 1, rangeId, eventIds: [1], transfers: 1, timerFireTimes: [new Date(5)] }));
      expect(result.dbVersion).toBe(1);
      expect(await a.getExecution(key)).toBeDefined();
      await holder.query('COMMIT');
    } finally {
      await holder.end();
      await close();
    }
  });

  it('gives task queue ids from both stores that are unique and visible in increasing order', async () => {
    const { a, b, close } = await twoStores();
    try {
      const range = await a.acquireTaskQueue('ns-1', 'orders', 'workflow', 'matching-a');
      const seen: number[] = [];
      let adding = true;
      const reader = (async () => {
        let after = 0;
        for (;;) {
          const done = !adding;
          for (const t of await a.getTaskQueueTasks('ns-1', 'orders', 'workflow', after, 0)) {
            seen.push(t.taskId);
            after = t.taskId;
          }
          if (done) return;
        }
      })();
      const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).addTaskQueueTask('ns-1', 'orders', 'workflow', taskQueueTask(`t${i}`), range)));
      adding = false;
      await reader;
      expect(new Set(ids).size).toBe(60);
      expect(seen).toEqual([...ids].sort((x, y) => x - y));
    } finally {
      await close();
    }
  });
});
