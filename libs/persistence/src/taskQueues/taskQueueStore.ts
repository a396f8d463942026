import type { TaskQueueTask } from '@kairos/proto/kairos/persistence/v1/executions';

export type TaskQueueKind = 'workflow' | 'activity';

export interface StoredTaskQueueTask {
  taskId: number;
  task: TaskQueueTask;
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
  /** Deletes a task if `rangeId` is still the queue's (an absent task is a no-op). */
  deleteTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, taskId: number, rangeId: number): Promise<void>;
}
