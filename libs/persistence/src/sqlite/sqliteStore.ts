import { mkdirSync } from 'fs';
import { dirname, resolve } from 'path';
import Database from 'better-sqlite3';
import type { Logger } from '@kairos/common/logger';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { WorkflowExecutionStatus } from '@kairos/proto/temporal/api/enums/v1/workflow';
import {
  MutableState,
  TaskQueueTask,
  TimerTask,
  TransferTask,
} from '@kairos/proto/kairos/persistence/v1/executions';
import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import {
  ConditionFailedError,
  CurrentExecutionConflictError,
  NamespaceAlreadyExistsError,
  ShardOwnershipLostError,
  TaskQueueOwnershipLostError,
} from '../errors';
import type {
  CurrentExecutionRecord,
  ExecutionKey,
  ExecutionSnapshot,
  ExecutionWrite,
  ExecutionWriteResult,
  ShardLease,
  ClusterMember,
  MemberRole,
  Store,
  StoredTaskQueueTask,
  StoredTimerTask,
  StoredTransferTask,
  TaskQueueKind,
  VisibilityListRequest,
  VisibilityPage,
} from '../store';
import { buildCountQuery, buildListQuery, type CountResult, type ResolvedQuery, type SearchAttributeType } from '@kairos/visibility';
import { checkSearchAttributeTypes, searchAttributesToAdd, searchAttributeTypeOf, VISIBILITY_COLUMNS, visibilityRecordOf, visibilitySqlOptions, visibilityValues } from '../visibilityRows';
import { checkKind, keyString, validateWrite, validateWrites } from '../writeChecks';
import { BackgroundCheckpointer } from './backgroundCheckpointer';
import { GroupCommitter } from './groupCommit';
import { migrate, type MigrationResult } from './migrate';
import { applyPragmas, sqlitePragmas, type SqliteSynchronous } from './pragmas';

export interface SqliteStoreOptions {
  /** A file path (its directory is created if missing), or ':memory:'. */
  filename: string;
  logger?: Logger;
  /** WAL sync level; NORMAL (default) survives process crashes, FULL also power loss. See pragmas.ts. */
  synchronous?: SqliteSynchronous;
  /** Commit the writes issued in one event-loop turn together (default true). See groupCommit.ts. */
  groupCommit?: boolean;
  /**
   * Checkpoint the WAL on a worker thread (default true for files; in-memory databases have no
   * WAL). See backgroundCheckpointer.ts.
   */
  backgroundCheckpoint?: boolean;
}

export interface OpenedSqliteStore {
  store: Store;
  /** Each pragma as SQLite reports it after applying: the effective settings, for start-up output. */
  pragmas: Record<string, string | number>;
  /** Schema version found on open and after migrating. */
  schema: MigrationResult;
  /** Where WAL checkpoints run: on a worker thread, inline in commits, or nowhere (in-memory). */
  checkpoints: 'background' | 'inline' | 'none';
}

/**
 * Opens (creating if needed) a SQLite database, applies the pragmas, migrates its schema to the
 * newest version and returns the store. Throws UnsupportedSchemaVersionError for a database written
 * by a newer Kairos.
 */
export function openSqliteStore(options: SqliteStoreOptions): OpenedSqliteStore {
  const { filename, logger } = options;
  const inMemory = filename === ':memory:' || filename === '';
  if (!inMemory) mkdirSync(dirname(resolve(filename)), { recursive: true });
  const db = new Database(filename);
  try {
    const background = !inMemory && (options.backgroundCheckpoint ?? true);
    const pragmas = applyPragmas(db, sqlitePragmas({ synchronous: options.synchronous, backgroundCheckpoint: background }));
    const wal = pragmas.journal_mode === 'WAL';
    if (!inMemory && !wal) {
      logger?.warn('SQLite refused WAL mode; writes will be slower', { file: filename, journalMode: pragmas.journal_mode });
    }
    const schema = migrate(db, undefined, inMemory ? 'in-memory SQLite database' : `SQLite database ${filename}`);
    if (schema.from !== schema.to) logger?.info('store schema migrated', { store: 'sqlite', file: filename, ...schema });
    const checkpointer = background && wal ? BackgroundCheckpointer.start(filename, CHECKPOINT_INTERVAL_MS, logger) : undefined;
    const store = new SqliteStore(db, options.groupCommit ?? true, checkpointer);
    return { store, pragmas, schema, checkpoints: checkpointer ? 'background' : wal ? 'inline' : 'none' };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Prepared statements of visibility queries kept (the least recently prepared goes first). */
const MAX_CACHED_QUERIES = 200;

/** How often the background checkpointer copies the WAL into the database file. */
const CHECKPOINT_INTERVAL_MS = 100;

const RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;

function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    // namespaces
    insertNamespace: p('INSERT INTO namespaces (id, name, data) VALUES (?, ?, ?)'),
    namespaceByName: p('SELECT data FROM namespaces WHERE name = ?').pluck(),
    namespaceById: p('SELECT data FROM namespaces WHERE id = ?').pluck(),
    allNamespaces: p('SELECT data FROM namespaces ORDER BY name').pluck(),

    // shards
    acquireShard: p(
      `INSERT INTO shards (shard_id, range_id, owner, lease_expires_at) VALUES (?, 1, ?, ?)
       ON CONFLICT (shard_id) DO UPDATE SET range_id = range_id + 1, owner = excluded.owner, lease_expires_at = excluded.lease_expires_at
       RETURNING range_id`,
    ).pluck(),
    renewShard: p('UPDATE shards SET owner = ?, lease_expires_at = ? WHERE shard_id = ? AND range_id = ?'),
    getShard: p('SELECT range_id, owner, lease_expires_at FROM shards WHERE shard_id = ?').raw(),
    allShards: p('SELECT shard_id, range_id, owner, lease_expires_at FROM shards ORDER BY shard_id').raw(),
    releaseShard: p('UPDATE shards SET lease_expires_at = 0 WHERE shard_id = ? AND range_id = ?'),

    // membership
    heartbeatMember: p(
      `INSERT INTO cluster_members (role, instance_id, address, heartbeat_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (role, instance_id) DO UPDATE SET address = excluded.address, heartbeat_at = excluded.heartbeat_at`,
    ),
    liveMembers: p('SELECT instance_id, address, heartbeat_at FROM cluster_members WHERE role = ? AND heartbeat_at >= ? ORDER BY instance_id').raw(),
    removeMember: p('DELETE FROM cluster_members WHERE role = ? AND instance_id = ?'),
    shardRangeId: p('SELECT range_id FROM shards WHERE shard_id = ?').pluck(),
    /** Fences and allocates `n` task ids in one statement; returns the last id, or nothing if fenced out. */
    allocateTaskIds: p('UPDATE shards SET last_task_id = last_task_id + ? WHERE shard_id = ? AND range_id = ? RETURNING last_task_id').pluck(),

    // executions
    getExecution: p('SELECT db_version, state FROM executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?').raw(),
    executionVersion: p('SELECT db_version FROM executions WHERE namespace_id = ? AND workflow_id = ? AND run_id = ?').pluck(),
    insertExecution: p(
      'INSERT INTO executions (namespace_id, workflow_id, run_id, db_version, state) VALUES (?, ?, ?, 1, ?) ON CONFLICT DO NOTHING',
    ),
    updateExecution: p(
      'UPDATE executions SET db_version = ?, state = ? WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND db_version = ?',
    ),
    getCurrent: p(
      'SELECT run_id, first_execution_run_id, start_request_id, status FROM current_executions WHERE namespace_id = ? AND workflow_id = ?',
    ).raw(),
    insertCurrent: p(
      'INSERT INTO current_executions (namespace_id, workflow_id, run_id, first_execution_run_id, start_request_id, status) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    updateCurrent: p(
      'UPDATE current_executions SET run_id = ?, first_execution_run_id = ?, start_request_id = ?, status = ? WHERE namespace_id = ? AND workflow_id = ?',
    ),
    insertEvent: p('INSERT INTO history_events (namespace_id, workflow_id, run_id, event_id, data, batch_id) VALUES (?, ?, ?, ?, ?, ?)'),
    readBatches: p(
      `SELECT COALESCE(batch_id, event_id), data FROM history_events
       WHERE namespace_id = @ns AND workflow_id = @wf AND run_id = @run AND event_id >= @from AND event_id < @to
         AND COALESCE(batch_id, event_id) IN (
           SELECT DISTINCT COALESCE(batch_id, event_id) FROM history_events
           WHERE namespace_id = @ns AND workflow_id = @wf AND run_id = @run AND event_id >= @from AND event_id < @to
           ORDER BY 1 LIMIT @limit)
       ORDER BY event_id`,
    ).raw(),
    readEvents: p(
      `SELECT data FROM history_events
       WHERE namespace_id = ? AND workflow_id = ? AND run_id = ? AND event_id >= ? AND event_id < ?
       ORDER BY event_id LIMIT ?`,
    ).pluck(),

    // history queues
    insertTransfer: p('INSERT INTO transfer_tasks (shard_id, task_id, data) VALUES (?, ?, ?)'),
    readTransfers: p('SELECT task_id, data FROM transfer_tasks WHERE shard_id = ? AND task_id > ? ORDER BY task_id LIMIT ?').raw(),
    deleteTransfer: p('DELETE FROM transfer_tasks WHERE shard_id = ? AND task_id = ?'),
    insertTimer: p('INSERT INTO timer_tasks (shard_id, fire_time, task_id, data) VALUES (?, ?, ?, ?)'),
    readTimers: p(
      'SELECT task_id, fire_time, data FROM timer_tasks WHERE shard_id = ? AND fire_time <= ? ORDER BY fire_time, task_id LIMIT ?',
    ).raw(),
    deleteTimer: p('DELETE FROM timer_tasks WHERE shard_id = ? AND task_id = ?'),
    nextTimer: p('SELECT fire_time FROM timer_tasks WHERE shard_id = ? ORDER BY fire_time, task_id LIMIT 1').pluck(),

    // matching backlogs
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
    deleteQueueTask: p('DELETE FROM task_queue_tasks WHERE namespace_id = ? AND task_queue = ? AND kind = ? AND task_id = ?'),

    // visibility
    upsertVisibility: p(
      `INSERT INTO visibility (${VISIBILITY_COLUMNS.join(', ')}) VALUES (${VISIBILITY_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (namespace_id, run_id) DO UPDATE SET ${VISIBILITY_COLUMNS.slice(2).map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ),
    searchAttributes: p('SELECT name, type FROM custom_search_attributes WHERE namespace_id = ? ORDER BY name').raw(),
    insertSearchAttribute: p('INSERT INTO custom_search_attributes (namespace_id, name, type) VALUES (?, ?, ?)'),
    deleteSearchAttribute: p('DELETE FROM custom_search_attributes WHERE namespace_id = ? AND name = ?'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/** SQLite's LIMIT -1 is "no limit"; the Store contract says a limit of 0 or less is. */
const sqlLimit = (limit: number): number => (limit > 0 ? limit : -1);

const isConstraintError = (err: unknown): boolean =>
  typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('SQLITE_CONSTRAINT');


interface EncodedExecutionWrite {
  state: Uint8Array;
  events: Array<{ eventId: number; data: Uint8Array }>;
  transfers: Uint8Array[];
  timers: Array<{ fireTime: number; data: Uint8Array }>;
}

class SqliteStore implements Store {
  private readonly s: Statements;
  private readonly committer: GroupCommitter | undefined;
  private readonly transaction: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(
    private readonly db: Database.Database,
    groupCommit: boolean,
    private readonly checkpointer: BackgroundCheckpointer | undefined,
  ) {
    this.s = prepareStatements(db);
    this.committer = groupCommit ? new GroupCommitter(db) : undefined;
    this.transaction = db.transaction((fn: () => unknown) => fn());
  }

  /** Runs a write in its own transaction (or savepoint of a group commit); settles once committed. */
  private write<T>(fn: () => T): Promise<T> {
    if (!this.db.open) return Promise.reject(new Error('the SQLite store is closed'));
    if (this.committer) return this.committer.run(fn);
    try {
      return Promise.resolve(this.transaction.immediate(fn) as T);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // --- namespaces

  async createNamespace(record: NamespaceRecord): Promise<void> {
    const id = record.info?.id;
    const name = record.info?.name;
    if (!id || !name) throw new Error('a namespace record needs info.id and info.name');
    const data = NamespaceRecord.encode(record).finish();
    await this.write(() => {
      try {
        this.s.insertNamespace.run(id, name, data);
      } catch (err) {
        if (isConstraintError(err)) throw new NamespaceAlreadyExistsError(`namespace ${name} (id ${id}) already exists`);
        throw err;
      }
    });
  }

  async getNamespaceByName(name: string): Promise<NamespaceRecord | undefined> {
    const data = this.s.namespaceByName.get(name) as Uint8Array | undefined;
    return data ? NamespaceRecord.decode(data) : undefined;
  }

  async getNamespaceById(id: string): Promise<NamespaceRecord | undefined> {
    const data = this.s.namespaceById.get(id) as Uint8Array | undefined;
    return data ? NamespaceRecord.decode(data) : undefined;
  }

  async listNamespaces(): Promise<NamespaceRecord[]> {
    return (this.s.allNamespaces.all() as Uint8Array[]).map((data) => NamespaceRecord.decode(data));
  }

  // --- shards

  async acquireShard(shardId: number, owner: string, leaseMs: number): Promise<ShardLease> {
    return this.write(() => {
      const leaseExpiresAt = Date.now() + leaseMs;
      const rangeId = this.s.acquireShard.get(shardId, owner, leaseExpiresAt) as number;
      return { shardId, rangeId, owner, leaseExpiresAt: new Date(leaseExpiresAt) };
    });
  }

  async renewShard(shardId: number, rangeId: number, owner: string, leaseMs: number): Promise<ShardLease> {
    return this.write(() => {
      const leaseExpiresAt = Date.now() + leaseMs;
      if (this.s.renewShard.run(owner, leaseExpiresAt, shardId, rangeId).changes !== 1) throw this.shardLost(shardId, rangeId);
      return { shardId, rangeId, owner, leaseExpiresAt: new Date(leaseExpiresAt) };
    });
  }

  async getShard(shardId: number): Promise<ShardLease | undefined> {
    const row = this.s.getShard.get(shardId) as [number, string, number] | undefined;
    if (!row) return undefined;
    return { shardId, rangeId: row[0], owner: row[1], leaseExpiresAt: new Date(row[2]) };
  }

  async listShards(): Promise<ShardLease[]> {
    return (this.s.allShards.all() as Array<[number, number, string, number]>).map(([shardId, rangeId, owner, expires]) => ({
      shardId,
      rangeId,
      owner,
      leaseExpiresAt: new Date(expires),
    }));
  }

  async releaseShard(shardId: number, rangeId: number): Promise<void> {
    await this.write(() => void this.s.releaseShard.run(shardId, rangeId));
  }

  // --- membership

  async heartbeatMember(role: MemberRole, instanceId: string, address: string): Promise<void> {
    await this.write(() => void this.s.heartbeatMember.run(role, instanceId, address, Date.now()));
  }

  async listMembers(role: MemberRole, aliveSince: Date): Promise<ClusterMember[]> {
    return (this.s.liveMembers.all(role, aliveSince.getTime()) as Array<[string, string, number]>).map(([instanceId, address, at]) => ({
      role,
      instanceId,
      address,
      heartbeatAt: new Date(at),
    }));
  }

  async removeMember(role: MemberRole, instanceId: string): Promise<void> {
    await this.write(() => void this.s.removeMember.run(role, instanceId));
  }

  private shardLost(shardId: number, rangeId: number): ShardOwnershipLostError {
    const found = this.s.shardRangeId.get(shardId) as number | undefined;
    return new ShardOwnershipLostError(
      shardId,
      `shard ${shardId} ownership lost: writer holds range id ${rangeId}, the shard ${found === undefined ? 'was never acquired' : `is at ${found}`}`,
    );
  }

  // --- executions

  async getCurrentExecution(namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined> {
    return this.readCurrent(namespaceId, workflowId);
  }

  private readCurrent(namespaceId: string, workflowId: string): CurrentExecutionRecord | undefined {
    const row = this.s.getCurrent.get(namespaceId, workflowId) as [string, string, string, number] | undefined;
    if (!row) return undefined;
    return { namespaceId, workflowId, runId: row[0], firstExecutionRunId: row[1], startRequestId: row[2], status: row[3] };
  }

  async getExecution(key: ExecutionKey): Promise<ExecutionSnapshot | undefined> {
    const row = this.s.getExecution.get(key.namespaceId, key.workflowId, key.runId) as [number, Uint8Array] | undefined;
    if (!row) return undefined;
    return { dbVersion: row[0], mutableState: MutableState.decode(row[1]) };
  }

  async writeExecution(write: ExecutionWrite): Promise<ExecutionWriteResult> {
    validateWrite(write);
    const encoded = encodeWrite(write);
    return this.write(() => this.applyExecutionWrite(write, encoded));
  }

  async writeExecutions(writes: ExecutionWrite[]): Promise<ExecutionWriteResult[]> {
    validateWrites(writes);
    const encoded = writes.map(encodeWrite);
    return this.write(() => writes.map((write, i) => this.applyExecutionWrite(write, encoded[i]!)));
  }

  /** Runs inside a transaction; any throw rolls all of it back. */
  private applyExecutionWrite(write: ExecutionWrite, encoded: EncodedExecutionWrite): ExecutionWriteResult {
    const s = this.s;
    const { shardId, rangeId, key, expectedDbVersion } = write;
    const { namespaceId, workflowId, runId } = key;

    // 1. Fencing; when the write has tasks, the same statement allocates their ids.
    const taskCount = encoded.transfers.length + encoded.timers.length;
    let nextTaskId = 0;
    if (taskCount > 0) {
      const lastTaskId = s.allocateTaskIds.get(taskCount, shardId, rangeId) as number | undefined;
      if (lastTaskId === undefined) throw this.shardLost(shardId, rangeId);
      nextTaskId = lastTaskId - taskCount + 1;
    } else if ((s.shardRangeId.get(shardId) as number | undefined) !== rangeId) {
      throw this.shardLost(shardId, rangeId);
    }

    // 2. The execution row's version.
    if (expectedDbVersion === 0) {
      if (s.insertExecution.run(namespaceId, workflowId, runId, encoded.state).changes !== 1) {
        throw new ConditionFailedError(`execution ${keyString(key)} already exists`);
      }
    } else if (s.updateExecution.run(expectedDbVersion + 1, encoded.state, namespaceId, workflowId, runId, expectedDbVersion).changes !== 1) {
      const found = s.executionVersion.get(namespaceId, workflowId, runId) as number | undefined;
      throw new ConditionFailedError(
        found === undefined
          ? `execution ${keyString(key)} does not exist`
          : `execution ${keyString(key)} is at dbVersion ${found}, the write expected ${expectedDbVersion}`,
      );
    }

    // 3. The current-execution row.
    const change = write.currentExecution;
    if (change) {
      const found = this.readCurrent(namespaceId, workflowId);
      const r = change.record;
      switch (change.mode) {
        case 'create':
          if (found) throw new CurrentExecutionConflictError(found);
          s.insertCurrent.run(namespaceId, workflowId, runId, r.firstExecutionRunId, r.startRequestId, r.status);
          break;
        case 'replace':
          if (!found || found.runId !== change.expectedRunId || found.status === RUNNING) throw new CurrentExecutionConflictError(found);
          s.updateCurrent.run(runId, r.firstExecutionRunId, r.startRequestId, r.status, namespaceId, workflowId);
          break;
        case 'update':
          if (!found || found.runId !== runId) throw new CurrentExecutionConflictError(found);
          s.updateCurrent.run(runId, r.firstExecutionRunId, r.startRequestId, r.status, namespaceId, workflowId);
          break;
        case 'continue':
          if (!found || found.runId !== change.expectedRunId) throw new CurrentExecutionConflictError(found);
          s.updateCurrent.run(runId, r.firstExecutionRunId, r.startRequestId, r.status, namespaceId, workflowId);
          break;
      }
    }

    // 4. Events: an id already stored (or repeated in this write) fails the whole write. The
    //    events of one write form one batch, named by its first event id.
    const batchId = encoded.events[0]?.eventId ?? 0;
    for (const event of encoded.events) {
      try {
        s.insertEvent.run(namespaceId, workflowId, runId, event.eventId, event.data, batchId);
      } catch (err) {
        if (isConstraintError(err)) throw new ConditionFailedError(`event ${event.eventId} of ${keyString(key)} already exists`);
        throw err;
      }
    }

    // 5. Tasks, with the ids allocated in step 1: transfer tasks first, then timer tasks.
    const transferTaskIds: number[] = [];
    for (const data of encoded.transfers) {
      const taskId = nextTaskId++;
      s.insertTransfer.run(shardId, taskId, data);
      transferTaskIds.push(taskId);
    }
    const timerTaskIds: number[] = [];
    for (const timer of encoded.timers) {
      const taskId = nextTaskId++;
      s.insertTimer.run(shardId, timer.fireTime, taskId, timer.data);
      timerTaskIds.push(taskId);
    }

    // 6. The run's visibility row, when the write changes what List shows.
    if (write.visibility) s.upsertVisibility.run(...visibilityValues(write.visibility));
    return { dbVersion: expectedDbVersion + 1, transferTaskIds, timerTaskIds };
  }

  async readHistory(key: ExecutionKey, fromEventId: number, toEventId: number, maxEvents: number): Promise<HistoryEvent[]> {
    if (fromEventId >= toEventId) return [];
    const rows = this.s.readEvents.all(key.namespaceId, key.workflowId, key.runId, fromEventId, toEventId, sqlLimit(maxEvents)) as Uint8Array[];
    return rows.map((data) => HistoryEvent.decode(data));
  }

  async readHistoryBatches(key: ExecutionKey, fromEventId: number, toEventId: number, maxBatches: number): Promise<HistoryEvent[][]> {
    if (fromEventId >= toEventId) return [];
    const rows = this.s.readBatches.all({
      ns: key.namespaceId,
      wf: key.workflowId,
      run: key.runId,
      from: fromEventId,
      to: toEventId,
      limit: sqlLimit(maxBatches),
    }) as Array<[number, Uint8Array]>;
    const batches: HistoryEvent[][] = [];
    let current: number | undefined;
    for (const [batch, data] of rows) {
      if (batch !== current) {
        batches.push([]);
        current = batch;
      }
      batches[batches.length - 1]!.push(HistoryEvent.decode(data));
    }
    return batches;
  }

  // --- history queues

  async getTransferTasks(shardId: number, afterTaskId: number, limit: number): Promise<StoredTransferTask[]> {
    const rows = this.s.readTransfers.all(shardId, afterTaskId, sqlLimit(limit)) as Array<[number, Uint8Array]>;
    return rows.map(([taskId, data]) => ({ taskId, task: TransferTask.decode(data) }));
  }

  async deleteTransferTask(shardId: number, taskId: number): Promise<void> {
    await this.write(() => this.s.deleteTransfer.run(shardId, taskId));
  }

  async getTimerTasks(shardId: number, upTo: Date, limit: number): Promise<StoredTimerTask[]> {
    const rows = this.s.readTimers.all(shardId, upTo.getTime(), sqlLimit(limit)) as Array<[number, number, Uint8Array]>;
    return rows.map(([taskId, fireTime, data]) => ({ taskId, fireTime: new Date(fireTime), task: TimerTask.decode(data) }));
  }

  async deleteTimerTask(shardId: number, taskId: number): Promise<void> {
    await this.write(() => this.s.deleteTimer.run(shardId, taskId));
  }

  async nextTimerFireTime(shardId: number): Promise<Date | undefined> {
    const fireTime = this.s.nextTimer.get(shardId) as number | undefined;
    return fireTime === undefined ? undefined : new Date(fireTime);
  }

  // --- matching backlogs

  async acquireTaskQueue(namespaceId: string, taskQueue: string, kind: TaskQueueKind, owner: string): Promise<number> {
    checkKind(kind);
    return this.write(() => this.s.acquireQueue.get(namespaceId, taskQueue, kind, owner) as number);
  }

  async addTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, task: TaskQueueTask, rangeId: number): Promise<number> {
    checkKind(kind);
    const data = TaskQueueTask.encode(task).finish();
    return this.write(() => {
      const taskId = this.s.nextQueueTaskId.get(namespaceId, taskQueue, kind, rangeId) as number | undefined;
      if (taskId === undefined) throw this.queueLost(namespaceId, taskQueue, kind, rangeId);
      this.s.insertQueueTask.run(namespaceId, taskQueue, kind, taskId, data);
      return taskId;
    });
  }

  private queueLost(namespaceId: string, taskQueue: string, kind: TaskQueueKind, rangeId: number): TaskQueueOwnershipLostError {
    const found = this.s.queueRangeId.get(namespaceId, taskQueue, kind) as number | undefined;
    return new TaskQueueOwnershipLostError(
      taskQueue,
      `task queue ${namespaceId}/${kind}/${taskQueue} ownership lost: writer holds range id ${rangeId}, the queue ${found === undefined ? 'was never acquired' : `is at ${found}`}`,
    );
  }

  async getTaskQueueTasks(
    namespaceId: string,
    taskQueue: string,
    kind: TaskQueueKind,
    afterTaskId: number,
    limit: number,
  ): Promise<StoredTaskQueueTask[]> {
    const rows = this.s.readQueueTasks.all(namespaceId, taskQueue, kind, afterTaskId, sqlLimit(limit)) as Array<[number, Uint8Array]>;
    return rows.map(([taskId, data]) => ({ taskId, task: TaskQueueTask.decode(data) }));
  }

  async deleteTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, taskId: number, rangeId: number): Promise<void> {
    await this.write(() => {
      if (this.s.queueRangeId.get(namespaceId, taskQueue, kind) !== rangeId) throw this.queueLost(namespaceId, taskQueue, kind, rangeId);
      this.s.deleteQueueTask.run(namespaceId, taskQueue, kind, taskId);
    });
  }

  // --- visibility

  /** Statements of compiled queries, by SQL text (a query's shape repeats; its values are parameters). */
  private readonly queryStatements = new Map<string, Database.Statement>();

  private queryStatement(sql: string): Database.Statement {
    let statement = this.queryStatements.get(sql);
    if (!statement) {
      if (this.queryStatements.size >= MAX_CACHED_QUERIES) this.queryStatements.delete(this.queryStatements.keys().next().value!);
      statement = this.db.prepare(sql);
      this.queryStatements.set(sql, statement);
    }
    return statement;
  }

  async listVisibility(request: VisibilityListRequest): Promise<VisibilityPage> {
    const list = buildListQuery(
      request.query,
      { namespaceId: request.namespaceId, pageSize: request.pageSize, pageToken: request.nextPageToken },
      visibilitySqlOptions('sqlite'),
    );
    const rows = this.queryStatement(list.sql).all(...list.params) as Array<Record<string, unknown>>;
    const nextPageToken = list.nextPageToken(rows);
    return { executions: rows.map(visibilityRecordOf), ...(nextPageToken ? { nextPageToken } : {}) };
  }

  async countVisibility(namespaceId: string, query: ResolvedQuery): Promise<CountResult> {
    const count = buildCountQuery(query, { namespaceId }, visibilitySqlOptions('sqlite'));
    return count.readResult(this.queryStatement(count.sql).all(...count.params) as Array<Record<string, unknown>>);
  }

  async getSearchAttributes(namespaceId: string): Promise<Map<string, SearchAttributeType>> {
    return this.readSearchAttributes(namespaceId);
  }

  private readSearchAttributes(namespaceId: string): Map<string, SearchAttributeType> {
    const rows = this.s.searchAttributes.all(namespaceId) as Array<[string, string]>;
    return new Map(rows.map(([name, type]) => [name, searchAttributeTypeOf(type)]));
  }

  async addSearchAttributes(namespaceId: string, attributes: ReadonlyMap<string, SearchAttributeType>, maxCustom: number): Promise<void> {
    checkSearchAttributeTypes(attributes);
    await this.write(() => {
      const added = searchAttributesToAdd(this.readSearchAttributes(namespaceId), attributes, maxCustom);
      for (const [name, type] of added) this.s.insertSearchAttribute.run(namespaceId, name, type);
    });
  }

  async removeSearchAttributes(namespaceId: string, names: readonly string[]): Promise<void> {
    await this.write(() => {
      for (const name of names) this.s.deleteSearchAttribute.run(namespaceId, name);
    });
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.committer?.flush();
    // Close the checkpointer's connection first, so closing ours (the last) checkpoints and removes the WAL.
    await this.checkpointer?.stop();
    if (!this.db.open) return;
    this.committer?.flush();
    try {
      this.db.pragma('optimize');
    } catch {
      // Only a planner-statistics refresh; never a reason to fail closing.
    }
    this.db.close();
  }
}

/** Encodes a write's blobs once, before the write lock is taken. */
function encodeWrite(write: ExecutionWrite): EncodedExecutionWrite {
  return {
    state: MutableState.encode(write.mutableState).finish(),
    events: write.newEvents.map((event, i) => ({ eventId: event.eventId, data: write.encodedEvents?.[i] ?? HistoryEvent.encode(event).finish() })),
    transfers: write.transferTasks.map((task) => TransferTask.encode(task).finish()),
    timers: write.timerTasks.map((task) => ({ fireTime: task.fireTime!.getTime(), data: TimerTask.encode(task).finish() })),
  };
}

