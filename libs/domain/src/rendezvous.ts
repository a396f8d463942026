import { fnv1a } from './shards';

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
