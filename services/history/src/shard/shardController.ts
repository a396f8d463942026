import { ShardOwnershipLostError } from '@kairos/persistence/errors';
import { setting } from '@kairos/common/settings';
import { shardNotOwned } from '@kairos/common/errors';
import type { Logger } from '@kairos/common/logger';
import { assignedShardOwners, type ClusterDirectory, type ClusterView } from '@kairos/cluster';
import { shardIdFor } from '@kairos/domain';
import type { ShardStore } from '@kairos/persistence/store';
import type { Metrics } from '@kairos/common/metrics';
import { historyRingChanged } from './ringChanges';

export interface ShardControllerOptions {
  numShards: number;
  /** Identity of this history instance in the shard leases. */
  owner: string;
  leaseMs: number;
  /**
   * Cluster mode: the shards are shared out among the live history instances the directory
   * sees. Absent (the embedded server): this instance takes every shard at start.
   */
  cluster?: {
    directory: ClusterDirectory;
    /** Tells the other processes that a shard changed hands (they re-read the directory). */
    announce: (shardId: number) => void;
  };
  /** Shard and membership series (sharditem_*, acquire_shards_*, numshards_gauge, membership_changed_count). */
  metrics?: Metrics;
}

/**
 * Holds this instance's shard leases. Acquiring a shard bumps its range id in the store; every
 * execution write carries that range id, so once another instance takes the shard our writes fail
 * instead of corrupting its state. Leases are renewed well before they expire.
 *
 * In a cluster each shard belongs to one live instance by balanced rendezvous hashing over the
 * live instances' ids (every instance holds an even share), so every instance computes the same
 * assignment from the same membership. An
 * instance takes a shard assigned to it once the holder's lease has expired or been released, or
 * the holder is no longer a live member (fencing makes taking it safe even if that holder is only
 * paused), and releases the shards assigned elsewhere so their new owner need not wait.
 */
export class ShardController {
  private readonly owned = new Map<number, number>(); // shardId -> rangeId
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly acquiredListeners: Array<(shardId: number) => void> = [];
  private readonly releasedListeners: Array<(shardId: number) => void> = [];
  private rebalancing: Promise<void> | undefined;
  private rebalanceAgain = false;
  private stopped = false;
  private ticking = false;

  constructor(
    private readonly store: ShardStore,
    private readonly options: ShardControllerOptions,
    private readonly logger: Logger,
  ) {}

  get numShards(): number {
    return this.options.numShards;
  }

  /** Takes this instance's shards: all of them, or in a cluster those assigned to it. */
  async start(): Promise<void> {
    const cluster = this.options.cluster;
    this.options.metrics?.sampleOwnedShards(() => this.owned.size);
    if (cluster) {
      // The directory reports every read; Temporal counts changes of the history ring, its
      // first sight of the ring (joining it) included.
      let seen: ClusterView | undefined;
      const observe = (view: ClusterView) => {
        if (view.members.history.length > 0 && (!seen || historyRingChanged(seen, view))) this.options.metrics?.historyMembershipChanged();
        if (view.members.history.length > 0) seen = view;
      };
      cluster.directory.onChange((view) => {
        observe(view);
        void this.rebalance(view);
      });
      observe(cluster.directory.current());
      await this.rebalance(cluster.directory.current());
    } else {
      // Alone, this instance is the whole ring: joining it is the one change Temporal counts.
      this.options.metrics?.historyMembershipChanged();
      await this.timedPass(async () => {
        for (let shardId = 1; shardId <= this.options.numShards; shardId++) await this.acquire(shardId);
      });
    }
    this.scheduleTick();
  }

  /** One pass over the shard assignment, counted and timed as Temporal's acquireShards. */
  private async timedPass(pass: () => Promise<void>): Promise<void> {
    const startedAt = performance.now();
    try {
      await pass();
    } finally {
      this.options.metrics?.shardsAcquirePass((performance.now() - startedAt) / 1000);
    }
  }

  onShardAcquired(listener: (shardId: number) => void): void {
    this.acquiredListeners.push(listener);
  }

  onShardReleased(listener: (shardId: number) => void): void {
    this.releasedListeners.push(listener);
  }

  ownedShards(): number[] {
    return [...this.owned.keys()];
  }

  shardFor(namespaceId: string, workflowId: string): number {
    return shardIdFor(namespaceId, workflowId, this.options.numShards);
  }

  /** The fencing number to write a shard with; UNAVAILABLE (callers retry at the owner) when not owned. */
  rangeIdFor(shardId: number): number {
    const rangeId = this.owned.get(shardId);
    if (rangeId === undefined) throw shardNotOwned(shardId);
    return rangeId;
  }

  /** The fencing number of a shard this instance holds, or undefined. */
  ownedRangeId(shardId: number): number | undefined {
    return this.owned.get(shardId);
  }

  /**
   * Whether this instance holds every shard it should: all of them embedded, those the directory
   * assigns to it in a cluster. Health reports NOT_SERVING while it does not.
   */
  ownsAssignedShards(): boolean {
    const cluster = this.options.cluster;
    if (!cluster) return this.owned.size === this.options.numShards;
    const me = this.options.owner;
    const alive = cluster.directory.current().members.history.map((m) => m.instanceId);
    if (!alive.includes(me)) alive.push(me);
    for (const [shardId, owner] of assignedShardOwners(this.options.numShards, alive)) {
      if (owner === me && !this.owned.has(shardId)) return false;
    }
    return true;
  }

  /**
   * Called when a write under `rangeId` found the shard taken over (or its lease could not be
   * renewed): stop using it. A shard re-acquired since (another range id) is kept.
   */
  lost(shardId: number, rangeId?: number): void {
    if (rangeId !== undefined && this.owned.get(shardId) !== rangeId) return;
    if (!this.owned.delete(shardId)) return;
    this.options.metrics?.shardRemoved();
    this.logger.warn('lost shard ownership', { shardId });
    for (const listener of this.releasedListeners) listener(shardId);
    this.options.cluster?.directory.refreshSoon();
  }

  private async acquire(shardId: number): Promise<void> {
    const startedAt = performance.now();
    const lease = await this.store.acquireShard(shardId, this.options.owner, this.options.leaseMs);
    this.options.metrics?.shardAcquired((performance.now() - startedAt) / 1000);
    this.owned.set(shardId, lease.rangeId);
    this.logger.info('acquired shard', { shardId, rangeId: lease.rangeId });
    for (const listener of this.acquiredListeners) listener(shardId);
    this.options.cluster?.announce(shardId);
  }

  private async release(shardId: number): Promise<void> {
    const rangeId = this.owned.get(shardId);
    if (rangeId === undefined) return;
    this.owned.delete(shardId);
    this.options.metrics?.shardRemoved();
    for (const listener of this.releasedListeners) listener(shardId);
    await this.store.releaseShard(shardId, rangeId);
    this.logger.info('released shard', { shardId, rangeId });
    this.options.cluster?.announce(shardId);
  }

  /** Takes the shards assigned to this instance that are free, releases those assigned elsewhere. One pass at a time. */
  private rebalance(view: ClusterView): Promise<void> {
    if (this.rebalancing) {
      this.rebalanceAgain = true;
      return this.rebalancing;
    }
    this.rebalancing = (async () => {
      try {
        let next: ClusterView | undefined = view;
        while (next && !this.stopped) {
          this.rebalanceAgain = false;
          const view = next;
          await this.timedPass(() => this.rebalanceOnce(view));
          next = this.rebalanceAgain ? this.options.cluster!.directory.current() : undefined;
        }
      } catch (err) {
        this.logger.warn('shard rebalancing failed; retrying at the next membership read', { error: String(err) });
      } finally {
        this.rebalancing = undefined;
      }
    })();
    return this.rebalancing;
  }

  private async rebalanceOnce(view: ClusterView): Promise<void> {
    const me = this.options.owner;
    const alive = view.members.history.map((m) => m.instanceId);
    // This instance is alive even if the read predates its first heartbeat.
    if (!alive.includes(me)) alive.push(me);
    const assignment = assignedShardOwners(this.options.numShards, alive);
    const now = Date.now();
    for (let shardId = 1; shardId <= this.options.numShards; shardId++) {
      const assignedToMe = assignment.get(shardId) === me;
      const held = this.owned.has(shardId);
      if (assignedToMe && !held) {
        const lease = view.shards.get(shardId);
        const free = !lease || lease.owner === me || lease.leaseExpiresAt.getTime() <= now || !alive.includes(lease.owner);
        if (free) await this.acquire(shardId);
      } else if (!assignedToMe && held) {
        await this.release(shardId);
      }
    }
  }

  /**
   * The next pass of lease upkeep, a third of the lease after this one ended (not started): a
   * store that blocks every write for its busy timeout must leave the process time to answer.
   */
  private scheduleTick(): void {
    if (this.stopped) return;
    this.renewTimer = setTimeout(() => void this.tick().finally(() => this.scheduleTick()), Math.max(setting('history.shardRenewMinInterval'), this.options.leaseMs / 3));
    this.renewTimer.unref();
  }

  /** One pass of lease upkeep. */
  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const storeAnswered = await this.renewAll();
      // Embedded, nothing else hands shards back: a shard lost to a store outage (full disk, a
      // lock held too long) is taken again as soon as the store answers, unless someone else
      // holds it. (In a cluster, rebalancing on the directory's reads does this.)
      if (storeAnswered && !this.options.cluster) await this.timedPass(() => this.reacquireFree());
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Renews every lease held; a lease that cannot be renewed is given up. False when the store
   * could not be written at all: the rest wait for the next pass (a store that blocks each write
   * for its busy timeout must not block the process once per shard).
   */
  private async renewAll(): Promise<boolean> {
    for (const [shardId, rangeId] of this.owned) {
      try {
        await this.store.renewShard(shardId, rangeId, this.options.owner, this.options.leaseMs);
      } catch (err) {
        this.logger.error('shard lease renewal failed', { shardId, error: String(err) });
        this.lost(shardId, rangeId);
        if (!(err instanceof ShardOwnershipLostError)) return false;
      }
    }
    return true;
  }

  /** Takes every shard this instance does not hold and nobody else holds a live lease on. */
  private async reacquireFree(): Promise<void> {
    for (let shardId = 1; shardId <= this.options.numShards && !this.stopped; shardId++) {
      if (this.owned.has(shardId)) continue;
      try {
        const lease = await this.store.getShard(shardId);
        const free = !lease || lease.owner === this.options.owner || lease.leaseExpiresAt.getTime() <= Date.now();
        if (free) await this.acquire(shardId);
      } catch (err) {
        this.logger.warn('shard re-acquisition failed; retrying', { shardId, error: String(err) });
        return;
      }
    }
  }

  /** Stops renewing; in a cluster, hands every shard back so the others take them at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.renewTimer) clearTimeout(this.renewTimer);
    await this.rebalancing;
    if (this.options.cluster) {
      for (const shardId of this.ownedShards()) await this.release(shardId).catch(() => undefined);
    }
  }
}
