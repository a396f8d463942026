import { fnv1a } from '@kairos/domain';

/** Mixes a 32-bit hash so that similar inputs land far apart (fnv1a alone clusters short keys). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Rendezvous (highest random weight) hashing: the member that owns `key` among `members`. Every
 * instance with the same member list agrees without talking to the others, and when a member joins
 * or leaves only the keys it wins or held move. Undefined when there are no members.
 */
export function ownerOf(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const member of members) {
    const weight = mix(fnv1a(`${member}|${key}`));
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = weight;
    }
  }
  return best;
}

/**
 * Shares `keys` out among `members` so that every member holds ⌊keys/members⌋ or ⌈keys/members⌉ of
 * them, each key going to the member that ranks it highest among those with room. Plain rendezvous
 * can leave a member with nothing (eight shards over three instances: about one time in 26); this
 * keeps its agreement (same members, same answer, whatever their order) and most of its stability
 * (a join or leave moves few keys besides the joiner's or leaver's). Pairs are taken strongest
 * first, so the result does not depend on the order of the keys either.
 */
export function balancedOwners(keys: readonly string[], members: readonly string[]): Map<string, string> {
  const owners = new Map<string, string>();
  if (members.length === 0) return owners;
  const sortedMembers = [...new Set(members)].sort();
  const pairs: Array<{ key: string; member: string; weight: number }> = [];
  for (const key of keys) for (const member of sortedMembers) pairs.push({ key, member, weight: mix(fnv1a(`${member}|${key}`)) });
  pairs.sort((a, b) => b.weight - a.weight || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const base = Math.floor(keys.length / sortedMembers.length);
  let extrasLeft = keys.length % sortedMembers.length; // members that may hold one more than `base`
  const load = new Map(sortedMembers.map((m) => [m, 0]));
  for (const { key, member } of pairs) {
    if (owners.has(key)) continue;
    const held = load.get(member)!;
    if (held < base) {
      owners.set(key, member);
      load.set(member, held + 1);
    } else if (held === base && extrasLeft > 0) {
      owners.set(key, member);
      load.set(member, held + 1);
      extrasLeft--;
    }
    if (owners.size === keys.length) break;
  }
  return owners;
}
