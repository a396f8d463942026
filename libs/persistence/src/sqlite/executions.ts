import type Database from 'better-sqlite3';
import { encodeMessage } from '@kairos/proto';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { WorkflowExecutionStatus } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { MutableState, TimerTask, TransferTask } from '@kairos/proto/kairos/persistence/v1/executions';
import { ConditionFailedError, CurrentExecutionConflictError } from '../errors';
import type { ExecutionSnapshot, ExecutionStore, StoredTimerTask, StoredTransferTask } from '../executions/executionStore';
import type { CurrentExecutionRecord, ExecutionDelete, ExecutionKey, ExecutionWrite, ExecutionWriteResult } from '../executions/executionWrite';
import { batchIdsOf } from '../executions/executionWrite';
import { decodeStoredEvent } from '../executions/storedEvent';
import { keyString, validateWrite, validateWrites } from '../writeChecks';
import { isConstraintError, sqlLimit, type SqliteConnection } from './connection';
import { EXECUTION_SQL } from './executionStatements';
import type { SqliteShardFence } from './shards';
import type { SqliteVisibilityUpsert } from './visibility';

const RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;

function prepare(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    getExecution: p(EXECUTION_SQL.getExecution).raw(),
    executionVersion: p(EXECUTION_SQL.executionVersion).pluck(),
    insertExecution: p(EXECUTION_SQL.insertExecution),
    updateExecution: p(EXECUTION_SQL.updateExecution),
    deleteExecution: p(EXECUTION_SQL.deleteExecution),
    runKeysOfNamespace: p(EXECUTION_SQL.runKeysOfNamespace).raw(),
    deleteCurrentOf: p(EXECUTION_SQL.deleteCurrentOf),
    deleteEvents: p(EXECUTION_SQL.deleteEvents),
    deleteVisibility: p(EXECUTION_SQL.deleteVisibility),
    getCurrent: p(EXECUTION_SQL.getCurrent).raw(),
    insertCurrent: p(EXECUTION_SQL.insertCurrent),
    updateCurrent: p(EXECUTION_SQL.updateCurrent),
    insertEvent: p(EXECUTION_SQL.insertEvent),
    readBatches: p(EXECUTION_SQL.readBatches).raw(),
    readEvents: p(EXECUTION_SQL.readEvents).pluck(),
    insertTransfer: p(EXECUTION_SQL.insertTransfer),
    readTransfers: p(EXECUTION_SQL.readTransfers).raw(),
    deleteTransfer: p(EXECUTION_SQL.deleteTransfer),
    insertTimer: p(EXECUTION_SQL.insertTimer),
    readTimers: p(EXECUTION_SQL.readTimers).raw(),
    deleteTimer: p(EXECUTION_SQL.deleteTimer),
    nextTimer: p(EXECUTION_SQL.nextTimer).pluck(),
  };
}

interface EncodedExecutionWrite {
  state: Uint8Array;
  events: Array<{ eventId: number; batchId: number; data: Uint8Array }>;
  transfers: Uint8Array[];
  timers: Array<{ fireTime: number; data: Uint8Array }>;
}

/** Encodes a write's blobs once, before the write lock is taken. */
function encodeWrite(write: ExecutionWrite): EncodedExecutionWrite {
  const batchIds = batchIdsOf(write);
  return {
    state: encodeMessage(MutableState, write.mutableState),
    events: write.newEvents.map((event, i) => ({ eventId: event.eventId, batchId: batchIds[i]!, data: write.encodedEvents?.[i] ?? encodeMessage(HistoryEvent, event) })),
    transfers: write.transferTasks.map((task) => encodeMessage(TransferTask, task)),
    timers: write.timerTasks.map((task) => ({ fireTime: task.fireTime!.getTime(), data: encodeMessage(TimerTask, task) })),
  };
}

/**
 * Executions on SQLite. An execution write is fenced by the shard row (`shards`) and carries the
 * run's visibility row (`visibility`), all in the write's one transaction.
 */
export function sqliteExecutions(
  conn: SqliteConnection,
  shards: SqliteShardFence,
  upsertVisibility: SqliteVisibilityUpsert,
): ExecutionStore {
  const s = prepare(conn.db);

  function readCurrent(namespaceId: string, workflowId: string): CurrentExecutionRecord | undefined {
    const row = s.getCurrent.get(namespaceId, workflowId) as [string, string, string, number] | undefined;
    if (!row) return undefined;
    return { namespaceId, workflowId, runId: row[0], firstExecutionRunId: row[1], startRequestId: row[2], status: row[3] };
  }

  /** Runs inside a transaction; any throw rolls all of it back. Checks in the order the ExecutionWrite contract gives. */
  function apply(write: ExecutionWrite, encoded: EncodedExecutionWrite): ExecutionWriteResult {
    const { shardId, rangeId, key, expectedDbVersion } = write;
    const { namespaceId, workflowId, runId } = key;

    // 1. Fencing; when the write has tasks, the same statement allocates their ids.
    let nextTaskId = shards.fence(shardId, rangeId, encoded.transfers.length + encoded.timers.length);

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
      const found = readCurrent(namespaceId, workflowId);
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
    //    events of one write form one batch, named by its first event id (unless the write says
    //    where more batches begin).
    for (const event of encoded.events) {
      try {
        s.insertEvent.run(namespaceId, workflowId, runId, event.eventId, event.data, event.batchId);
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

    for (const taskId of write.obsoleteTimerTaskIds ?? []) s.deleteTimer.run(shardId, taskId);

    // 6. The run's visibility row, when the write changes what List shows.
    if (write.visibility) upsertVisibility(write.visibility);
    return { dbVersion: expectedDbVersion + 1, transferTaskIds, timerTaskIds };
  }

  return {
    async getCurrentExecution(namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined> {
      return readCurrent(namespaceId, workflowId);
    },

    async getExecution(key: ExecutionKey): Promise<ExecutionSnapshot | undefined> {
      const row = s.getExecution.get(key.namespaceId, key.workflowId, key.runId) as [number, Uint8Array] | undefined;
      if (!row) return undefined;
      return { dbVersion: row[0], mutableState: MutableState.decode(row[1]) };
    },

    async writeExecution(write: ExecutionWrite): Promise<ExecutionWriteResult> {
      validateWrite(write);
      const encoded = encodeWrite(write);
      return conn.write(() => apply(write, encoded));
    },

    async writeExecutions(writes: ExecutionWrite[]): Promise<ExecutionWriteResult[]> {
      validateWrites(writes);
      const encoded = writes.map(encodeWrite);
      return conn.write(() => writes.map((write, i) => apply(write, encoded[i]!)));
    },

    async deleteExecution(request: ExecutionDelete): Promise<void> {
      const { shardId, rangeId, key, expectedDbVersion } = request;
      const { namespaceId, workflowId, runId } = key;
      await conn.write(() => {
        shards.fence(shardId, rangeId, 0);
        if (s.deleteExecution.run(namespaceId, workflowId, runId, expectedDbVersion).changes !== 1) {
          const found = s.executionVersion.get(namespaceId, workflowId, runId) as number | undefined;
          throw new ConditionFailedError(
            found === undefined
              ? `execution ${keyString(key)} does not exist`
              : `execution ${keyString(key)} is at dbVersion ${found}, the delete expected ${expectedDbVersion}`,
          );
        }
        s.deleteCurrentOf.run(namespaceId, workflowId, runId);
        s.deleteEvents.run(namespaceId, workflowId, runId);
        s.deleteVisibility.run(namespaceId, runId);
      });
    },

    async listRunKeys(namespaceId: string, limit: number): Promise<ExecutionKey[]> {
      const rows = s.runKeysOfNamespace.all(namespaceId, limit) as Array<[string, string]>;
      return rows.map(([workflowId, runId]) => ({ namespaceId, workflowId, runId }));
    },

    async readHistory(key: ExecutionKey, fromEventId: number, toEventId: number, maxEvents: number): Promise<HistoryEvent[]> {
      if (fromEventId >= toEventId) return [];
      const rows = s.readEvents.all(key.namespaceId, key.workflowId, key.runId, fromEventId, toEventId, sqlLimit(maxEvents)) as Uint8Array[];
      return rows.map(decodeStoredEvent);
    },

    async readHistoryBatches(key: ExecutionKey, fromEventId: number, toEventId: number, maxBatches: number): Promise<HistoryEvent[][]> {
      if (fromEventId >= toEventId) return [];
      const rows = s.readBatches.all({
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
        batches[batches.length - 1]!.push(decodeStoredEvent(data));
      }
      return batches;
    },

    async getTransferTasks(shardId: number, afterTaskId: number, limit: number): Promise<StoredTransferTask[]> {
      const rows = s.readTransfers.all(shardId, afterTaskId, sqlLimit(limit)) as Array<[number, Uint8Array]>;
      return rows.map(([taskId, data]) => ({ taskId, task: TransferTask.decode(data) }));
    },

    async deleteTransferTasks(shardId: number, taskIds: number[]): Promise<void> {
      if (taskIds.length === 0) return;
      await conn.write(() => {
        for (const taskId of taskIds) s.deleteTransfer.run(shardId, taskId);
      });
    },

    async getTimerTasks(shardId: number, upTo: Date, limit: number): Promise<StoredTimerTask[]> {
      const rows = s.readTimers.all(shardId, upTo.getTime(), sqlLimit(limit)) as Array<[number, number, Uint8Array]>;
      return rows.map(([taskId, fireTime, data]) => ({ taskId, fireTime: new Date(fireTime), task: TimerTask.decode(data) }));
    },

    async deleteTimerTask(shardId: number, taskId: number): Promise<void> {
      await conn.write(() => s.deleteTimer.run(shardId, taskId));
    },

    async nextTimerFireTime(shardId: number): Promise<Date | undefined> {
      const fireTime = s.nextTimer.get(shardId) as number | undefined;
      return fireTime === undefined ? undefined : new Date(fireTime);
    },
  };
}
