import { describe, expect, it } from 'vitest';
import { ownerOf } from './rendezvous';

const shards = Array.from({ length: 512 }, (_, i) => `shard-${i + 1}`);
const owners = (members: string[]) => new Map(shards.map((s) => [s, ownerOf(s, members)]));

describe('ownerOf (rendezvous hashing)', () => {
  it('gives every key exactly one owner, the same whatever the order of the members', () => {
    const a = owners(['h1', 'h2', 'h3']);
    const b = owners(['h3', 'h1', 'h2']);
    expect(a).toEqual(b);
    for (const owner of a.values()) expect(['h1', 'h2', 'h3']).toContain(owner);
  });

  it('spreads keys roughly evenly', () => {
    const counts = new Map<string, number>();
    for (const owner of owners(['h1', 'h2', 'h3', 'h4']).values()) counts.set(owner!, (counts.get(owner!) ?? 0) + 1);
    for (const n of counts.values()) expect(n).toBeGreaterThan(512 / 4 / 2);
    expect(counts.size).toBe(4);
  });

  it('moves only the keys of a member that leaves, and only to the others', () => {
    const before = owners(['h1', 'h2', 'h3']);
    const after = owners(['h1', 'h3']);
    for (const s of shards) {
      if (before.get(s) !== 'h2') expect(after.get(s)).toBe(before.get(s));
      else expect(['h1', 'h3']).toContain(after.get(s));
    }
  });

  it('moves to a joining member only keys it now wins', () => {
    const before = owners(['h1', 'h2']);
    const after = owners(['h1', 'h2', 'h3']);
    let moved = 0;
    for (const s of shards) {
      if (after.get(s) !== before.get(s)) {
        expect(after.get(s)).toBe('h3');
        moved++;
      }
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('has no owner without members', () => {
    expect(ownerOf('shard-1', [])).toBeUndefined();
  });
});
