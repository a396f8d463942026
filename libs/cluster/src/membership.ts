import type { Logger } from '@kairos/common/logger';
import { setting } from '@kairos/common/settings';
import type { Notifier } from '@kairos/notify/notifier';
import type { MemberRole, Store } from '@kairos/persistence/store';

/** Timing of membership: how often an instance heartbeats and how long until silence means dead. */
export interface MembershipTiming {
  heartbeatMs: number;
  /** A member whose last heartbeat is older than this is treated as gone. */
  ttlMs: number;
}

export const DEFAULT_MEMBERSHIP_TIMING: MembershipTiming = { heartbeatMs: setting('cluster.membershipHeartbeat'), ttlMs: setting('cluster.memberTtl') };

/**
 * Keeps this instance's row in the store's membership table fresh. Joining and leaving are also
 * announced on the notifier ("membership-changed") so the others look at once; when NATS is
 * silent they still see the change at their next periodic read.
 */
export class MembershipHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private joined = false;

  constructor(
    private readonly store: Store,
    private readonly notifier: Notifier,
    readonly role: MemberRole,
    readonly instanceId: string,
    readonly address: string,
    private readonly timing: MembershipTiming,
    private readonly logger: Logger,
  ) {}

  /** Writes the first heartbeat (so the instance is a member when this resolves) and keeps beating. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.timing.heartbeatMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      await this.store.heartbeatMember(this.role, this.instanceId, this.address);
      if (!this.joined) {
        this.joined = true;
        this.logger.info('joined the cluster', { role: this.role, instanceId: this.instanceId, address: this.address });
        this.notifier.publish('membership-changed', `${this.role}/${this.instanceId}`);
      }
    } catch (err) {
      this.logger.warn('membership heartbeat failed', { error: String(err) });
    }
  }

  /** Leaves the cluster: the row is removed so the others rebalance without waiting for the ttl. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.store.removeMember(this.role, this.instanceId).catch((err: unknown) => this.logger.warn('leaving the cluster failed', { error: String(err) }));
    this.notifier.publish('membership-changed', `${this.role}/${this.instanceId}`);
  }
}
