import { noLiveHistoryInstance, noLiveInstance, noLiveMatchingInstance } from '@kairos/common/errors';
import type { Logger } from '@kairos/common/logger';
import { setting } from '@kairos/common/settings';
import type { Notifier } from '@kairos/notify/notifier';
import type { ClusterMember, MemberRole, ShardLease, Store } from '@kairos/persistence/store';
import { balancedOwners, ownerOf } from './rendezvous';
import type { MembershipTiming } from './membership';

/** What the directory knows at one moment: live members by role and the shard leases. */
export interface ClusterView {
  members: Record<MemberRole, ClusterMember[]>;
  shards: Map<number, ShardLease>;
  readAt: number;
}

let lastAssignment: { signature: string; owners: Map<number, string> } | undefined;

/**
 * Which history instance each shard (1..numShards) belongs to: balanced rendezvous over the live
 * history instances, so each holds an even share and all processes agree. The last answer is kept
 * because routers ask on every call and membership rarely changes.
 */
export function assignedShardOwners(numShards: number, historyMembers: readonly string[]): Map<number, string> {
  const signature = `${numShards}|${[...historyMembers].sort().join(',')}`;
  if (lastAssignment?.signature !== signature) {
    const byKey = balancedOwners(Array.from({ length: numShards }, (_, i) => `shard/${i + 1}`), historyMembers);
    const owners = new Map<number, string>();
    for (const [key, owner] of byKey) owners.set(Number(key.slice('shard/'.length)), owner);
    lastAssignment = { signature, owners };
  }
  return lastAssignment.owners;
}

/** The matching instance a task queue belongs to (`namespaceId/kind/name`), by rendezvous. */
export function assignedQueueOwner(queueKey: string, matchingMembers: readonly string[]): string | undefined {
  return ownerOf(`queue/${queueKey}`, matchingMembers);
}

/**
 * Who owns what, read from the store: the live history and matching instances (membership rows)
 * and the shard leases. Re-read periodically, when a "membership-changed" notification arrives,
 * and when a caller found an instance that no longer serves a key (refreshSoon), never more often
 * than `minRefreshMs`.
 */
export class ClusterDirectory {
  private view: ClusterView = { members: { history: [], matching: [] }, shards: new Map(), readAt: 0 };
  private reading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<(view: ClusterView) => void>();

  constructor(
    private readonly store: Store,
    private readonly timing: MembershipTiming & { refreshMs: number; minRefreshMs?: number },
    private readonly logger: Logger,
  ) {}

  async start(notifier: Notifier): Promise<void> {
    await this.refresh();
    this.unsubscribe = notifier.subscribe('membership-changed', () => this.refreshSoon());
    this.timer = setInterval(() => void this.refresh(), this.timing.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** Calls `listener` after every read (the shard controller rebalances on it). */
  onChange(listener: (view: ClusterView) => void): void {
    this.listeners.add(listener);
  }

  /** Like onChange, for a listener that leaves again (a call waiting on an instance); returns the unsubscribe. */
  subscribe(listener: (view: ClusterView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  current(): ClusterView {
    return this.view;
  }

  /** Reads the store again unless a read is running or the last one is recent enough. */
  refreshSoon(): void {
    if (Date.now() - this.view.readAt >= (this.timing.minRefreshMs ?? setting('cluster.directoryMinRefresh'))) void this.refresh();
  }

  /** Reads members and leases from the store (one read at a time; callers share it). */
  refresh(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const aliveSince = new Date(Date.now() - this.timing.ttlMs);
        const [history, matching, shards] = await Promise.all([
          this.store.listMembers('history', aliveSince),
          this.store.listMembers('matching', aliveSince),
          this.store.listShards(),
        ]);
        this.view = { members: { history, matching }, shards: new Map(shards.map((s) => [s.shardId, s])), readAt: Date.now() };
        for (const listener of this.listeners) listener(this.view);
      } catch (err) {
        this.logger.warn('reading cluster membership failed', { error: String(err) });
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  /** Address of the instance serving `shardId`: its lease holder while that is alive, else the one it is assigned to. */
  historyAddressForShard(shardId: number, numShards: number): string {
    const members = this.view.members.history;
    const lease = this.view.shards.get(shardId);
    const holder = lease && lease.leaseExpiresAt.getTime() > Date.now() ? members.find((m) => m.instanceId === lease.owner) : undefined;
    const target = holder ?? members.find((m) => m.instanceId === assignedShardOwners(numShards, members.map((x) => x.instanceId)).get(shardId));
    if (!target) throw noLiveHistoryInstance(shardId);
    return target.address;
  }

  /** Address of some live instance of `role`, for a request about no key one instance owns: a random one spreads them. */
  anyAddress(role: MemberRole): string {
    const members = this.view.members[role];
    const target = members[Math.floor(Math.random() * members.length)];
    if (!target) throw noLiveInstance(role);
    return target.address;
  }

  /** Address of the matching instance serving the task queue `queueKey` (`namespaceId/kind/name`). */
  matchingAddressForQueue(queueKey: string): string {
    const members = this.view.members.matching;
    const owner = assignedQueueOwner(queueKey, members.map((m) => m.instanceId));
    const target = members.find((m) => m.instanceId === owner);
    if (!target) throw noLiveMatchingInstance(queueKey);
    return target.address;
  }
}
