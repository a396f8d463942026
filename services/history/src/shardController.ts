import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/dist/errors';
import type { Logger } from '@kairos/common/dist/logger';
import { shardIdFor } from '@kairos/domain';
import type { Store } from '@kairos/persistence/dist/store';

export interface ShardControllerOptions {
  numShards: number;
  /** Identity of this history instance in the shard leases. */
  owner: string;
  leaseMs: number;
}

/**
 * Holds this instance's shard leases. Acquiring a shard bumps its range id in the store; every
 * execution write carries that range id, so once another instance takes the shard our writes fail
 * instead of corrupting its state. Leases are renewed well before they expire.
 */
export class ShardController {
  private readonly owned = new Map<number, number>(); // shardId -> rangeId
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(shardId: number) => void> = [];

  constructor(
    private readonly store: Store,
    private readonly options: ShardControllerOptions,
    private readonly logger: Logger,
  ) {}

  get numShards(): number {
    return this.options.numShards;
  }

  /** Acquires every shard (a single history instance owns all of them). */
  async start(): Promise<void> {
    for (let shardId = 1; shardId <= this.options.numShards; shardId++) {
      const lease = await this.store.acquireShard(shardId, this.options.owner, this.options.leaseMs);
      this.owned.set(shardId, lease.rangeId);
      this.logger.info('acquired shard', { shardId, rangeId: lease.rangeId });
      for (const listener of this.listeners) listener(shardId);
    }
    this.renewTimer = setInterval(() => void this.renewAll(), Math.max(1000, this.options.leaseMs / 3));
    this.renewTimer.unref();
  }

  onShardAcquired(listener: (shardId: number) => void): void {
    this.listeners.push(listener);
  }

  ownedShards(): number[] {
    return [...this.owned.keys()];
  }

  shardFor(namespaceId: string, workflowId: string): number {
    return shardIdFor(namespaceId, workflowId, this.options.numShards);
  }

  /** The fencing number to write a shard with; UNAVAILABLE (retried by callers) when not owned. */
  rangeIdFor(shardId: number): number {
    const rangeId = this.owned.get(shardId);
    if (rangeId === undefined) throw new ApiError(Status.UNAVAILABLE, `shard ${shardId} is not owned by this history instance`);
    return rangeId;
  }

  /** The fencing number of a shard this instance holds, or undefined. */
  ownedRangeId(shardId: number): number | undefined {
    return this.owned.get(shardId);
  }

  /** Called when a write found the shard taken over: stop using it. */
  lost(shardId: number): void {
    if (this.owned.delete(shardId)) this.logger.warn('lost shard ownership', { shardId });
  }

  private async renewAll(): Promise<void> {
    for (const [shardId, rangeId] of this.owned) {
      try {
        await this.store.renewShard(shardId, rangeId, this.options.owner, this.options.leaseMs);
      } catch (err) {
        this.logger.error('shard lease renewal failed', { shardId, error: String(err) });
        this.lost(shardId);
      }
    }
  }

  stop(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
  }
}
