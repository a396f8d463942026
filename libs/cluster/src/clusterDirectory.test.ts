import { describe, expect, it } from 'vitest';
import { noopLogger } from '@kairos/common/logger';
import type { ClusterMember, MemberRole, Store } from '@kairos/persistence/store';
import { ClusterDirectory } from './clusterDirectory';

const member = (role: MemberRole, n: number): ClusterMember => ({ role, instanceId: `${role}-${n}`, address: `${role}:${n}`, heartbeatAt: new Date() });

function directoryWith(members: Record<MemberRole, ClusterMember[]>): ClusterDirectory {
  const store = { listMembers: async (role: MemberRole) => members[role], listShards: async () => [] } as unknown as Store;
  return new ClusterDirectory(store, { heartbeatMs: 1_000, ttlMs: 5_000, refreshMs: 1_000 }, noopLogger);
}

describe('ClusterDirectory.anyAddress', () => {
  it('answers some live instance of the role', async () => {
    const directory = directoryWith({ history: [member('history', 1), member('history', 2)], matching: [member('matching', 1)] });
    await directory.refresh();
    expect(['history:1', 'history:2']).toContain(directory.anyAddress('history'));
    expect(directory.anyAddress('matching')).toBe('matching:1');
  });

  it('is UNAVAILABLE while no instance of the role is alive', async () => {
    const directory = directoryWith({ history: [], matching: [] });
    await directory.refresh();
    expect(() => directory.anyAddress('matching')).toThrow(expect.objectContaining({ code: 14 }));
  });
});
