import type { PoolClient } from 'pg';
import { ShardOwnershipLostError } from '../errors';
import type { ShardLease, ShardStore } from '../shards/shardStore';
import { query, statement, type PostgresDatabase, type Queryable } from './database';

const SQL = {
  acquireShard: statement(
    'acquire_shard',
    `INSERT INTO shards (shard_id, range_id, owner, lease_expires_at) VALUES ($1, 1, $2, $3)
     ON CONFLICT (shard_id) DO UPDATE SET range_id = shards.range_id + 1, owner = excluded.owner, lease_expires_at = excluded.lease_expires_at
     RETURNING range_id`,
  ),
  renewShard: statement('renew_shard', 'UPDATE shards SET owner = $1, lease_expires_at = $2 WHERE shard_id = $3 AND range_id = $4'),
  getShard: statement('get_shard', 'SELECT range_id, owner, lease_expires_at FROM shards WHERE shard_id = $1'),
  allShards: statement('all_shards', 'SELECT shard_id, range_id, owner, lease_expires_at FROM shards ORDER BY shard_id'),
  releaseShard: statement('release_shard', 'UPDATE shards SET lease_expires_at = 0 WHERE shard_id = $1 AND range_id = $2'),
  /**
   * Fencing of an execution write: the share lock keeps the range id from moving (an acquisition
   * or renewal waits for it) until the transaction ends, while other writes of the shard go on.
   */
  lockShardShared: statement('lock_shard_shared', 'SELECT range_id FROM shards WHERE shard_id = $1 FOR SHARE'),
  /** A block of task ids for the owner holding `range_id`, committed on its own (see TaskIdBlocks). */
  allocateTaskIds: statement(
    'allocate_task_ids',
    'UPDATE shards SET last_task_id = last_task_id + $1 WHERE shard_id = $2 AND range_id = $3 RETURNING last_task_id',
  ),
} as const;

/** The shard's current range id is not the writer's: the error names what the shard is at. */
export async function shardLost(db: Queryable, shardId: number, rangeId: number): Promise<ShardOwnershipLostError> {
  const [row] = (await query<{ range_id: number }>(db, SQL.getShard, [shardId])).rows;
  return new ShardOwnershipLostError(
    shardId,
    `shard ${shardId} ownership lost: writer holds range id ${rangeId}, the shard ${row === undefined ? 'was never acquired' : `is at ${row.range_id}`}`,
  );
}

/**
 * Fences a write inside its transaction: checks that `rangeId` is still the shard's and holds a
 * share lock on the shard row until commit (writes of one shard do not wait for each other).
 * Throws ShardOwnershipLostError when fenced out.
 */
export async function fenceShard(client: PoolClient, shardId: number, rangeId: number): Promise<void> {
  const [row] = (await query<{ range_id: number }>(client, SQL.lockShardShared, [shardId])).rows;
  if (row?.range_id !== rangeId) throw await shardLost(client, shardId, rangeId);
}

interface TaskIdBlock {
  rangeId: number;
  next: number;
  last: number;
}

/**
 * Task ids handed out from blocks reserved in the shard row, like Temporal's range-based id
 * allocation: one short committed UPDATE per block instead of holding the shard row locked from
 * each write's first statement to its commit. Blocks never overlap (they come from the row's
 * counter), so ids are unique and a later owner's ids are above every earlier owner's; within
 * one shard ids follow allocation order, not commit order, which is why the queue processors
 * rescan from the start rather than resume after the last id they saw.
 */
export class TaskIdBlocks {
  private readonly blocks = new Map<number, TaskIdBlock>();
  /** Per shard and range id: one refill at a time; writers that find the block short wait for it. */
  private readonly refills = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Queryable,
    private readonly blockSize: number,
  ) {}

  /** `count` consecutive-in-allocation ids for a writer holding `rangeId`; [] when count is 0. */
  async reserve(shardId: number, rangeId: number, count: number): Promise<number[]> {
    if (count === 0) return [];
    for (;;) {
      const block = this.blocks.get(shardId);
      if (block && block.rangeId === rangeId && block.last - block.next + 1 >= count) {
        const ids = Array.from({ length: count }, (_, i) => block.next + i);
        block.next += count;
        return ids;
      }
      const key = `${shardId}:${rangeId}`;
      let refill = this.refills.get(key);
      if (!refill) {
        refill = this.refill(shardId, rangeId, Math.max(count, this.blockSize)).finally(() => this.refills.delete(key));
        this.refills.set(key, refill);
      }
      await refill;
    }
  }

  private async refill(shardId: number, rangeId: number, size: number): Promise<void> {
    const [row] = (await query<{ last_task_id: number }>(this.db, SQL.allocateTaskIds, [size, shardId, rangeId])).rows;
    if (!row) throw await shardLost(this.db, shardId, rangeId);
    this.blocks.set(shardId, { rangeId, next: row.last_task_id - size + 1, last: row.last_task_id });
  }
}

export function postgresShards(db: PostgresDatabase): ShardStore {
  return {
    async acquireShard(shardId: number, owner: string, leaseMs: number): Promise<ShardLease> {
      const leaseExpiresAt = Date.now() + leaseMs;
      const [row] = await db.read<{ range_id: number }>(SQL.acquireShard, [shardId, owner, leaseExpiresAt]);
      return { shardId, rangeId: row!.range_id, owner, leaseExpiresAt: new Date(leaseExpiresAt) };
    },

    async renewShard(shardId: number, rangeId: number, owner: string, leaseMs: number): Promise<ShardLease> {
      const leaseExpiresAt = Date.now() + leaseMs;
      return db.run(async () => {
        const result = await query(db.pool, SQL.renewShard, [owner, leaseExpiresAt, shardId, rangeId]);
        if (result.rowCount !== 1) throw await shardLost(db.pool, shardId, rangeId);
        return { shardId, rangeId, owner, leaseExpiresAt: new Date(leaseExpiresAt) };
      });
    },

    async getShard(shardId: number): Promise<ShardLease | undefined> {
      const [row] = await db.read<{ range_id: number; owner: string; lease_expires_at: number }>(SQL.getShard, [shardId]);
      return row ? { shardId, rangeId: row.range_id, owner: row.owner, leaseExpiresAt: new Date(row.lease_expires_at) } : undefined;
    },

    async listShards(): Promise<ShardLease[]> {
      const rows = await db.read<{ shard_id: number; range_id: number; owner: string; lease_expires_at: number }>(SQL.allShards, []);
      return rows.map((r) => ({ shardId: r.shard_id, rangeId: r.range_id, owner: r.owner, leaseExpiresAt: new Date(r.lease_expires_at) }));
    },

    async releaseShard(shardId: number, rangeId: number): Promise<void> {
      await db.read(SQL.releaseShard, [shardId, rangeId]);
    },
  };
}
