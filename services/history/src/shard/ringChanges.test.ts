import { describe, expect, it } from 'vitest';
import type { ClusterView } from '@kairos/cluster';
import { historyRingChanged } from './ringChanges';

const view = (history: string[], matching: string[] = []): ClusterView => ({
  members: {
    history: history.map((instanceId) => ({ instanceId, address: `${instanceId}:7234` })),
    matching: matching.map((instanceId) => ({ instanceId, address: `${instanceId}:7235` })),
  },
  shards: new Map(),
  readAt: 0,
} as unknown as ClusterView);

describe('historyRingChanged', () => {
  it('is a change when a history instance joins or leaves, not when the same ones are read again', () => {
    expect(historyRingChanged(view(['a']), view(['a', 'b']))).toBe(true);
    expect(historyRingChanged(view(['a', 'b']), view(['b']))).toBe(true);
    expect(historyRingChanged(view(['a', 'b']), view(['c', 'b']))).toBe(true);
    expect(historyRingChanged(view(['a', 'b']), view(['b', 'a']))).toBe(false);
    // Matching instances are not history's ring.
    expect(historyRingChanged(view(['a'], ['m1']), view(['a'], ['m1', 'm2']))).toBe(false);
  });
});
