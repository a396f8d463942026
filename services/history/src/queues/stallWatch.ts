import { setting } from '@kairos/common/settings';

/**
 * Notices when this process did not run for a while: it was paused (SIGSTOP, a VM freeze) or its
 * event loop was blocked. Right after such a stall, timers that came due meanwhile fire before the
 * requests that arrived meanwhile are read (Node runs due timers before I/O), so a timeout would
 * beat a completion the worker sent in time. The timer queue asks `deferUntil()` and waits that
 * long, letting those requests be served first.
 */
export class StallWatch {
  private lastTick: number;
  private stallEndedAt = -Infinity;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly thresholdMs: number = setting('history.stallThreshold'),
    private readonly graceMs: number = setting('history.stallGrace'),
    tickMs = Math.max(Math.floor(thresholdMs / 4), 10),
  ) {
    this.lastTick = now();
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** Called by the interval; public so tests can drive it with their own clock. */
  tick(): void {
    const now = this.now();
    if (now - this.lastTick > this.thresholdMs) this.stallEndedAt = now;
    this.lastTick = now;
  }

  /**
   * When timeouts may fire again: now, unless a stall ended less than the grace period ago (or is
   * only being noticed now, before the interval ran), then the end of that grace period.
   */
  deferUntil(): number {
    const now = this.now();
    if (now - this.lastTick > this.thresholdMs) this.tick();
    const until = this.stallEndedAt + this.graceMs;
    return until > now ? until : now;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
