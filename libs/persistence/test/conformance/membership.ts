import { describe, expect, it } from 'vitest';
import type { MembershipStore } from '../../src/store';
import { useStores, type Closable, type StoreHarness } from './harness';

/** Cluster membership: heartbeats, who is alive, clean leaves. */
export function membershipConformance(harness: StoreHarness<MembershipStore & Closable>): void {
  describe('cluster membership', () => {
    const { open } = useStores(harness);

    it("keeps the first cluster id stored under a cluster's name", async () => {
      const store = await open();
      expect(await store.clusterId('active', 'id-1')).toBe('id-1');
      expect(await store.clusterId('active', 'id-2')).toBe('id-1');
      const [a, b] = await Promise.all([store.clusterId('other', 'id-3'), store.clusterId('other', 'id-4')]);
      expect(b).toBe(a);
    });

    it('records heartbeats and lists the members alive since a time, by instance id', async () => {
      const store = await open();
      const before = Date.now();
      await store.heartbeatMember('history', 'h-2', '10.0.0.2:7234');
      await store.heartbeatMember('history', 'h-1', '10.0.0.1:7234');
      await store.heartbeatMember('matching', 'm-1', '10.0.0.1:7235');
      const history = await store.listMembers('history', new Date(before - 1));
      expect(history.map((m) => [m.role, m.instanceId, m.address])).toEqual([
        ['history', 'h-1', '10.0.0.1:7234'],
        ['history', 'h-2', '10.0.0.2:7234'],
      ]);
      for (const m of history) {
        expect(m.heartbeatAt.getTime()).toBeGreaterThanOrEqual(before);
        expect(m.heartbeatAt.getTime()).toBeLessThanOrEqual(Date.now());
      }
      expect((await store.listMembers('matching', new Date(before - 1))).map((m) => m.instanceId)).toEqual(['m-1']);
      // Nobody heartbeated after now + 1 minute.
      expect(await store.listMembers('history', new Date(Date.now() + 60_000))).toEqual([]);
    });

    it('a heartbeat refreshes the time and the address; removal forgets the member', async () => {
      const store = await open();
      await store.heartbeatMember('matching', 'm-1', '10.0.0.1:7235');
      const [first] = await store.listMembers('matching', new Date(0));
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.heartbeatMember('matching', 'm-1', '10.0.0.9:7235');
      const [second] = await store.listMembers('matching', new Date(0));
      expect(second!.address).toBe('10.0.0.9:7235');
      expect(second!.heartbeatAt.getTime()).toBeGreaterThan(first!.heartbeatAt.getTime());
      await store.removeMember('matching', 'm-1');
      await store.removeMember('matching', 'never-there');
      expect(await store.listMembers('matching', new Date(0))).toEqual([]);
    });
  });
}
