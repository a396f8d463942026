import { fingerprint32 } from './fingerprint32';

/** Seconds from 0001-01-01 to the Unix epoch (Go's time encoding counts from year 1). */
const YEAR_ONE_TO_UNIX_SECONDS = 62_135_596_800n;
const MAX_UINT32 = 0xffff_ffff;

/**
 * The bytes Go's time.MarshalBinary writes for a UTC instant with whole seconds (version 1,
 * seconds since year 1, nanoseconds, and -1 for the UTC zone): what Temporal hashes.
 */
function goTimeBinaryUtc(ms: number): Uint8Array {
  const out = new Uint8Array(15);
  const view = new DataView(out.buffer);
  out[0] = 1;
  view.setBigInt64(1, BigInt(Math.floor(ms / 1000)) + YEAR_ONE_TO_UNIX_SECONDS);
  view.setUint32(9, (ms % 1000) * 1_000_000);
  view.setInt16(13, -1);
  return out;
}

/**
 * Temporal's deterministic jitter for an action at `nominal` (Unix ms): a fraction of `maxJitterMs`
 * (whole ms) chosen by the FarmHash fingerprint of the nominal time and the seed, so every server
 * — Temporal's or Kairos — delays the same action by the same amount.
 */
export function scheduleJitterMs(seed: string, nominal: number, maxJitterMs: number): number {
  const max = BigInt(Math.min(Math.max(Math.floor(maxJitterMs), 0), MAX_UINT32));
  const time = goTimeBinaryUtc(nominal);
  const seedBytes = new TextEncoder().encode(seed);
  const bytes = new Uint8Array(time.length + seedBytes.length);
  bytes.set(time);
  bytes.set(seedBytes, time.length);
  return Number((BigInt(fingerprint32(bytes)) * max) >> 32n);
}
