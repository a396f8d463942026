import { setting } from '@kairos/common/settings';

/**
 * Whether the store is refusing execution writes right now (a full disk, a lock held past the busy
 * timeout, a database out of reach). Shard leases are small writes that can still fit where a
 * run's write does not, so owning the shards alone does not tell that the server can work; the
 * health check also asks this. A refusal counts until a write succeeds or the window passes.
 */
export class StoreWriteHealth {
  private refusedAt: number | undefined;

  constructor(
    private readonly windowMs: number = setting('history.storeRefusalWindow'),
    private readonly now: () => number = Date.now,
  ) {}

  refused(): void {
    this.refusedAt = this.now();
  }

  succeeded(): void {
    this.refusedAt = undefined;
  }

  refusing(): boolean {
    return this.refusedAt !== undefined && this.now() - this.refusedAt < this.windowMs;
  }
}
