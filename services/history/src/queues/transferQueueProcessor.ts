import { setTimeout as realSetTimeout } from 'timers';
import { setting } from '@kairos/common/settings';
import type { Logger } from '@kairos/common/logger';
import type { ExecutionStore } from '@kairos/persistence/store';
import type { TransferTask } from '../workflow/protos';
import type { TransferTaskExecutor } from './transferTaskExecutor';
import type { QueueTaskMetrics } from './queueTaskMetrics';
import { transferTaskMetricName } from './taskMetricNames';

const RESCAN_INTERVAL_MS = setting('history.transferRescanInterval');
const DELETE_DELAY_MS = setting('history.transferDeleteDelay');

/**
 * Runs committed transfer tasks (the outbox): workflow and activity tasks to matching, child
 * starts and close notifications to history. Each task runs right after its commit; the stored
 * copy is deleted once it succeeded. A periodic scan re-runs tasks that failed or were cut short
 * by a crash, so delivery is at least once; every executor step is idempotent.
 */
export class TransferQueueProcessor {
  private readonly inFlight = new Set<string>();
  /** Delivered tasks waiting for their delete, per shard: deleted together (see deleteDelivered). */
  private readonly delivered = new Map<number, { taskIds: number[]; deleted: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: ExecutionStore,
    private readonly execute: TransferTaskExecutor,
    private readonly ownedShards: () => number[],
    private readonly logger: Logger,
    private readonly metrics?: QueueTaskMetrics,
  ) {}

  start(): void {
    void this.scanAll();
    this.timer = setInterval(() => void this.scanAll(), RESCAN_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** Pushes tasks that were just committed. */
  committed(shardId: number, tasks: Array<{ taskId: number; task: TransferTask }>): void {
    const committedAt = Date.now();
    for (const { taskId, task } of tasks) void this.deliver(shardId, taskId, task, committedAt);
  }

  async scanShard(shardId: number): Promise<void> {
    let after = 0;
    for (;;) {
      const batch = await this.store.getTransferTasks(shardId, after, setting('history.transferReadBatch'));
      if (batch.length === 0) return;
      await Promise.all(batch.map((t) => this.deliver(shardId, t.taskId, t.task)));
      after = batch[batch.length - 1]!.taskId;
    }
  }

  private async scanAll(): Promise<void> {
    for (const shardId of this.ownedShards()) {
      if (this.stopped) return;
      try {
        await this.scanShard(shardId);
      } catch (err) {
        this.logger.warn('transfer queue scan failed', { shardId, error: String(err) });
      }
    }
  }

  /**
   * Deletes a delivered task with the others of its shard delivered within `history.transferDeleteDelay`
   * (one store write for all): resolves once its delete is stored. A failed delete only means the
   * task runs again. (The `timers` module's setTimeout: tests that fake the global timers must not
   * stall deletes.)
   */
  private deleteDelivered(shardId: number, taskId: number): Promise<void> {
    let pending = this.delivered.get(shardId);
    if (!pending) {
      const taskIds: number[] = [];
      const deleted = new Promise<void>((resolve) => realSetTimeout(resolve, DELETE_DELAY_MS)).then(() => {
        this.delivered.delete(shardId);
        return this.store.deleteTransferTasks(shardId, taskIds);
      });
      pending = { taskIds, deleted };
      this.delivered.set(shardId, pending);
    }
    pending.taskIds.push(taskId);
    return pending.deleted;
  }

  /** Runs one task and deletes it; `dueAt` is its commit time when it comes straight from the commit. */
  private async deliver(shardId: number, taskId: number, task: TransferTask, dueAt?: number): Promise<void> {
    const id = `${shardId}/${taskId}`;
    if (this.inFlight.has(id) || this.stopped) return;
    this.inFlight.add(id);
    const startedAt = Date.now();
    let completed = false;
    let external;
    let endedAt: number | undefined;
    try {
      external = await this.execute(task);
      endedAt = Date.now(); // its latency is the delivery's; the delete comes later, batched
      await this.deleteDelivered(shardId, taskId);
      completed = true;
    } catch (err) {
      this.logger.warn('transfer task delivery failed; will retry', { shardId, taskId, error: String(err) });
    } finally {
      this.inFlight.delete(id);
    }
    this.metrics?.record({ namespaceId: task.namespaceId, name: transferTaskMetricName(task.kind, external ?? undefined), startedAt, endedAt: endedAt ?? Date.now(), completed, dueAt });
  }
}
