import { describe, expect, it } from 'vitest';
import { balancedOwners, ownerOf } from './rendezvous';

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

describe('balancedOwners (rendezvous with even shares)', () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `shard/${i + 1}`);
  const loads = (owners: Map<string, string>) => {
    const counts = new Map<string, number>();
    for (const owner of owners.values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    return counts;
  };
  const members = (seed: number, n: number) => Array.from({ length: n }, (_, i) => `history-${seed}-${i}`);

  it('gives every member ⌊keys/members⌋ or ⌈keys/members⌉ keys, for many member sets', () => {
    for (let seed = 0; seed < 300; seed++) {
      for (const n of [1, 2, 3, 5]) {
        for (const k of [1, 4, 8, 13]) {
          const owners = balancedOwners(keys(k), members(seed, n));
          expect(owners.size).toBe(k);
          const counts = loads(owners);
          for (const m of members(seed, n)) {
            const held = counts.get(m) ?? 0;
            expect(held === Math.floor(k / n) || held === Math.ceil(k / n)).toBe(true);
          }
        }
      }
    }
  });

  it('gives the same answer whatever the order of the members and of the keys', () => {
    const a = balancedOwners(keys(64), ['h1', 'h2', 'h3']);
    const b = balancedOwners([...keys(64)].reverse(), ['h3', 'h1', 'h2']);
    expect(b).toEqual(a);
  });

  it('moves few keys when a member joins: mostly those the joiner takes', () => {
    let moved = 0;
    let toJoiner = 0;
    for (let seed = 0; seed < 50; seed++) {
      const before = balancedOwners(keys(512), members(seed, 3));
      const after = balancedOwners(keys(512), [...members(seed, 3), `joiner-${seed}`]);
      for (const [key, owner] of after) {
        if (owner === before.get(key)) continue;
        moved++;
        if (owner === `joiner-${seed}`) toJoiner++;
      }
    }
    // The joiner takes a quarter (128 of 512); reshuffling among the others stays a small share.
    expect(toJoiner).toBe(50 * 128);
    expect(moved - toJoiner).toBeLessThan(50 * 512 * 0.1);
  });

  it('has no owners without members', () => {
    expect(balancedOwners(keys(4), []).size).toBe(0);
  });
});
