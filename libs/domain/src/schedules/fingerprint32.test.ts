import { describe, expect, it } from 'vitest';
import { fingerprint32 } from './fingerprint32';

// Reference values from the Go implementation Temporal links (github.com/dgryski/go-farm Fingerprint32).
const REFERENCE: Array<[string, number]> = [
  ['', 3696677242],
  ['a', 1016544589],
  ['abcd', 2562006677],
  ['abcde', 2750637740],
  ['hello world!', 1030428963],
  ['0123456789abcdefghij', 1385663061],
  ['0123456789abcdefghijklmn', 59490138],
  ['0123456789abcdefghijklmnopqrstuvwxyz0123456789', 828970373],
];

describe('fingerprint32', () => {
  it.each(REFERENCE)('%j hashes as FarmHash Fingerprint32 does', (text, expected) => {
    expect(fingerprint32(new TextEncoder().encode(text))).toBe(expected);
  });
});
