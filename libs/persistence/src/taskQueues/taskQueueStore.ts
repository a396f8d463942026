import type { TaskQueueTask } from '@kairos/proto/kairos/persistence/v1/executions';
import type { TaskQueueConfig } from '@kairos/proto/temporal/api/taskqueue/v1/message';

export type TaskQueueKind = 'workflow' | 'activity';

export interface StoredTaskQueueTask {
  taskId: number;
  task: TaskQueueTask;
}

/** What DescribeTaskQueue tells of a backlog (Temporal's TaskQueueStatus). */
export interface TaskQueueBacklogSummary {
  /** Tasks in the backlog. */
  count: number;
  /** The id of the oldest task in the backlog; undefined when it is empty. */
  oldestTaskId: number | undefined;
  /** The highest id ever given to a task of the queue (0 when none was). */
  lastTaskId: number;
}

/**
 * Matching's task queue backlogs. Ids increase per (namespace, task queue, kind) and are never
 * reused; reads return ids greater than `afterTaskId`, ascending (a limit of 0 or less means no
 * limit). The matching instance serving a queue holds it by a fencing number: adds and deletes
 * carry it and fail with TaskQueueOwnershipLostError (writing nothing) once another instance
 * acquired the queue.
 */
export interface TaskQueueStore {
  /** Takes the queue for `owner`: bumps and returns its range id (1 for a new queue). */
  acquireTaskQueue(namespaceId: string, taskQueue: string, kind: TaskQueueKind, owner: string): Promise<number>;
  /** Appends a task to the backlog if `rangeId` is still the queue's; returns its id. */
  addTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, task: TaskQueueTask, rangeId: number): Promise<number>;
  getTaskQueueTasks(
    namespaceId: string,
    taskQueue: string,
    kind: TaskQueueKind,
    afterTaskId: number,
    limit: number,
  ): Promise<StoredTaskQueueTask[]>;
  /** The backlog's size and ids, read without holding the queue. */
  summarizeTaskQueue(namespaceId: string, taskQueue: string, kind: TaskQueueKind): Promise<TaskQueueBacklogSummary>;
  /** Deletes a task if `rangeId` is still the queue's (an absent task is a no-op). */
  deleteTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, taskId: number, rangeId: number): Promise<void>;
  /**
   * The configuration set by UpdateTaskQueueConfig (rate limits, fairness weights) of one task
   * queue type (a TaskQueueType number: Temporal keeps one per type, any number accepted);
   * undefined if it was never set.
   */
  getTaskQueueConfig(namespaceId: string, taskQueue: string, taskQueueType: number): Promise<TaskQueueConfig | undefined>;
  /**
   * Replaces the configuration with `change(current)` in one transaction, so concurrent updates
   * take turns and none is lost; returns what was stored.
   */
  updateTaskQueueConfig(
    namespaceId: string,
    taskQueue: string,
    taskQueueType: number,
    change: (current: TaskQueueConfig | undefined) => TaskQueueConfig,
  ): Promise<TaskQueueConfig>;
}
