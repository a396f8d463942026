/**
 * The dispatch rate of a task queue (UpdateTaskQueueConfig's queue rate limit, else the rate the
 * worker asked for in its polls): a token bucket refilled at `ratePerSecond` holding up to one
 * second's worth of tasks (at least one), as Temporal's queue limiter (burst = ceil(rate)). A
 * rate of 0 dispatches nothing, as Temporal treats it ("zero is a valid rate limit").
 */
export class DispatchRateLimiter {
  readonly burst: number;
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly ratePerSecond: number,
    now: number = Date.now(),
  ) {
    this.burst = ratePerSecond > 0 ? Math.max(1, Math.ceil(ratePerSecond)) : 0;
    this.tokens = this.burst;
    this.refilledAt = now;
  }

  private refill(now: number): void {
    if (now > this.refilledAt) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    }
    this.refilledAt = Math.max(this.refilledAt, now);
  }

  /** Takes a token if one is there: true when a task may be dispatched now. */
  tryTake(now: number = Date.now()): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token (Infinity at rate 0). */
  msUntilNextToken(now: number = Date.now()): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    if (this.ratePerSecond <= 0) return Infinity;
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }
}
