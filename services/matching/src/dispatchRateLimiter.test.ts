import { describe, expect, it } from 'vitest';
import { DispatchRateLimiter } from './dispatchRateLimiter';

/** Tokens taken at `now` until the bucket refuses. */
function drain(limiter: DispatchRateLimiter, now: number): number {
  let taken = 0;
  while (limiter.tryTake(now)) taken += 1;
  return taken;
}

describe('DispatchRateLimiter', () => {
  it('starts with a burst of one second of tasks (at least one), then refills at the rate', () => {
    const limiter = new DispatchRateLimiter(5, 0);
    expect(limiter.burst).toBe(5);
    expect(drain(limiter, 0)).toBe(5);
    expect(limiter.msUntilNextToken(0)).toBe(200);
    expect(drain(limiter, 199)).toBe(0);
    expect(drain(limiter, 200)).toBe(1);
    // A long idle time refills to the burst, never past it.
    expect(drain(limiter, 60_000)).toBe(5);
    expect(new DispatchRateLimiter(0.5, 0).burst).toBe(1);
    expect(new DispatchRateLimiter(2.5, 0).burst).toBe(3);
  });

  it('never dispatches more than burst + rate × elapsed time', () => {
    const limiter = new DispatchRateLimiter(2.5, 0);
    let taken = 0;
    for (let t = 0; t <= 10_000; t += 37) taken += drain(limiter, t);
    expect(taken).toBeLessThanOrEqual(limiter.burst + 2.5 * 10);
    expect(taken).toBeGreaterThanOrEqual(2.5 * 10);
  });

  it('a rate of 0 dispatches nothing, ever', () => {
    const limiter = new DispatchRateLimiter(0, 0);
    expect(drain(limiter, 0)).toBe(0);
    expect(drain(limiter, 3_600_000)).toBe(0);
    expect(limiter.msUntilNextToken(0)).toBe(Infinity);
  });

  it('a clock going back does not mint tokens', () => {
    const limiter = new DispatchRateLimiter(1, 10_000);
    expect(drain(limiter, 10_000)).toBe(1);
    expect(drain(limiter, 5_000)).toBe(0);
    expect(drain(limiter, 10_999)).toBe(0);
    expect(drain(limiter, 11_000)).toBe(1);
  });
});
