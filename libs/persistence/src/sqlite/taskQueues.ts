import { TaskQueueTask } from '@kairos/proto/kairos/persistence/v1/executions';
import { TaskQueueConfig } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import { TaskQueueOwnershipLostError } from '../errors';
import type { StoredTaskQueueTask, TaskQueueBacklogSummary, TaskQueueKind, TaskQueueStore } from '../taskQueues/taskQueueStore';
import { checkKind } from '../writeChecks';
import { sqlLimit, type SqliteConnection } from './connection';

export function sqliteTaskQueues(conn: SqliteConnection): TaskQueueStore {
  const p = (sql: string) => conn.db.prepare(sql);
  const s = {
    acquireQueue: p(
      `INSERT INTO task_queues (namespace_id, task_queue, kind, last_task_id, range_id, owner) VALUES (?, ?, ?, 0, 1, ?)
       ON CONFLICT (namespace_id, task_queue, kind) DO UPDATE SET range_id = range_id + 1, owner = excluded.owner
       RETURNING range_id`,
    ).pluck(),
    /** Fences and allocates the next id in one statement; nothing returned when fenced out. */
    nextQueueTaskId: p(
      `UPDATE task_queues SET last_task_id = last_task_id + 1
       WHERE namespace_id = ? AND task_queue = ? AND kind = ? AND range_id = ?
       RETURNING last_task_id`,
    ).pluck(),
    queueRangeId: p('SELECT range_id FROM task_queues WHERE namespace_id = ? AND task_queue = ? AND kind = ?').pluck(),
    insertQueueTask: p('INSERT INTO task_queue_tasks (namespace_id, task_queue, kind, task_id, data) VALUES (?, ?, ?, ?, ?)'),
    readQueueTasks: p(
      `SELECT task_id, data FROM task_queue_tasks
       WHERE namespace_id = ? AND task_queue = ? AND kind = ? AND task_id > ?
       ORDER BY task_id LIMIT ?`,
    ).raw(),
    backlogOf: p('SELECT COUNT(*), MIN(task_id) FROM task_queue_tasks WHERE namespace_id = ? AND task_queue = ? AND kind = ?').raw(),
    lastTaskId: p('SELECT last_task_id FROM task_queues WHERE namespace_id = ? AND task_queue = ? AND kind = ?').pluck(),
    deleteQueueTask: p('DELETE FROM task_queue_tasks WHERE namespace_id = ? AND task_queue = ? AND kind = ? AND task_id = ?'),
    config: p('SELECT data FROM task_queue_configs WHERE namespace_id = ? AND task_queue = ? AND task_queue_type = ?').pluck(),
    putConfig: p(
      `INSERT INTO task_queue_configs (namespace_id, task_queue, task_queue_type, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (namespace_id, task_queue, task_queue_type) DO UPDATE SET data = excluded.data`,
    ),
  };
  const readConfig = (namespaceId: string, taskQueue: string, taskQueueType: number): TaskQueueConfig | undefined => {
    const data = s.config.get(namespaceId, taskQueue, taskQueueType) as Uint8Array | undefined;
    return data && TaskQueueConfig.decode(data);
  };

  function lost(namespaceId: string, taskQueue: string, kind: TaskQueueKind, rangeId: number): TaskQueueOwnershipLostError {
    const found = s.queueRangeId.get(namespaceId, taskQueue, kind) as number | undefined;
    return new TaskQueueOwnershipLostError(
      taskQueue,
      `task queue ${namespaceId}/${kind}/${taskQueue} ownership lost: writer holds range id ${rangeId}, the queue ${found === undefined ? 'was never acquired' : `is at ${found}`}`,
    );
  }

  return {
    async summarizeTaskQueue(namespaceId: string, taskQueue: string, kind: TaskQueueKind): Promise<TaskQueueBacklogSummary> {
      checkKind(kind);
      const [count, oldest] = s.backlogOf.get(namespaceId, taskQueue, kind) as [number, number | null];
      const last = (s.lastTaskId.get(namespaceId, taskQueue, kind) as number | undefined) ?? 0;
      return { count, oldestTaskId: oldest ?? undefined, lastTaskId: last };
    },

    async acquireTaskQueue(namespaceId: string, taskQueue: string, kind: TaskQueueKind, owner: string): Promise<number> {
      checkKind(kind);
      return conn.write(() => s.acquireQueue.get(namespaceId, taskQueue, kind, owner) as number);
    },

    async addTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, task: TaskQueueTask, rangeId: number): Promise<number> {
      checkKind(kind);
      const data = TaskQueueTask.encode(task).finish();
      return conn.write(() => {
        const taskId = s.nextQueueTaskId.get(namespaceId, taskQueue, kind, rangeId) as number | undefined;
        if (taskId === undefined) throw lost(namespaceId, taskQueue, kind, rangeId);
        s.insertQueueTask.run(namespaceId, taskQueue, kind, taskId, data);
        return taskId;
      });
    },

    async getTaskQueueTasks(
      namespaceId: string,
      taskQueue: string,
      kind: TaskQueueKind,
      afterTaskId: number,
      limit: number,
    ): Promise<StoredTaskQueueTask[]> {
      const rows = s.readQueueTasks.all(namespaceId, taskQueue, kind, afterTaskId, sqlLimit(limit)) as Array<[number, Uint8Array]>;
      return rows.map(([taskId, data]) => ({ taskId, task: TaskQueueTask.decode(data) }));
    },

    async deleteTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, taskId: number, rangeId: number): Promise<void> {
      await conn.write(() => {
        if (s.queueRangeId.get(namespaceId, taskQueue, kind) !== rangeId) throw lost(namespaceId, taskQueue, kind, rangeId);
        s.deleteQueueTask.run(namespaceId, taskQueue, kind, taskId);
      });
    },

    async getTaskQueueConfig(namespaceId: string, taskQueue: string, taskQueueType: number): Promise<TaskQueueConfig | undefined> {
      return readConfig(namespaceId, taskQueue, taskQueueType);
    },

    async updateTaskQueueConfig(namespaceId, taskQueue, taskQueueType, change): Promise<TaskQueueConfig> {
      // The read and the write run in one write transaction: updates of one queue take turns.
      return conn.write(() => {
        const after = change(readConfig(namespaceId, taskQueue, taskQueueType));
        s.putConfig.run(namespaceId, taskQueue, taskQueueType, TaskQueueConfig.encode(after).finish());
        return after;
      });
    },
  };
}
