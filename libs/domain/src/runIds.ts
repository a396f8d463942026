import { randomBytes } from 'node:crypto';

/** Random bytes drawn 4 KiB at a time (one getrandom call per 256 run ids, as randomUUID does). */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let taken = POOL_BYTES;

function randomSixteen(): Buffer {
  if (taken + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    taken = 0;
  }
  taken += 16;
  // Each 16 bytes are handed out once; the caller may change them.
  return pool.subarray(taken - 16, taken);
}

/**
 * A new run id: a version-7 UUID (RFC 9562), as Temporal mints them. The first 48 bits are the
 * Unix time in milliseconds, so run ids sort by creation time; the rest is random.
 */
export function newRunId(now: number = Date.now()): string {
  const bytes = randomSixteen();
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The forms Go's uuid.Validate accepts (Temporal checks run ids with it), any version. */
const UUID_FORMS = [
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i,
  /^[0-9a-f]{32}$/i,
];

/** Whether a run id is one Temporal accepts (uuid.Validate). */
export function isValidUuid(value: string): boolean {
  return UUID_FORMS.some((form) => form.test(value));
}
