import { describe, expect, it } from 'vitest';
import { mergePriorities } from './priorities';

describe('mergePriorities (Temporal priorities.Merge)', () => {
  it('takes each field the override sets, else the base\'s', () => {
    const run = { priorityKey: 2, fairnessKey: 'tenant-a', fairnessWeight: 3 };
    expect(mergePriorities(run, { priorityKey: 0, fairnessKey: 'tenant-b', fairnessWeight: 0 })).toEqual({ priorityKey: 2, fairnessKey: 'tenant-b', fairnessWeight: 3 });
    expect(mergePriorities(run, undefined)).toBe(run);
    expect(mergePriorities(undefined, run)).toBe(run);
    expect(mergePriorities(undefined, undefined)).toBeUndefined();
  });
});
