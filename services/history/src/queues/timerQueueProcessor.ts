import { setting } from '@kairos/common/settings';
import { Status } from 'nice-grpc-common';
import { isApiError } from '@kairos/common/errors';
import type { Logger } from '@kairos/common/logger';
import type { ExecutionStore, StoredTimerTask } from '@kairos/persistence/store';
import { StallWatch } from './stallWatch';
import type { QueueTaskMetrics } from './queueTaskMetrics';
import { timerTaskMetricName } from './taskMetricNames';

const RETRY_DELAY_MS = setting('history.timerRetryDelay');
/** Upper bound on sleeping, so a timer written by another instance is noticed eventually. */
const MAX_SLEEP_MS = setting('history.timerMaxSleep');

export type TimerTaskExecutor = (task: StoredTimerTask) => Promise<void>;

/**
 * Fires durable timer tasks of the owned shards. The store is the timer wheel: each shard sleeps
 * until its earliest fire time, runs every due task (checked against the execution's current
 * state by the executor, so a stale timer is a no-op) and deletes it. After a restart the same
 * tasks are read again, so every timer fires at least once and writes its event at most once.
 * Right after the process stalled, firing waits a moment (StallWatch) so completions that arrived
 * during the stall are applied before the timeouts they would have beaten.
 */
export class TimerQueueProcessor {
  private readonly wakeAt = new Map<number, { at: number; handle: NodeJS.Timeout }>();
  private readonly running = new Set<number>();
  private readonly rerun = new Set<number>();
  /** Shards this instance holds: only their timers are fired. */
  private readonly active = new Set<number>();
  private stopped = false;

  constructor(
    private readonly store: ExecutionStore,
    private readonly execute: TimerTaskExecutor,
    private readonly logger: Logger,
    private readonly stallWatch: StallWatch = new StallWatch(),
    private readonly metrics?: QueueTaskMetrics,
  ) {}

  startShard(shardId: number): void {
    this.active.add(shardId);
    void this.process(shardId);
  }

  /** The shard moved to another instance: stop firing its timers (its new owner reads them). */
  stopShard(shardId: number): void {
    this.active.delete(shardId);
    const wake = this.wakeAt.get(shardId);
    if (wake) clearTimeout(wake.handle);
    this.wakeAt.delete(shardId);
  }

  stop(): void {
    this.stopped = true;
    this.stallWatch.stop();
    for (const { handle } of this.wakeAt.values()) clearTimeout(handle);
    this.wakeAt.clear();
  }

  /** New timers were committed: wake earlier if one of them is due before the current wake-up. */
  committed(shardId: number, fireTimes: Date[]): void {
    const earliest = Math.min(...fireTimes.map((d) => d.getTime()));
    this.scheduleWake(shardId, earliest);
  }

  private scheduleWake(shardId: number, at: number): void {
    if (this.stopped || !this.active.has(shardId)) return;
    const current = this.wakeAt.get(shardId);
    if (current && current.at <= at) return;
    if (current) clearTimeout(current.handle);
    const delay = Math.min(Math.max(at - Date.now(), 0), MAX_SLEEP_MS);
    const handle = setTimeout(() => {
      this.wakeAt.delete(shardId);
      void this.process(shardId);
    }, delay);
    this.wakeAt.set(shardId, { at: Date.now() + delay, handle });
  }

  private async process(shardId: number): Promise<void> {
    if (this.stopped || !this.active.has(shardId)) return;
    if (this.running.has(shardId)) {
      this.rerun.add(shardId);
      return;
    }
    this.running.add(shardId);
    let retryAt: number | undefined;
    try {
      for (;;) {
        const firingResumesAt = this.stallWatch.deferUntil();
        if (firingResumesAt > Date.now()) {
          this.scheduleWake(shardId, firingResumesAt);
          return;
        }
        const due = await this.store.getTimerTasks(shardId, new Date(), setting('history.timerReadBatch'));
        if (due.length === 0) break;
        const results = await Promise.allSettled(due.map((t) => this.fire(shardId, t)));
        if (results.some((r) => r.status === 'rejected' || r.value === false)) {
          retryAt = Date.now() + RETRY_DELAY_MS;
          break;
        }
      }
      const next = await this.store.nextTimerFireTime(shardId);
      const nextAt = Math.min(next?.getTime() ?? Infinity, retryAt ?? Infinity, Date.now() + MAX_SLEEP_MS);
      this.scheduleWake(shardId, nextAt);
    } catch (err) {
      this.logger.error('timer queue processing failed', { shardId, error: String(err) });
      this.scheduleWake(shardId, Date.now() + RETRY_DELAY_MS);
    } finally {
      this.running.delete(shardId);
      if (this.rerun.delete(shardId)) void this.process(shardId);
    }
  }

  /** Runs one timer task; false when it must be retried later. */
  private async fire(shardId: number, task: StoredTimerTask): Promise<boolean> {
    const startedAt = Date.now();
    const record = (completed: boolean) =>
      this.metrics?.record({ namespaceId: task.task.namespaceId, name: timerTaskMetricName(task.task.kind), startedAt, endedAt: Date.now(), completed, dueAt: task.fireTime.getTime() });
    try {
      await this.execute(task);
    } catch (err) {
      // The execution is gone or closed: the timer has nothing left to do.
      if (!(isApiError(err) && err.code === Status.NOT_FOUND)) {
        this.logger.warn('timer task failed; will retry', { shardId, taskId: task.taskId, error: String(err) });
        record(false);
        return false;
      }
    }
    try {
      await this.store.deleteTimerTask(shardId, task.taskId);
    } catch (err) {
      record(false);
      throw err;
    }
    record(true);
    return true;
  }
}
