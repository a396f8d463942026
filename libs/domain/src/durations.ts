import type { Duration } from '@kairos/proto/google/protobuf/duration';

/** Temporal's cap on a duration (100 years), in ms. */
const MAX_DURATION_MS = 100 * 365 * 24 * 3600 * 1000;

/**
 * A Duration in ms. Past Temporal's 100-year cap it is the cap: durations are capped where they
 * enter (validation/protoDurations), and this keeps any other one (an int64-max value decodes
 * to 9.2e18 s) from making an invalid Date.
 */
export function durationToMs(d: Duration | undefined): number {
  if (!d) return 0;
  return Math.min(d.seconds * 1000 + Math.floor(d.nanos / 1e6), MAX_DURATION_MS);
}

export function msToDuration(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}
