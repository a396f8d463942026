/**
 * FarmHash's Fingerprint32 (the "mk" 32-bit hash), which Temporal's scheduler uses to derive a
 * schedule's deterministic jitter: the same bytes must give the same number as on Temporal, so
 * Kairos fires a jittered action at the same moment. All arithmetic is on unsigned 32-bit words.
 */
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const mul = (a: number, b: number) => Math.imul(a, b) >>> 0;
const add = (a: number, b: number) => (a + b) >>> 0;
/** Rotate right by n (FarmHash's Rotate32). */
const rotr = (v: number, n: number) => ((v >>> n) | (v << (32 - n))) >>> 0;
const word = (s: Uint8Array, at: number) => (s[at]! | (s[at + 1]! << 8) | (s[at + 2]! << 16) | (s[at + 3]! << 24)) >>> 0;

function fmix(h: number): number {
  h = (h ^ (h >>> 16)) >>> 0;
  h = mul(h, 0x85ebca6b);
  h = (h ^ (h >>> 13)) >>> 0;
  h = mul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Murmur3's combining step. */
function mur(a: number, h: number): number {
  a = mul(rotr(mul(a, C1), 17), C2);
  h = rotr((h ^ a) >>> 0, 19);
  return add(mul(h, 5), 0xe6546b64);
}

function len0to4(s: Uint8Array): number {
  let b = 0;
  let c = 9;
  for (const byte of s) {
    // Bytes count as signed, as in the C original.
    b = add(mul(b, C1), (byte << 24) >> 24);
    c = (c ^ b) >>> 0;
  }
  return fmix(mur(b, mur(s.length, c)));
}

function len5to12(s: Uint8Array): number {
  const n = s.length;
  let a = n >>> 0;
  let b = mul(n, 5);
  let c = 9;
  const d = b;
  a = add(a, word(s, 0));
  b = add(b, word(s, n - 4));
  c = add(c, word(s, (n >>> 1) & 4));
  return fmix(mur(c, mur(b, mur(a, d))));
}

function len13to24(s: Uint8Array): number {
  const n = s.length;
  let a = word(s, (n >>> 1) - 4);
  const b = word(s, 4);
  const c = word(s, n - 8);
  const d = word(s, n >>> 1);
  const e = word(s, 0);
  const f = word(s, n - 4);
  let h = add(mul(d, C1), n);
  a = add(rotr(a, 12), f);
  h = add(mur(c, h), a);
  a = add(rotr(a, 3), c);
  h = add(mur(e, h), a);
  a = add(rotr(add(a, f), 12), d);
  h = add(mur(b, h), a);
  return fmix(h);
}

export function fingerprint32(s: Uint8Array): number {
  const n = s.length;
  if (n <= 4) return len0to4(s);
  if (n <= 12) return len5to12(s);
  if (n <= 24) return len13to24(s);
  const mixed = (at: number) => mul(rotr(mul(word(s, at), C1), 17), C2);
  let h = n >>> 0;
  let g = mul(C1, n);
  let f = g;
  const [a0, a1, a2, a3, a4] = [mixed(n - 4), mixed(n - 8), mixed(n - 16), mixed(n - 12), mixed(n - 20)];
  const step = (x: number, y: number) => add(mul(rotr((x ^ y) >>> 0, 19), 5), 0xe6546b64);
  h = step(h, a0);
  h = step(h, a2);
  g = step(g, a1);
  g = step(g, a3);
  f = add(rotr(add(f, a4), 19), 113);
  let at = 0;
  for (let blocks = Math.floor((n - 1) / 20); blocks > 0; blocks--, at += 20) {
    const [a, b, c, d, e] = [word(s, at), word(s, at + 4), word(s, at + 8), word(s, at + 12), word(s, at + 16)];
    h = add(h, a);
    g = add(g, b);
    f = add(f, c);
    h = add(mur(d, h), e);
    g = add(mur(c, g), a);
    f = add(mur(add(b, mul(e, C1)), f), d);
    f = add(f, g);
    g = add(g, f);
  }
  g = mul(rotr(mul(rotr(g, 11), C1), 17), C1);
  f = mul(rotr(mul(rotr(f, 11), C1), 17), C1);
  h = add(mul(rotr(add(h, g), 19), 5), 0xe6546b64);
  h = mul(rotr(h, 17), C1);
  h = add(mul(rotr(add(h, f), 19), 5), 0xe6546b64);
  return mul(rotr(h, 17), C1);
}
