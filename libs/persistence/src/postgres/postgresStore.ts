import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import type { Logger } from '@kairos/common/logger';
import { unavailable } from '@kairos/common/errors';
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
  SchemaUpdateRequiredError,
  ShardOwnershipLostError,
  TaskQueueOwnershipLostError,
  UnsupportedSchemaVersionError,
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
import { checkSearchAttributeTypes, searchAttributesToAdd, searchAttributeTypeOf, visibilityRecordOf, visibilitySqlOptions, visibilityValues } from '../visibilityRows';
import { checkKind, keyString, validateWrite, validateWrites } from '../writeChecks';
import { createPostgresPool, describePostgres, inTransaction, isDatabaseUnavailable, uniqueViolation } from './connection';
import { checkPostgresSchema } from './migrate';
import { SQL } from './statements';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` (any libpq-style URL pg accepts). */
  url: string;
  logger?: Logger;
  /** Connections kept at most (default 10). */
  poolSize?: number;
}

export interface OpenedPostgresStore {
  store: Store;
  /** The schema version found (always the one this build uses: anything else is refused). */
  schemaVersion: number;
}

/**
 * Connects to PostgreSQL and returns the store. Does not migrate: a database without the schema
 * this build uses is refused with SchemaUpdateRequiredError (older or none: run
 * `kairos schema update`) or UnsupportedSchemaVersionError (newer).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<OpenedPostgresStore> {
  const pool = createPostgresPool(options.url, { max: options.poolSize, logger: options.logger });
  try {
    const schemaVersion = await checkPostgresSchema(pool, options.url).catch((err: Error) => {
      if (err instanceof SchemaUpdateRequiredError || err instanceof UnsupportedSchemaVersionError) throw err;
      throw new Error(`cannot open ${describePostgres(options.url)}: ${err.message}`, { cause: err });
    });
    return { store: new PostgresStore(pool), schemaVersion };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

const RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;

/** Encodes a write's blobs once, before any lock is taken. */
function encodeWrite(write: ExecutionWrite): EncodedExecutionWrite {
  return {
    state: asBuffer(MutableState.encode(write.mutableState).finish()),
    eventIds: write.newEvents.map((event) => event.eventId),
    events: write.newEvents.map((event, i) => asBuffer(write.encodedEvents?.[i] ?? HistoryEvent.encode(event).finish())),
    transfers: write.transferTasks.map((task) => asBuffer(TransferTask.encode(task).finish())),
    timerFireTimes: write.timerTasks.map((task) => task.fireTime!.getTime()),
    timers: write.timerTasks.map((task) => asBuffer(TimerTask.encode(task).finish())),
  };
}

/** The Store contract's "0 or less means no limit" as SQL: LIMIT NULL is no limit. */
const sqlLimit = (limit: number): number | null => (limit > 0 ? limit : null);

/** A view of the bytes as a Buffer (pg's bytea parameter type), without copying. */
const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

interface EncodedExecutionWrite {
  state: Buffer;
  eventIds: number[];
  events: Buffer[];
  transfers: Buffer[];
  timerFireTimes: number[];
  timers: Buffer[];
}

type Queryable = Pool | PoolClient;

function query<R extends QueryResultRow>(db: Queryable, statement: { name: string; text: string }, values: unknown[]): Promise<QueryResult<R>> {
  const config: QueryConfig = { ...statement, values };
  return db.query<R>(config);
}

class PostgresStore implements Store {
  private closing: Promise<void> | undefined;
  /** Calls issued and not settled: close() lets them finish before ending the pool. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly pool: Pool) {}

  /** Runs one store call, refusing new ones once closing began. */
  private run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error('the PostgreSQL store is closed'));
    const call = fn().catch((err: unknown) => {
      throw isDatabaseUnavailable(err) ? unavailable(`persistence unavailable: ${(err as Error).message}`) : err;
    });
    this.pending.add(call);
    const forget = () => this.pending.delete(call);
    call.then(forget, forget);
    return call;
  }

  private read<R extends QueryResultRow>(statement: { name: string; text: string }, values: unknown[]): Promise<R[]> {
    return this.run(async () => (await query<R>(this.pool, statement, values)).rows);
  }

  private transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.run(() => inTransaction(this.pool, fn));
  }

  // --- namespaces

  async createNamespace(record: NamespaceRecord): Promise<void> {
    const id = record.info?.id;
    const name = record.info?.name;
    if (!id || !name) throw new Error('a namespace record needs info.id and info.name');
    const data = asBuffer(NamespaceRecord.encode(record).finish());
    await this.run(async () => {
      try {
        await query(this.pool, SQL.insertNamespace, [id, name, data]);
      } catch (err) {
        if (uniqueViolation(err) !== undefined) throw new NamespaceAlreadyExistsError(`namespace ${name} (id ${id}) already exists`);
        throw err;
      }
    });
  }

  async getNamespaceByName(name: string): Promise<NamespaceRecord | undefined> {
    const [row] = await this.read<{ data: Buffer }>(SQL.namespaceByName, [name]);
    return row ? NamespaceRecord.decode(row.data) : undefined;
  }

  async getNamespaceById(id: string): Promise<NamespaceRecord | undefined> {
    const [row] = await this.read<{ data: Buffer }>(SQL.namespaceById, [id]);
    return row ? NamespaceRecord.decode(row.data) : undefined;
  }

  async listNamespaces(): Promise<NamespaceRecord[]> {
    return (await this.read<{ data: Buffer }>(SQL.allNamespaces, [])).map((row) => NamespaceRecord.decode(row.data));
  }

  // --- shards

  async acquireShard(shardId: number, owner: string, leaseMs: number): Promise<ShardLease> {
    const leaseExpiresAt = Date.now() + leaseMs;
    const [row] = await this.read<{ range_id: number }>(SQL.acquireShard, [shardId, owner, leaseExpiresAt]);
    return { shardId, rangeId: row!.range_id, owner, leaseExpiresAt: new Date(leaseExpiresAt) };
  }

  async renewShard(shardId: number, rangeId: number, owner: string, leaseMs: number): Promise<ShardLease> {
    const leaseExpiresAt = Date.now() + leaseMs;
    return this.run(async () => {
      const result = await query(this.pool, SQL.renewShard, [owner, leaseExpiresAt, shardId, rangeId]);
      if (result.rowCount !== 1) throw await this.shardLost(this.pool, shardId, rangeId);
      return { shardId, rangeId, owner, leaseExpiresAt: new Date(leaseExpiresAt) };
    });
  }

  async getShard(shardId: number): Promise<ShardLease | undefined> {
    const [row] = await this.read<{ range_id: number; owner: string; lease_expires_at: number }>(SQL.getShard, [shardId]);
    return row ? { shardId, rangeId: row.range_id, owner: row.owner, leaseExpiresAt: new Date(row.lease_expires_at) } : undefined;
  }

  async listShards(): Promise<ShardLease[]> {
    const rows = await this.read<{ shard_id: number; range_id: number; owner: string; lease_expires_at: number }>(SQL.allShards, []);
    return rows.map((r) => ({ shardId: r.shard_id, rangeId: r.range_id, owner: r.owner, leaseExpiresAt: new Date(r.lease_expires_at) }));
  }

  async releaseShard(shardId: number, rangeId: number): Promise<void> {
    await this.read(SQL.releaseShard, [shardId, rangeId]);
  }

  // --- membership

  async heartbeatMember(role: MemberRole, instanceId: string, address: string): Promise<void> {
    await this.read(SQL.heartbeatMember, [role, instanceId, address, Date.now()]);
  }

  async listMembers(role: MemberRole, aliveSince: Date): Promise<ClusterMember[]> {
    const rows = await this.read<{ instance_id: string; address: string; heartbeat_at: number }>(SQL.liveMembers, [role, aliveSince.getTime()]);
    return rows.map((r) => ({ role, instanceId: r.instance_id, address: r.address, heartbeatAt: new Date(r.heartbeat_at) }));
  }

  async removeMember(role: MemberRole, instanceId: string): Promise<void> {
    await this.read(SQL.removeMember, [role, instanceId]);
  }

  private async shardLost(db: Queryable, shardId: number, rangeId: number): Promise<ShardOwnershipLostError> {
    const [row] = (await query<{ range_id: number }>(db, SQL.getShard, [shardId])).rows;
    return new ShardOwnershipLostError(
      shardId,
      `shard ${shardId} ownership lost: writer holds range id ${rangeId}, the shard ${row === undefined ? 'was never acquired' : `is at ${row.range_id}`}`,
    );
  }

  // --- executions

  async getCurrentExecution(namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined> {
    return this.run(() => this.readCurrent(this.pool, namespaceId, workflowId));
  }

  private async readCurrent(db: Queryable, namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined> {
    type Row = { run_id: string; first_execution_run_id: string; start_request_id: string; status: number };
    const [row] = (await query<Row>(db, SQL.getCurrent, [namespaceId, workflowId])).rows;
    if (!row) return undefined;
    return {
      namespaceId,
      workflowId,
      runId: row.run_id,
      firstExecutionRunId: row.first_execution_run_id,
      startRequestId: row.start_request_id,
      status: row.status,
    };
  }

  async getExecution(key: ExecutionKey): Promise<ExecutionSnapshot | undefined> {
    const [row] = await this.read<{ db_version: number; state: Buffer }>(SQL.getExecution, [key.namespaceId, key.workflowId, key.runId]);
    return row ? { dbVersion: row.db_version, mutableState: MutableState.decode(row.state) } : undefined;
  }

  async writeExecution(write: ExecutionWrite): Promise<ExecutionWriteResult> {
    validateWrite(write);
    const encoded = encodeWrite(write);
    return this.transaction((client) => this.applyExecutionWrite(client, write, encoded));
  }

  async writeExecutions(writes: ExecutionWrite[]): Promise<ExecutionWriteResult[]> {
    validateWrites(writes);
    const encoded = writes.map(encodeWrite);
    return this.transaction(async (client) => {
      const results: ExecutionWriteResult[] = [];
      for (let i = 0; i < writes.length; i++) results.push(await this.applyExecutionWrite(client, writes[i]!, encoded[i]!));
      return results;
    });
  }

  /** Runs inside a transaction; any throw rolls all of it back. Checks in the order the Store contract gives. */
  private async applyExecutionWrite(client: PoolClient, write: ExecutionWrite, encoded: EncodedExecutionWrite): Promise<ExecutionWriteResult> {
    const { shardId, rangeId, key, expectedDbVersion } = write;
    const { namespaceId, workflowId, runId } = key;

    // 1. Fencing, holding the shard row until commit; with tasks, the same statement allocates their ids.
    const taskCount = encoded.transfers.length + encoded.timers.length;
    let nextTaskId = 0;
    if (taskCount > 0) {
      const [row] = (await query<{ last_task_id: number }>(client, SQL.allocateTaskIds, [taskCount, shardId, rangeId])).rows;
      if (!row) throw await this.shardLost(client, shardId, rangeId);
      nextTaskId = row.last_task_id - taskCount + 1;
    } else {
      const [row] = (await query<{ range_id: number }>(client, SQL.lockShardShared, [shardId])).rows;
      if (row?.range_id !== rangeId) throw await this.shardLost(client, shardId, rangeId);
    }

    // 2. The execution row's version. A concurrent writer of the same row is waited for; the
    //    condition is then evaluated against what it committed.
    if (expectedDbVersion === 0) {
      const inserted = await query(client, SQL.insertExecution, [namespaceId, workflowId, runId, encoded.state]);
      if (inserted.rowCount !== 1) throw new ConditionFailedError(`execution ${keyString(key)} already exists`);
    } else {
      const updated = await query(client, SQL.updateExecution, [expectedDbVersion + 1, encoded.state, namespaceId, workflowId, runId, expectedDbVersion]);
      if (updated.rowCount !== 1) {
        const [row] = (await query<{ db_version: number }>(client, SQL.executionVersion, [namespaceId, workflowId, runId])).rows;
        throw new ConditionFailedError(
          row === undefined
            ? `execution ${keyString(key)} does not exist`
            : `execution ${keyString(key)} is at dbVersion ${row.db_version}, the write expected ${expectedDbVersion}`,
        );
      }
    }

    // 3. The current-execution row: each mode is one conditional statement; when it changes
    //    nothing, the row found is read for the error.
    const change = write.currentExecution;
    if (change) {
      const r = change.record;
      let changed: number | null;
      switch (change.mode) {
        case 'create':
          changed = (await query(client, SQL.insertCurrent, [namespaceId, workflowId, runId, r.firstExecutionRunId, r.startRequestId, r.status])).rowCount;
          break;
        case 'replace':
          changed = (
            await query(client, SQL.replaceCurrent, [
              runId, r.firstExecutionRunId, r.startRequestId, r.status, namespaceId, workflowId, change.expectedRunId, RUNNING,
            ])
          ).rowCount;
          break;
        case 'update':
          changed = (await query(client, SQL.updateCurrent, [r.firstExecutionRunId, r.startRequestId, r.status, namespaceId, workflowId, runId])).rowCount;
          break;
        case 'continue':
          changed = (
            await query(client, SQL.continueCurrent, [runId, r.firstExecutionRunId, r.startRequestId, r.status, namespaceId, workflowId, change.expectedRunId])
          ).rowCount;
          break;
      }
      if (changed !== 1) throw new CurrentExecutionConflictError(await this.readCurrent(client, namespaceId, workflowId));
    }

    // 4. Events: an id already stored (or repeated in this write) fails the whole write. The
    //    events of one write form one batch, named by its first event id.
    if (encoded.events.length > 0) {
      try {
        await query(client, SQL.insertEvents, [namespaceId, workflowId, runId, encoded.eventIds[0], encoded.eventIds, encoded.events]);
      } catch (err) {
        if (uniqueViolation(err) === 'history_events_pkey') {
          throw new ConditionFailedError(`an event of ${encoded.eventIds.join(', ')} of ${keyString(key)} already exists`);
        }
        throw err;
      }
    }

    // 5. Tasks, with the ids allocated in step 1: transfer tasks first, then timer tasks.
    const transferTaskIds = encoded.transfers.map(() => nextTaskId++);
    const timerTaskIds = encoded.timers.map(() => nextTaskId++);
    if (transferTaskIds.length > 0) await query(client, SQL.insertTransfers, [shardId, transferTaskIds, encoded.transfers]);
    if (timerTaskIds.length > 0) await query(client, SQL.insertTimers, [shardId, encoded.timerFireTimes, timerTaskIds, encoded.timers]);

    // 6. The run's visibility row, when the write changes what List shows.
    if (write.visibility) await query(client, SQL.upsertVisibility, visibilityValues(write.visibility, asBuffer));
    return { dbVersion: expectedDbVersion + 1, transferTaskIds, timerTaskIds };
  }

  async readHistory(key: ExecutionKey, fromEventId: number, toEventId: number, maxEvents: number): Promise<HistoryEvent[]> {
    if (fromEventId >= toEventId) return [];
    const rows = await this.read<{ data: Buffer }>(SQL.readEvents, [
      key.namespaceId, key.workflowId, key.runId, fromEventId, toEventId, sqlLimit(maxEvents),
    ]);
    return rows.map((row) => HistoryEvent.decode(row.data));
  }

  async readHistoryBatches(key: ExecutionKey, fromEventId: number, toEventId: number, maxBatches: number): Promise<HistoryEvent[][]> {
    if (fromEventId >= toEventId) return [];
    const rows = await this.read<{ batch_id: number; data: Buffer }>(SQL.readBatches, [
      key.namespaceId, key.workflowId, key.runId, fromEventId, toEventId, sqlLimit(maxBatches),
    ]);
    const batches: HistoryEvent[][] = [];
    let current: number | undefined;
    for (const row of rows) {
      if (row.batch_id !== current) {
        batches.push([]);
        current = row.batch_id;
      }
      batches[batches.length - 1]!.push(HistoryEvent.decode(row.data));
    }
    return batches;
  }

  // --- history queues

  async getTransferTasks(shardId: number, afterTaskId: number, limit: number): Promise<StoredTransferTask[]> {
    const rows = await this.read<{ task_id: number; data: Buffer }>(SQL.readTransfers, [shardId, afterTaskId, sqlLimit(limit)]);
    return rows.map((row) => ({ taskId: row.task_id, task: TransferTask.decode(row.data) }));
  }

  async deleteTransferTask(shardId: number, taskId: number): Promise<void> {
    await this.read(SQL.deleteTransfer, [shardId, taskId]);
  }

  async getTimerTasks(shardId: number, upTo: Date, limit: number): Promise<StoredTimerTask[]> {
    const rows = await this.read<{ task_id: number; fire_time: number; data: Buffer }>(SQL.readTimers, [shardId, upTo.getTime(), sqlLimit(limit)]);
    return rows.map((row) => ({ taskId: row.task_id, fireTime: new Date(row.fire_time), task: TimerTask.decode(row.data) }));
  }

  async deleteTimerTask(shardId: number, taskId: number): Promise<void> {
    await this.read(SQL.deleteTimer, [shardId, taskId]);
  }

  async nextTimerFireTime(shardId: number): Promise<Date | undefined> {
    const [row] = await this.read<{ fire_time: number }>(SQL.nextTimer, [shardId]);
    return row ? new Date(row.fire_time) : undefined;
  }

  // --- matching backlogs

  async acquireTaskQueue(namespaceId: string, taskQueue: string, kind: TaskQueueKind, owner: string): Promise<number> {
    checkKind(kind);
    const [row] = await this.read<{ range_id: number }>(SQL.acquireQueue, [namespaceId, taskQueue, kind, owner]);
    return row!.range_id;
  }

  async addTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, task: TaskQueueTask, rangeId: number): Promise<number> {
    checkKind(kind);
    const data = asBuffer(TaskQueueTask.encode(task).finish());
    const [row] = await this.read<{ task_id: number }>(SQL.addQueueTask, [namespaceId, taskQueue, kind, data, rangeId]);
    if (!row) throw await this.queueLost(this.pool, namespaceId, taskQueue, kind, rangeId);
    return row.task_id;
  }

  private async queueLost(db: Queryable, namespaceId: string, taskQueue: string, kind: TaskQueueKind, rangeId: number): Promise<TaskQueueOwnershipLostError> {
    const [row] = (await query<{ range_id: number }>(db, SQL.queueRangeId, [namespaceId, taskQueue, kind])).rows;
    return new TaskQueueOwnershipLostError(
      taskQueue,
      `task queue ${namespaceId}/${kind}/${taskQueue} ownership lost: writer holds range id ${rangeId}, the queue ${row === undefined ? 'was never acquired' : `is at ${row.range_id}`}`,
    );
  }

  async getTaskQueueTasks(
    namespaceId: string,
    taskQueue: string,
    kind: TaskQueueKind,
    afterTaskId: number,
    limit: number,
  ): Promise<StoredTaskQueueTask[]> {
    const rows = await this.read<{ task_id: number; data: Buffer }>(SQL.readQueueTasks, [namespaceId, taskQueue, kind, afterTaskId, sqlLimit(limit)]);
    return rows.map((row) => ({ taskId: row.task_id, task: TaskQueueTask.decode(row.data) }));
  }

  async deleteTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, taskId: number, rangeId: number): Promise<void> {
    await this.transaction(async (client) => {
      const [row] = (await query<{ range_id: number }>(client, SQL.lockQueueShared, [namespaceId, taskQueue, kind])).rows;
      if (row?.range_id !== rangeId) throw await this.queueLost(client, namespaceId, taskQueue, kind, rangeId);
      await query(client, SQL.deleteQueueTask, [namespaceId, taskQueue, kind, taskId]);
    });
  }

  // --- visibility

  async listVisibility(request: VisibilityListRequest): Promise<VisibilityPage> {
    const list = buildListQuery(
      request.query,
      { namespaceId: request.namespaceId, pageSize: request.pageSize, pageToken: request.nextPageToken },
      visibilitySqlOptions('postgres'),
    );
    const rows = await this.run(async () => (await this.pool.query<Record<string, unknown>>({ text: list.sql, values: list.params })).rows);
    const nextPageToken = list.nextPageToken(rows);
    return { executions: rows.map(visibilityRecordOf), ...(nextPageToken ? { nextPageToken } : {}) };
  }

  async countVisibility(namespaceId: string, query: ResolvedQuery): Promise<CountResult> {
    const count = buildCountQuery(query, { namespaceId }, visibilitySqlOptions('postgres'));
    const rows = await this.run(async () => (await this.pool.query<Record<string, unknown>>({ text: count.sql, values: count.params })).rows);
    return count.readResult(rows);
  }

  async getSearchAttributes(namespaceId: string): Promise<Map<string, SearchAttributeType>> {
    const rows = await this.read<{ name: string; type: string }>(SQL.searchAttributes, [namespaceId]);
    return new Map(rows.map((r) => [r.name, searchAttributeTypeOf(r.type)]));
  }

  async addSearchAttributes(namespaceId: string, attributes: ReadonlyMap<string, SearchAttributeType>, maxCustom: number): Promise<void> {
    checkSearchAttributeTypes(attributes);
    await this.transaction(async (client) => {
      // Concurrent additions to one namespace take turns, so the limit holds.
      await query(client, SQL.lockSearchAttributes, [namespaceId]);
      const rows = (await query<{ name: string; type: string }>(client, SQL.searchAttributes, [namespaceId])).rows;
      const added = searchAttributesToAdd(new Map(rows.map((r) => [r.name, r.type])), attributes, maxCustom);
      if (added.length === 0) return;
      await query(client, SQL.insertSearchAttributes, [namespaceId, added.map(([n]) => n), added.map(([, t]) => t)]);
    });
  }

  async removeSearchAttributes(namespaceId: string, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.transaction(async (client) => {
      await query(client, SQL.lockSearchAttributes, [namespaceId]);
      await query(client, SQL.deleteSearchAttributes, [namespaceId, [...names]]);
    });
  }

  /** Lets the calls already issued finish, then closes every connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.pending]);
      await this.pool.end();
    })();
    return this.closing;
  }
}
