import type Database from 'better-sqlite3';
import { ShardOwnershipLostError } from '../errors';
import type { ShardLease, ShardStore } from '../shards/shardStore';
import type { SqliteConnection } from './connection';

function prepare(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    acquireShard: p(
      `INSERT INTO shards (shard_id, range_id, owner, lease_expires_at) VALUES (?, 1, ?, ?)
       ON CONFLICT (shard_id) DO UPDATE SET range_id = range_id + 1, owner = excluded.owner, lease_expires_at = excluded.lease_expires_at
       RETURNING range_id`,
    ).pluck(),
    renewShard: p('UPDATE shards SET owner = ?, lease_expires_at = ? WHERE shard_id = ? AND range_id = ?'),
    getShard: p('SELECT range_id, owner, lease_expires_at FROM shards WHERE shard_id = ?').raw(),
    allShards: p('SELECT shard_id, range_id, owner, lease_expires_at FROM shards ORDER BY shard_id').raw(),
    releaseShard: p('UPDATE shards SET lease_expires_at = 0 WHERE shard_id = ? AND range_id = ?'),
    shardRangeId: p('SELECT range_id FROM shards WHERE shard_id = ?').pluck(),
    /** Fences and allocates `n` task ids in one statement; returns the last id, or nothing if fenced out. */
    allocateTaskIds: p('UPDATE shards SET last_task_id = last_task_id + ? WHERE shard_id = ? AND range_id = ? RETURNING last_task_id').pluck(),
  };
}

/** Shard fencing inside an execution write's transaction (the shard row is the executions' fence). */
export interface SqliteShardFence {
  /**
   * Checks that `rangeId` is still the shard's and allocates `taskCount` task ids in the same
   * statement; returns the first id (0 when none). Throws ShardOwnershipLostError when fenced out.
   */
  fence(shardId: number, rangeId: number, taskCount: number): number;
}

export function sqliteShards(conn: SqliteConnection): { store: ShardStore; fence: SqliteShardFence } {
  const s = prepare(conn.db);

  function lost(shardId: number, rangeId: number): ShardOwnershipLostError {
    const found = s.shardRangeId.get(shardId) as number | undefined;
    return new ShardOwnershipLostError(
      shardId,
      `shard ${shardId} ownership lost: writer holds range id ${rangeId}, the shard ${found === undefined ? 'was never acquired' : `is at ${found}`}`,
    );
  }

  const fence: SqliteShardFence = {
    fence(shardId, rangeId, taskCount) {
      if (taskCount > 0) {
        const lastTaskId = s.allocateTaskIds.get(taskCount, shardId, rangeId) as number | undefined;
        if (lastTaskId === undefined) throw lost(shardId, rangeId);
        return lastTaskId - taskCount + 1;
      }
      if ((s.shardRangeId.get(shardId) as number | undefined) !== rangeId) throw lost(shardId, rangeId);
      return 0;
    },
  };

  const store: ShardStore = {
    async acquireShard(shardId: number, owner: string, leaseMs: number): Promise<ShardLease> {
      return conn.write(() => {
        const leaseExpiresAt = Date.now() + leaseMs;
        const rangeId = s.acquireShard.get(shardId, owner, leaseExpiresAt) as number;
        return { shardId, rangeId, owner, leaseExpiresAt: new Date(leaseExpiresAt) };
      });
    },

    async renewShard(shardId: number, rangeId: number, owner: string, leaseMs: number): Promise<ShardLease> {
      return conn.write(() => {
        const leaseExpiresAt = Date.now() + leaseMs;
        if (s.renewShard.run(owner, leaseExpiresAt, shardId, rangeId).changes !== 1) throw lost(shardId, rangeId);
        return { shardId, rangeId, owner, leaseExpiresAt: new Date(leaseExpiresAt) };
      });
    },

    async getShard(shardId: number): Promise<ShardLease | undefined> {
      const row = s.getShard.get(shardId) as [number, string, number] | undefined;
      if (!row) return undefined;
      return { shardId, rangeId: row[0], owner: row[1], leaseExpiresAt: new Date(row[2]) };
    },

    async listShards(): Promise<ShardLease[]> {
      return (s.allShards.all() as Array<[number, number, string, number]>).map(([shardId, rangeId, owner, expires]) => ({
        shardId,
        rangeId,
        owner,
        leaseExpiresAt: new Date(expires),
      }));
    },

    async releaseShard(shardId: number, rangeId: number): Promise<void> {
      await conn.write(() => void s.releaseShard.run(shardId, rangeId));
    },
  };

  return { store, fence };
}
