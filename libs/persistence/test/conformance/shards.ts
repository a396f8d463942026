import { describe, expect, it } from 'vitest';
import { ShardOwnershipLostError } from '../../src/errors';
import type { ShardStore } from '../../src/store';
import { rejection, useStores, type Closable, type StoreHarness } from './harness';

/** Shards: leases, range ids (fencing numbers) and their release. */
export function shardConformance(harness: StoreHarness<ShardStore & Closable>): void {
  describe('shards', () => {
    const { open } = useStores(harness);

    it('returns undefined for a shard never acquired', async () => {
      const store = await open();
      expect(await store.getShard(1)).toBeUndefined();
    });

    it('acquiring records owner and lease and bumps the range id every time', async () => {
      const store = await open();
      const before = Date.now();
      const first = await store.acquireShard(1, 'host-a', 30_000);
      expect(first).toMatchObject({ shardId: 1, owner: 'host-a' });
      expect(first.rangeId).toBeGreaterThan(0);
      expect(first.leaseExpiresAt.getTime()).toBeGreaterThanOrEqual(before + 30_000);
      expect(first.leaseExpiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 30_000);
      expect(await store.getShard(1)).toEqual(first);

      const second = await store.acquireShard(1, 'host-b', 10_000);
      expect(second.rangeId).toBeGreaterThan(first.rangeId);
      expect(await store.getShard(1)).toEqual(second);
    });

    it('keeps shards independent', async () => {
      const store = await open();
      const a1 = await store.acquireShard(1, 'host-a', 1000);
      await store.acquireShard(2, 'host-b', 1000);
      await store.acquireShard(2, 'host-b', 1000);
      expect((await store.getShard(1))!.rangeId).toBe(a1.rangeId);
      expect((await store.getShard(2))!.owner).toBe('host-b');
    });

    it('renewing with the current range id extends the lease', async () => {
      const store = await open();
      const lease = await store.acquireShard(1, 'host-a', 1000);
      const renewed = await store.renewShard(1, lease.rangeId, 'host-a', 120_000);
      expect(renewed.rangeId).toBe(lease.rangeId);
      expect(renewed.leaseExpiresAt.getTime()).toBeGreaterThan(lease.leaseExpiresAt.getTime());
      expect(await store.getShard(1)).toEqual(renewed);
    });

    it('renewing with a stale range id fails with ShardOwnershipLostError and changes nothing', async () => {
      const store = await open();
      const old = await store.acquireShard(1, 'host-a', 1000);
      const current = await store.acquireShard(1, 'host-b', 1000);
      const err = await rejection(store.renewShard(1, old.rangeId, 'host-a', 60_000));
      expect(err).toBeInstanceOf(ShardOwnershipLostError);
      expect((err as ShardOwnershipLostError).shardId).toBe(1);
      expect(await store.getShard(1)).toEqual(current);
    });

    it('renewing a shard never acquired fails with ShardOwnershipLostError', async () => {
      const store = await open();
      await expect(store.renewShard(3, 1, 'host-a', 1000)).rejects.toBeInstanceOf(ShardOwnershipLostError);
      expect(await store.getShard(3)).toBeUndefined();
    });

    it('lists every acquired shard by id', async () => {
      const store = await open();
      expect(await store.listShards()).toEqual([]);
      const b = await store.acquireShard(2, 'host-b', 5_000);
      const a = await store.acquireShard(1, 'host-a', 5_000);
      expect(await store.listShards()).toEqual([a, b]);
    });

    it('releasing with the current range id ends the lease at once and keeps the range id', async () => {
      const store = await open();
      const lease = await store.acquireShard(1, 'host-a', 60_000);
      await store.releaseShard(1, lease.rangeId);
      expect(await store.getShard(1)).toEqual({ ...lease, leaseExpiresAt: new Date(0) });
      // The next owner's acquisition fences the released one out as usual.
      const next = await store.acquireShard(1, 'host-b', 60_000);
      expect(next.rangeId).toBe(lease.rangeId + 1);
    });

    it('releasing with a stale range id changes nothing', async () => {
      const store = await open();
      const old = await store.acquireShard(1, 'host-a', 60_000);
      const current = await store.acquireShard(1, 'host-b', 60_000);
      await store.releaseShard(1, old.rangeId);
      await store.releaseShard(7, 1); // never acquired
      expect(await store.getShard(1)).toEqual(current);
      expect(await store.getShard(7)).toBeUndefined();
    });
  });
}
