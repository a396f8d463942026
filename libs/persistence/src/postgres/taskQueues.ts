import { TaskQueueTask } from '@kairos/proto/kairos/persistence/v1/executions';
import { TaskQueueConfig } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import { TaskQueueOwnershipLostError } from '../errors';
import type { StoredTaskQueueTask, TaskQueueBacklogSummary, TaskQueueKind, TaskQueueStore } from '../taskQueues/taskQueueStore';
import { checkKind } from '../writeChecks';
import { asBuffer, query, sqlLimit, statement, type PostgresDatabase, type Queryable } from './database';

const SQL = {
  /**
   * Allocates the queue's next id and stores the task in one statement. The counter row stays
   * locked until commit, so a queue's ids become visible in increasing order (matching reads
   * "after id N").
   */
  addQueueTask: statement(
    'add_queue_task',
    `WITH next AS (
       UPDATE task_queues SET last_task_id = last_task_id + 1
       WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3 AND range_id = $5
       RETURNING last_task_id)
     INSERT INTO task_queue_tasks (namespace_id, task_queue, kind, task_id, data)
     SELECT $1, $2, $3, last_task_id, $4::bytea FROM next
     RETURNING task_id`,
  ),
  acquireQueue: statement(
    'acquire_queue',
    `INSERT INTO task_queues (namespace_id, task_queue, kind, last_task_id, range_id, owner) VALUES ($1, $2, $3, 0, 1, $4)
     ON CONFLICT (namespace_id, task_queue, kind) DO UPDATE SET range_id = task_queues.range_id + 1, owner = excluded.owner
     RETURNING range_id`,
  ),
  queueRangeId: statement('queue_range_id', 'SELECT range_id FROM task_queues WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3'),
  /** Share-locks the queue row, so an acquisition waits until the delete it fences has committed. */
  lockQueueShared: statement('lock_queue_shared', 'SELECT range_id FROM task_queues WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3 FOR SHARE'),
  readQueueTasks: statement(
    'read_queue_tasks',
    `SELECT task_id, data FROM task_queue_tasks
     WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3 AND task_id > $4
     ORDER BY task_id LIMIT $5`,
  ),
  backlogOf: statement(
    'backlog_of',
    `SELECT COUNT(*)::int AS count, MIN(t.task_id) AS oldest, (SELECT last_task_id FROM task_queues q WHERE q.namespace_id = $1 AND q.task_queue = $2 AND q.kind = $3) AS last
     FROM task_queue_tasks t WHERE t.namespace_id = $1 AND t.task_queue = $2 AND t.kind = $3`,
  ),
  deleteQueueTask: statement(
    'delete_queue_task',
    'DELETE FROM task_queue_tasks WHERE namespace_id = $1 AND task_queue = $2 AND kind = $3 AND task_id = $4',
  ),
  config: statement('task_queue_config', 'SELECT data FROM task_queue_configs WHERE namespace_id = $1 AND task_queue = $2 AND task_queue_type = $3'),
  configForUpdate: statement(
    'task_queue_config_for_update',
    'SELECT data FROM task_queue_configs WHERE namespace_id = $1 AND task_queue = $2 AND task_queue_type = $3 FOR UPDATE',
  ),
  insertConfig: statement(
    'insert_task_queue_config',
    `INSERT INTO task_queue_configs (namespace_id, task_queue, task_queue_type, data) VALUES ($1, $2, $3, $4)
     ON CONFLICT (namespace_id, task_queue, task_queue_type) DO NOTHING RETURNING 1 AS inserted`,
  ),
  replaceConfig: statement(
    'replace_task_queue_config',
    'UPDATE task_queue_configs SET data = $4 WHERE namespace_id = $1 AND task_queue = $2 AND task_queue_type = $3',
  ),
} as const;

async function queueLost(db: Queryable, namespaceId: string, taskQueue: string, kind: TaskQueueKind, rangeId: number): Promise<TaskQueueOwnershipLostError> {
  const [row] = (await query<{ range_id: number }>(db, SQL.queueRangeId, [namespaceId, taskQueue, kind])).rows;
  return new TaskQueueOwnershipLostError(
    taskQueue,
    `task queue ${namespaceId}/${kind}/${taskQueue} ownership lost: writer holds range id ${rangeId}, the queue ${row === undefined ? 'was never acquired' : `is at ${row.range_id}`}`,
  );
}

export function postgresTaskQueues(db: PostgresDatabase): TaskQueueStore {
  return {
    async acquireTaskQueue(namespaceId: string, taskQueue: string, kind: TaskQueueKind, owner: string): Promise<number> {
      checkKind(kind);
      const [row] = await db.read<{ range_id: number }>(SQL.acquireQueue, [namespaceId, taskQueue, kind, owner]);
      return row!.range_id;
    },

    async addTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, task: TaskQueueTask, rangeId: number): Promise<number> {
      checkKind(kind);
      const data = asBuffer(TaskQueueTask.encode(task).finish());
      const [row] = await db.read<{ task_id: number }>(SQL.addQueueTask, [namespaceId, taskQueue, kind, data, rangeId]);
      if (!row) throw await queueLost(db.pool, namespaceId, taskQueue, kind, rangeId);
      return row.task_id;
    },

    async summarizeTaskQueue(namespaceId: string, taskQueue: string, kind: TaskQueueKind): Promise<TaskQueueBacklogSummary> {
      checkKind(kind);
      const [row] = await db.read<{ count: number; oldest: number | null; last: number | null }>(SQL.backlogOf, [namespaceId, taskQueue, kind]);
      return { count: row!.count, oldestTaskId: row!.oldest ?? undefined, lastTaskId: row!.last ?? 0 };
    },

    async getTaskQueueTasks(
      namespaceId: string,
      taskQueue: string,
      kind: TaskQueueKind,
      afterTaskId: number,
      limit: number,
    ): Promise<StoredTaskQueueTask[]> {
      const rows = await db.read<{ task_id: number; data: Buffer }>(SQL.readQueueTasks, [namespaceId, taskQueue, kind, afterTaskId, sqlLimit(limit)]);
      return rows.map((row) => ({ taskId: row.task_id, task: TaskQueueTask.decode(row.data) }));
    },

    async deleteTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, taskId: number, rangeId: number): Promise<void> {
      await db.transaction(async (client) => {
        const [row] = (await query<{ range_id: number }>(client, SQL.lockQueueShared, [namespaceId, taskQueue, kind])).rows;
        if (row?.range_id !== rangeId) throw await queueLost(client, namespaceId, taskQueue, kind, rangeId);
        await query(client, SQL.deleteQueueTask, [namespaceId, taskQueue, kind, taskId]);
      });
    },

    async getTaskQueueConfig(namespaceId: string, taskQueue: string, taskQueueType: number): Promise<TaskQueueConfig | undefined> {
      const [row] = await db.read<{ data: Buffer }>(SQL.config, [namespaceId, taskQueue, taskQueueType]);
      return row && TaskQueueConfig.decode(row.data);
    },

    async updateTaskQueueConfig(namespaceId, taskQueue, taskQueueType, change): Promise<TaskQueueConfig> {
      const key = [namespaceId, taskQueue, taskQueueType];
      return db.transaction(async (client) => {
        // The row lock makes concurrent updates take turns; the first configuration of a queue
        // is an insert, and one that lost the race to insert reads the winner's row, locked.
        for (;;) {
          const [row] = (await query<{ data: Buffer }>(client, SQL.configForUpdate, key)).rows;
          const after = change(row && TaskQueueConfig.decode(row.data));
          const data = asBuffer(TaskQueueConfig.encode(after).finish());
          if (row) {
            await query(client, SQL.replaceConfig, [...key, data]);
            return after;
          }
          if ((await query(client, SQL.insertConfig, [...key, data])).rows.length > 0) return after;
        }
      });
    },
  };
}
