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
   * Fencing for a write without tasks: the share lock keeps the range id from moving (an
   * acquisition waits for it) until this transaction ends.
   */
  lockShardShared: statement('lock_shard_shared', 'SELECT range_id FROM shards WHERE shard_id = $1 FOR SHARE'),
  /**
   * Fencing for a write with tasks, and their ids: the row stays locked until commit, so a shard's
   * task ids become visible in increasing order (the queue processors read "after id N").
   */
  allocateTaskIds: statement(
    'allocate_task_ids',
    'UPDATE shards SET last_task_id = last_task_id + $1 WHERE shard_id = $2 AND range_id = $3 RETURNING last_task_id',
  ),
} as const;

async function shardLost(db: Queryable, shardId: number, rangeId: number): Promise<ShardOwnershipLostError> {
  const [row] = (await query<{ range_id: number }>(db, SQL.getShard, [shardId])).rows;
  return new ShardOwnershipLostError(
    shardId,
    `shard ${shardId} ownership lost: writer holds range id ${rangeId}, the shard ${row === undefined ? 'was never acquired' : `is at ${row.range_id}`}`,
  );
}

/**
 * Fences an execution write inside its transaction, holding the shard row until commit: checks
 * that `rangeId` is still the shard's and allocates `taskCount` task ids in the same statement.
 * Returns the first id (0 when none); throws ShardOwnershipLostError when fenced out.
 */
export async function fenceShard(client: PoolClient, shardId: number, rangeId: number, taskCount: number): Promise<number> {
  if (taskCount > 0) {
    const [row] = (await query<{ last_task_id: number }>(client, SQL.allocateTaskIds, [taskCount, shardId, rangeId])).rows;
    if (!row) throw await shardLost(client, shardId, rangeId);
    return row.last_task_id - taskCount + 1;
  }
  const [row] = (await query<{ range_id: number }>(client, SQL.lockShardShared, [shardId])).rows;
  if (row?.range_id !== rangeId) throw await shardLost(client, shardId, rangeId);
  return 0;
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
