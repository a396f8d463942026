import Database from 'better-sqlite3';
import type { Logger } from '@kairos/common/dist/logger';
import { HistoryEvent } from '@kairos/proto/dist/generated/temporal/api/history/v1/message';
import {
  MutableState,
  TaskQueueTask,
  TimerTask,
  TransferTask,
} from '@kairos/proto/dist/generated/kairos/persistence/v1/executions';
import { NamespaceRecord } from '@kairos/proto/dist/generated/kairos/persistence/v1/namespaces';
import {
  ConditionFailedError,
  CurrentExecutionConflictError,
  NamespaceAlreadyExistsError,
  ShardOwnershipLostError,
} from '../errors';
import type {
  CurrentExecutionRecord,
  ExecutionKey,
  ExecutionSnapshot,
  ExecutionWrite,
  ExecutionWriteResult,
  ShardLease,
  Store,
  StoredTaskQueueTask,
  StoredTimerTask,
  StoredTransferTask,
  TaskQueueKind,
} from '../store';
import { migrate } from './migrate';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  filename: string;
  logger?: Logger;
}

/**
 * Pragmas applied at open. WAL lets readers run beside the single writer; synchronous=NORMAL in
 * WAL mode keeps every committed transaction across a process crash (SIGKILL) and loses at most
 * the last transactions on power loss, the trade Temporal's own SQLite mode and most embedded
 * servers make. busy_timeout covers several processes sharing one file (cluster on SQLite).
 */
export const SQLITE_PRAGMAS: Record<string, string | number> = {
  journal_mode: 'WAL',
  synchronous: 'NORMAL',
  busy_timeout: 10_000,
  foreign_keys: 'ON',
  cache_size: -64_000,
  temp_store: 'MEMORY',
  mmap_size: 268_435_456,
  wal_autocheckpoint: 1000,
};

export interface OpenedSqliteStore {
  store: Store;
  /** The pragmas as SQLite reports them after applying, to print at start-up. */
  pragmas: Record<string, unknown>;
}

export function openSqliteStore(options: SqliteStoreOptions): OpenedSqliteStore {
  const db = new Database(options.filename);
  const pragmas: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(SQLITE_PRAGMAS)) {
    if (options.filename === ':memory:' && (name === 'journal_mode' || name === 'mmap_size')) continue;
    db.pragma(`${name} = ${value}`);
    pragmas[name] = db.pragma(name, { simple: true });
  }
  migrate(db);
  return { store: new SqliteStore(db), pragmas };
}

type Row = Record<string, unknown>;

class SqliteStore implements Store {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.stmt = {
      insertNamespace: p('INSERT INTO namespaces (id, name, data) VALUES (?, ?, ?)'),
      namespaceByName: p('SELECT data FROM namespaces WHERE name = ?'),
      namespaceById: p('SELECT data FROM namespaces WHERE id = ?'),
      allNamespaces: p('SELECT data FROM namespaces ORDER BY name'),
      getShard: p('SELECT shard_id, range_id, owner, lease_expires_at FROM shards WHERE shard_id = ?'),
      insertShard: p('INSERT INTO shards (shard_id, range_id, owner, lease_expires_at) VALUES (?, ?, ?, ?)'),
      updateShard: p('UPDATE shards SET range_id = ?, owner = ?, lease_expires_at = ? WHERE shard_id = ? AND range_id = ?'),
      renewShard: p('UPDATE shards SET lease_expires_at = ?, owner = ? WHERE shard_id = ? AND range_id = ?'),
      shardRange: p('SELECT range_id FROM shards WHERE shard_id = ?'),
      getCurrent: p(
        'SELECT run_id, first_execution_run_id, start_request_id, status FROM current_executions WHERE namespace_id = ? AND workflow_id = ?',
      ),
      insertCurrent: p(
        'INSERT INTO current_executions (namespace_id, workflow_id, run_id, first_execution_run_id, start_request_id, status) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      replaceCurrent: p(
        'UPDATE current_executions SET run_id = ?, first_execution_run_id = ?, start_request_id = ?, status = ? WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?',
      ),
      getExecution: p('SELECT db_version, state FROM executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?'),
      insertExecution: p('INSERT INTO executions (namespace_id, workflow_id, run_id, db_version, state) VALUES (?, ?, ?, 1, ?)'),
      updateExecution: p(
        'UPDATE executions SET db_version = ?, state = ? WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND db_version = ?',
      ),
      insertEvent: p('INSERT INTO history_events (namespace_id, workflow_id, run_id, event_id, data) VALUES (?, ?, ?, ?, ?)'),
      readEvents: p(
        'SELECT data FROM history_events WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND event_id >= ? AND event_id < ? ORDER BY event_id LIMIT ?',
      ),
      nextSequence: p(
        'INSERT INTO sequences (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value',
      ),
      insertTransfer: p('INSERT INTO transfer_tasks (shard_id, task_id, data) VALUES (?, ?, ?)'),
      readTransfer: p('SELECT task_id, data FROM transfer_tasks WHERE shard_id = ? AND task_id > ? ORDER BY task_id LIMIT ?'),
      deleteTransfer: p('DELETE FROM transfer_tasks WHERE shard_id = ? AND task_id = ?'),
      insertTimer: p('INSERT INTO timer_tasks (shard_id, fire_time, task_id, data) VALUES (?, ?, ?, ?)'),
      readTimers: p(
        'SELECT task_id, fire_time, data FROM timer_tasks WHERE shard_id = ? AND fire_time <= ? ORDER BY fire_time, task_id LIMIT ?',
      ),
      deleteTimer: p('DELETE FROM timer_tasks WHERE shard_id = ? AND task_id = ?'),
      nextTimer: p('SELECT MIN(fire_time) AS t FROM timer_tasks WHERE shard_id = ?'),
      insertQueueTask: p('INSERT INTO task_queue_tasks (namespace_id, task_queue, kind, task_id, data) VALUES (?, ?, ?, ?, ?)'),
      readQueueTasks: p(
        'SELECT task_id, data FROM task_queue_tasks WHERE namespace_id = ? AND task_queue = ? AND kind = ? AND task_id > ? ORDER BY task_id LIMIT ?',
      ),
      deleteQueueTask: p('DELETE FROM task_queue_tasks WHERE namespace_id = ? AND task_queue = ? AND kind = ? AND task_id = ?'),
    };
  }

  // --- namespaces

  async createNamespace(record: NamespaceRecord): Promise<void> {
    try {
      this.stmt.insertNamespace.run(record.info!.id, record.info!.name, NamespaceRecord.encode(record).finish());
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
        throw new NamespaceAlreadyExistsError(`namespace ${record.info!.name} already exists`);
      }
      throw err;
    }
  }

  async getNamespaceByName(name: string): Promise<NamespaceRecord | undefined> {
    const row = this.stmt.namespaceByName.get(name) as Row | undefined;
    return row ? NamespaceRecord.decode(row.data as Uint8Array) : undefined;
  }

  async getNamespaceById(id: string): Promise<NamespaceRecord | undefined> {
    const row = this.stmt.namespaceById.get(id) as Row | undefined;
    return row ? NamespaceRecord.decode(row.data as Uint8Array) : undefined;
  }

  async listNamespaces(): Promise<NamespaceRecord[]> {
    return (this.stmt.allNamespaces.all() as Row[]).map((r) => NamespaceRecord.decode(r.data as Uint8Array));
  }

  // --- shards

  async acquireShard(shardId: number, owner: string, leaseMs: number): Promise<ShardLease> {
    return this.db
      .transaction((): ShardLease => {
        const expires = Date.now() + leaseMs;
        const row = this.stmt.getShard.get(shardId) as Row | undefined;
        if (!row) {
          this.stmt.insertShard.run(shardId, 1, owner, expires);
          return { shardId, rangeId: 1, owner, leaseExpiresAt: new Date(expires) };
        }
        const rangeId = Number(row.range_id) + 1;
        this.stmt.updateShard.run(rangeId, owner, expires, shardId, row.range_id);
        return { shardId, rangeId, owner, leaseExpiresAt: new Date(expires) };
      })
      .immediate();
  }

  async renewShard(shardId: number, rangeId: number, owner: string, leaseMs: number): Promise<ShardLease> {
    const expires = Date.now() + leaseMs;
    const result = this.stmt.renewShard.run(expires, owner, shardId, rangeId);
    if (result.changes !== 1) throw new ShardOwnershipLostError(shardId);
    return { shardId, rangeId, owner, leaseExpiresAt: new Date(expires) };
  }

  async getShard(shardId: number): Promise<ShardLease | undefined> {
    const row = this.stmt.getShard.get(shardId) as Row | undefined;
    if (!row) return undefined;
    return {
      shardId,
      rangeId: Number(row.range_id),
      owner: String(row.owner),
      leaseExpiresAt: new Date(Number(row.lease_expires_at)),
    };
  }

  // --- executions

  async getCurrentExecution(namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined> {
    return this.readCurrent(namespaceId, workflowId);
  }

  private readCurrent(namespaceId: string, workflowId: string): CurrentExecutionRecord | undefined {
    const row = this.stmt.getCurrent.get(namespaceId, workflowId) as Row | undefined;
    if (!row) return undefined;
    return {
      namespaceId,
      workflowId,
      runId: String(row.run_id),
      firstExecutionRunId: String(row.first_execution_run_id),
      startRequestId: String(row.start_request_id),
      status: Number(row.status),
    };
  }

  async getExecution(key: ExecutionKey): Promise<ExecutionSnapshot | undefined> {
    const row = this.stmt.getExecution.get(key.namespaceId, key.workflowId, key.runId) as Row | undefined;
    if (!row) return undefined;
    return { mutableState: MutableState.decode(row.state as Uint8Array), dbVersion: Number(row.db_version) };
  }

  async writeExecution(write: ExecutionWrite): Promise<ExecutionWriteResult> {
    // Encode outside the transaction: it holds the write lock for as short a time as possible.
    const state = MutableState.encode(write.mutableState).finish();
    const events = write.newEvents.map((e) => ({ id: e.eventId, data: HistoryEvent.encode(e).finish() }));
    const transfers = write.transferTasks.map((t) => TransferTask.encode(t).finish());
    const timers = write.timerTasks.map((t) => ({ fireTime: t.fireTime!.getTime(), data: TimerTask.encode(t).finish() }));
    const { namespaceId, workflowId, runId } = write.key;
    return this.db
      .transaction((): ExecutionWriteResult => {
        const shard = this.stmt.shardRange.get(write.shardId) as Row | undefined;
        if (!shard || Number(shard.range_id) !== write.rangeId) throw new ShardOwnershipLostError(write.shardId);
        this.applyCurrentExecution(write);
        if (write.expectedDbVersion === 0) {
          try {
            this.stmt.insertExecution.run(namespaceId, workflowId, runId, state);
          } catch (err) {
            if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new ConditionFailedError('execution already exists');
            throw err;
          }
        } else {
          const result = this.stmt.updateExecution.run(write.expectedDbVersion + 1, state, namespaceId, workflowId, runId, write.expectedDbVersion);
          if (result.changes !== 1) throw new ConditionFailedError(`execution ${workflowId}/${runId} changed since it was read`);
        }
        for (const event of events) this.stmt.insertEvent.run(namespaceId, workflowId, runId, event.id, event.data);
        const transferTaskIds = transfers.map((data) => {
          const taskId = this.nextId(`transfer/${write.shardId}`);
          this.stmt.insertTransfer.run(write.shardId, taskId, data);
          return taskId;
        });
        const timerTaskIds = timers.map((timer) => {
          const taskId = this.nextId(`timer/${write.shardId}`);
          this.stmt.insertTimer.run(write.shardId, timer.fireTime, taskId, timer.data);
          return taskId;
        });
        return { dbVersion: write.expectedDbVersion + 1, transferTaskIds, timerTaskIds };
      })
      .immediate();
  }

  private applyCurrentExecution(write: ExecutionWrite): void {
    const change = write.currentExecution;
    if (!change) return;
    const r = change.record;
    const found = this.readCurrent(r.namespaceId, r.workflowId);
    switch (change.mode) {
      case 'create':
        if (found) throw new CurrentExecutionConflictError(found);
        this.stmt.insertCurrent.run(r.namespaceId, r.workflowId, r.runId, r.firstExecutionRunId, r.startRequestId, r.status);
        return;
      case 'replace':
        if (!found || found.runId !== change.expectedRunId) throw new CurrentExecutionConflictError(found);
        this.stmt.replaceCurrent.run(r.runId, r.firstExecutionRunId, r.startRequestId, r.status, r.namespaceId, r.workflowId, change.expectedRunId);
        return;
      case 'update':
        if (!found || found.runId !== r.runId) throw new CurrentExecutionConflictError(found);
        this.stmt.replaceCurrent.run(r.runId, r.firstExecutionRunId, r.startRequestId, r.status, r.namespaceId, r.workflowId, r.runId);
        return;
    }
  }

  private nextId(sequence: string): number {
    const row = this.stmt.nextSequence.get(sequence, 1) as Row;
    return Number(row.value);
  }

  async readHistory(key: ExecutionKey, fromEventId: number, toEventId: number, maxEvents: number): Promise<HistoryEvent[]> {
    const rows = this.stmt.readEvents.all(key.namespaceId, key.workflowId, key.runId, fromEventId, toEventId, maxEvents) as Row[];
    return rows.map((r) => HistoryEvent.decode(r.data as Uint8Array));
  }

  // --- history queues

  async getTransferTasks(shardId: number, afterTaskId: number, limit: number): Promise<StoredTransferTask[]> {
    const rows = this.stmt.readTransfer.all(shardId, afterTaskId, limit) as Row[];
    return rows.map((r) => ({ taskId: Number(r.task_id), task: TransferTask.decode(r.data as Uint8Array) }));
  }

  async deleteTransferTask(shardId: number, taskId: number): Promise<void> {
    this.stmt.deleteTransfer.run(shardId, taskId);
  }

  async getTimerTasks(shardId: number, upTo: Date, limit: number): Promise<StoredTimerTask[]> {
    const rows = this.stmt.readTimers.all(shardId, upTo.getTime(), limit) as Row[];
    return rows.map((r) => ({
      taskId: Number(r.task_id),
      fireTime: new Date(Number(r.fire_time)),
      task: TimerTask.decode(r.data as Uint8Array),
    }));
  }

  async deleteTimerTask(shardId: number, taskId: number): Promise<void> {
    this.stmt.deleteTimer.run(shardId, taskId);
  }

  async nextTimerFireTime(shardId: number): Promise<Date | undefined> {
    const row = this.stmt.nextTimer.get(shardId) as Row | undefined;
    return row?.t == null ? undefined : new Date(Number(row.t));
  }

  // --- matching backlogs

  async addTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, task: TaskQueueTask): Promise<number> {
    const data = TaskQueueTask.encode(task).finish();
    return this.db
      .transaction(() => {
        const taskId = this.nextId(`queue/${namespaceId}/${kind}/${taskQueue}`);
        this.stmt.insertQueueTask.run(namespaceId, taskQueue, kind, taskId, data);
        return taskId;
      })
      .immediate();
  }

  async getTaskQueueTasks(namespaceId: string, taskQueue: string, kind: TaskQueueKind, afterTaskId: number, limit: number): Promise<StoredTaskQueueTask[]> {
    const rows = this.stmt.readQueueTasks.all(namespaceId, taskQueue, kind, afterTaskId, limit) as Row[];
    return rows.map((r) => ({ taskId: Number(r.task_id), task: TaskQueueTask.decode(r.data as Uint8Array) }));
  }

  async deleteTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, taskId: number): Promise<void> {
    this.stmt.deleteQueueTask.run(namespaceId, taskQueue, kind, taskId);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
