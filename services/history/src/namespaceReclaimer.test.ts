import { describe, expect, it } from 'vitest';
import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import { reclaimStep } from './namespaceReclaimer';

const REQUESTED = Date.parse('2026-01-01T00:00:00Z');
const TTL = 10_000;

function deleted(fields: { goneAt?: number; delayS?: number } = {}): NamespaceRecord {
  return NamespaceRecord.fromPartial({
    info: { id: 'id', name: 'orders-deleted-id' },
    deletion: {
      originalName: 'orders',
      requestedTime: new Date(REQUESTED),
      deleteDelay: { seconds: fields.delayS ?? 0, nanos: 0 },
      executionsGoneTime: fields.goneAt === undefined ? undefined : new Date(fields.goneAt),
    },
  });
}

describe('reclaimStep', () => {
  it('waits until every namespace cache has seen the deletion before deleting runs', () => {
    expect(reclaimStep(deleted(), true, REQUESTED + TTL - 1, TTL)).toBe('wait for caches');
    expect(reclaimStep(deleted(), true, REQUESTED + TTL, TTL)).toBe('delete runs');
  });

  it('notes when the last run is gone, then removes the namespace after the delay', () => {
    const now = REQUESTED + TTL + 5;
    expect(reclaimStep(deleted(), false, now, TTL)).toBe('note runs gone');
    expect(reclaimStep(deleted({ goneAt: now }), false, now, TTL)).toBe('delete namespace');
    expect(reclaimStep(deleted({ goneAt: now, delayS: 60 }), false, now + 59_999, TTL)).toBe('wait for delay');
    expect(reclaimStep(deleted({ goneAt: now, delayS: 60 }), false, now + 60_000, TTL)).toBe('delete namespace');
  });

  it('deletes runs that appeared after the last ones were gone before removing the namespace', () => {
    expect(reclaimStep(deleted({ goneAt: REQUESTED + TTL }), true, REQUESTED + TTL + 1, TTL)).toBe('delete runs');
  });
});
