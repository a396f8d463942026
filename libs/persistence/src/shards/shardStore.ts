/** A history shard's lease: who holds it until when, under which fencing number. */
export interface ShardLease {
  shardId: number;
  rangeId: number;
  owner: string;
  leaseExpiresAt: Date;
}

/**
 * History shards. Acquiring bumps the shard's range id (its fencing number) and records the owner
 * and lease expiry; every execution write carries the range id it was issued under, so a former
 * owner cannot write once another instance acquired the shard.
 */
export interface ShardStore {
  acquireShard(shardId: number, owner: string, leaseMs: number): Promise<ShardLease>;
  /** Extends the lease if `rangeId` still matches; throws ShardOwnershipLostError otherwise. */
  renewShard(shardId: number, rangeId: number, owner: string, leaseMs: number): Promise<ShardLease>;
  getShard(shardId: number): Promise<ShardLease | undefined>;
  /** Every shard ever acquired, by shard id. */
  listShards(): Promise<ShardLease[]>;
  /**
   * Ends the lease now (expiry set to the epoch) if `rangeId` still matches, so the next owner
   * need not wait for it to run out; a no-op when the shard already moved on.
   */
  releaseShard(shardId: number, rangeId: number): Promise<void>;
}
