import type { Metrics } from '@kairos/common/metrics';
import type { TaskMetricName } from './taskMetricNames';

/** One attempt at a history queue task, as the queue processor saw it. */
export interface TaskAttempt {
  namespaceId: string;
  name: TaskMetricName;
  /** When the attempt began and ended (ms since the epoch). */
  startedAt: number;
  endedAt: number;
  /** The task is done and its stored copy deleted (else it is retried). */
  completed: boolean;
  /** When the task became due: its commit (transfer) or fire time (timer); unknown for a task read back from the store. */
  dueAt?: number;
}

/**
 * Reports history queue task attempts as Temporal's task_* series. Labels need the namespace's
 * name: it is resolved after the attempt, off the task's path.
 */
export class QueueTaskMetrics {
  constructor(
    private readonly metrics: Metrics,
    private readonly namespaceName: (namespaceId: string) => Promise<string>,
  ) {}

  record(attempt: TaskAttempt): void {
    const seconds = (attempt.endedAt - attempt.startedAt) / 1000;
    const completed = attempt.completed
      ? { attemptsSeconds: seconds, ...(attempt.dueAt !== undefined && { sinceDueSeconds: (attempt.endedAt - attempt.dueAt) / 1000 }) }
      : undefined;
    this.namespaceName(attempt.namespaceId).then(
      (namespace) => this.metrics.observeHistoryTask({ namespace, taskType: attempt.name.taskType, priority: attempt.name.priority }, { seconds, failed: !attempt.completed, completed }),
      () => undefined,
    );
  }
}
