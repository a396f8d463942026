import type { Duration } from '@kairos/proto/google/protobuf/duration';

/*
 * google.protobuf.Duration as Temporal reads it (common/primitives/timestamp
 * ValidateAndCapProtoDuration over Go's Duration.AsDuration): a duration whose seconds and nanos
 * have different signs, or that comes to less than zero, is refused; one over 100 years is
 * capped to 100 years. Nanos out of ±999,999,999 are not refused: Temporal adds them as they are.
 */

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const NANOS_PER_SECOND = 1_000_000_000n;

/** Temporal's cap on any duration it accepts: 100 years of 365 days, a whole number of seconds. */
export const MAX_DURATION_SECONDS = 100 * 365 * 24 * 3600;

export const NEGATIVE_DURATION = 'negative duration';
export const MISMATCHED_DURATION_SIGNS = 'duration has seconds and nanos with different signs';

/** The int64 nearest to a decoded seconds value (int64-max decodes to 2^63 as a double). */
function int64Seconds(seconds: number): bigint {
  if (!Number.isFinite(seconds)) return seconds > 0 ? INT64_MAX : seconds < 0 ? INT64_MIN : 0n;
  const whole = BigInt(Math.trunc(seconds));
  return whole > INT64_MAX ? INT64_MAX : whole < INT64_MIN ? INT64_MIN : whole;
}

/** Go's Duration.AsDuration(): nanoseconds as an int64, saturated when the sum overflows. Absent is zero. */
export function durationNanos(d: Duration | undefined): bigint {
  if (!d) return 0n;
  const seconds = int64Seconds(d.seconds);
  const nanos = BigInt(Math.trunc(d.nanos));
  const scaled = seconds * NANOS_PER_SECOND;
  const total = scaled + nanos;
  const overflow = scaled > INT64_MAX || scaled < INT64_MIN || total > INT64_MAX || total < INT64_MIN;
  if (overflow) return seconds < 0n ? INT64_MIN : seconds > 0n ? INT64_MAX : total;
  return total;
}

/** Why Temporal refuses this duration, or undefined when it takes it (absent is zero, and fine). */
export function durationProblem(d: Duration | undefined): string | undefined {
  if (!d) return undefined;
  if ((d.seconds > 0 && d.nanos < 0) || (d.seconds < 0 && d.nanos > 0)) return MISMATCHED_DURATION_SIGNS;
  if (durationNanos(d) < 0n) return NEGATIVE_DURATION;
  return undefined;
}

/** The duration capped at 100 years (a new object when capped, the same one otherwise). */
export function capDuration<D extends Duration | undefined>(d: D): D {
  if (!d || durationNanos(d) <= BigInt(MAX_DURATION_SECONDS) * NANOS_PER_SECOND) return d;
  return { seconds: MAX_DURATION_SECONDS, nanos: 0 } as D;
}

/**
 * A duration of a request, checked and capped as Temporal does: `refuse` makes the error for a
 * refused one (its argument is Temporal's reason, e.g. "negative duration").
 */
export function checkedDuration<D extends Duration | undefined>(d: D, refuse: (problem: string) => Error): D {
  const problem = durationProblem(d);
  if (problem) throw refuse(problem);
  return capDuration(d);
}

/** Temporal's MinDurationPtr: the smaller of the two, as a new normalised Duration (absent is zero). */
export function minDuration(a: Duration | undefined, b: Duration | undefined): Duration {
  const x = durationNanos(a);
  const y = durationNanos(b);
  return durationFromNanos(x < y ? x : y);
}

/** Whether a duration is above zero (Go: AsDuration() > 0). */
export function isPositiveDuration(d: Duration | undefined): boolean {
  return durationNanos(d) > 0n;
}

/** Nanoseconds as a Duration (Go's durationpb.New). */
export function durationFromNanos(nanos: bigint): Duration {
  const seconds = nanos / NANOS_PER_SECOND;
  return { seconds: Number(seconds), nanos: Number(nanos - seconds * NANOS_PER_SECOND) };
}
