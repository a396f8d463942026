import { describe, expect, it } from 'vitest';
import { capDuration, checkedDuration, durationFromNanos, durationNanos, durationProblem, MAX_DURATION_SECONDS, minDuration } from './protoDurations';

/** int64-max seconds as ts-proto decodes it (the nearest double, 2^63). */
const INT64_MAX_SECONDS = Number('9223372036854775807');

describe('durations as Temporal reads them (ValidateAndCapProtoDuration over AsDuration)', () => {
  it('absent and zero are fine; negative seconds or nanos, and mixed signs, are refused with Temporal’s reason', () => {
    expect(durationProblem(undefined)).toBeUndefined();
    expect(durationProblem({ seconds: 0, nanos: 0 })).toBeUndefined();
    expect(durationProblem({ seconds: -1, nanos: 0 })).toBe('negative duration');
    expect(durationProblem({ seconds: 0, nanos: -5 })).toBe('negative duration');
    expect(durationProblem({ seconds: 5, nanos: -1 })).toBe('duration has seconds and nanos with different signs');
    expect(durationProblem({ seconds: -5, nanos: 1 })).toBe('duration has seconds and nanos with different signs');
    // Nanos past a second are added as they are, as Go's AsDuration does.
    expect(durationProblem({ seconds: 0, nanos: 2_000_000_000 })).toBeUndefined();
    expect(durationNanos({ seconds: 1, nanos: 2_000_000_000 })).toBe(3_000_000_000n);
  });

  it('saturates at int64 nanoseconds like AsDuration, and caps at 100 years', () => {
    expect(durationNanos({ seconds: INT64_MAX_SECONDS, nanos: 0 })).toBe((1n << 63n) - 1n);
    expect(durationNanos({ seconds: -INT64_MAX_SECONDS, nanos: 0 })).toBe(-(1n << 63n));
    expect(capDuration({ seconds: INT64_MAX_SECONDS, nanos: 0 })).toEqual({ seconds: MAX_DURATION_SECONDS, nanos: 0 });
    expect(capDuration({ seconds: 400_000_000_000, nanos: 5 })).toEqual({ seconds: 3_153_600_000, nanos: 0 });
    const within = { seconds: MAX_DURATION_SECONDS, nanos: 0 };
    expect(capDuration(within)).toBe(within);
    expect(capDuration(undefined)).toBeUndefined();
  });

  it('checkedDuration: the caller’s error for a refused one, the capped duration otherwise', () => {
    expect(() => checkedDuration({ seconds: -1, nanos: 0 }, (p) => new Error(`bad: ${p}`))).toThrow('bad: negative duration');
    expect(checkedDuration({ seconds: INT64_MAX_SECONDS, nanos: 0 }, () => new Error('no'))).toEqual({ seconds: MAX_DURATION_SECONDS, nanos: 0 });
  });

  it('minDuration is a new normalised Duration, as MinDurationPtr; durationFromNanos splits seconds and nanos', () => {
    expect(minDuration({ seconds: 0, nanos: 2_000_000_000 }, { seconds: 5, nanos: 0 })).toEqual({ seconds: 2, nanos: 0 });
    expect(minDuration(undefined, { seconds: 5, nanos: 0 })).toEqual({ seconds: 0, nanos: 0 });
    expect(durationFromNanos(1_500_000_000n)).toEqual({ seconds: 1, nanos: 500_000_000 });
  });
});
