import type { PoolClient } from 'pg';
import { encodeMessage } from '@kairos/proto';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { WorkflowExecutionStatus } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { MutableState, TimerTask, TransferTask } from '@kairos/proto/kairos/persistence/v1/executions';
import { ConditionFailedError, CurrentExecutionConflictError } from '../errors';
import type { ExecutionSnapshot, ExecutionStore, StoredTimerTask, StoredTransferTask } from '../executions/executionStore';
import type { CurrentExecutionRecord, ExecutionDelete, ExecutionKey, ExecutionWrite, ExecutionWriteResult } from '../executions/executionWrite';
import { batchIdsOf } from '../executions/executionWrite';
import { keyString, validateWrite, validateWrites } from '../writeChecks';
import { uniqueViolation } from './connection';
import { asBuffer, query, sqlLimit, type PostgresDatabase, type Queryable } from './database';
import { EXECUTION_SQL as SQL } from './executionStatements';
import { fenceShard } from './shards';
import { upsertVisibilityRow } from './visibility';

const RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;

interface EncodedExecutionWrite {
  state: Buffer;
  eventIds: number[];
  events: Buffer[];
  batchIds: number[];
  transfers: Buffer[];
  timerFireTimes: number[];
  timers: Buffer[];
}

/** Encodes a write's blobs once, before any lock is taken. */
function encodeWrite(write: ExecutionWrite): EncodedExecutionWrite {
  return {
    state: asBuffer(encodeMessage(MutableState, write.mutableState)),
    eventIds: write.newEvents.map((event) => event.eventId),
    batchIds: batchIdsOf(write),
    events: write.newEvents.map((event, i) => asBuffer(write.encodedEvents?.[i] ?? encodeMessage(HistoryEvent, event))),
    transfers: write.transferTasks.map((task) => asBuffer(encodeMessage(TransferTask, task))),
    timerFireTimes: write.timerTasks.map((task) => task.fireTime!.getTime()),
    timers: write.timerTasks.map((task) => asBuffer(encodeMessage(TimerTask, task))),
  };
}

async function readCurrent(db: Queryable, namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined> {
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

/**
 * Runs inside a transaction; any throw rolls all of it back. Checks in the order the
 * ExecutionWrite contract gives; the shard row (fencing) and the run's visibility row are
 * written in the same transaction.
 */
async function applyExecutionWrite(client: PoolClient, write: ExecutionWrite, encoded: EncodedExecutionWrite): Promise<ExecutionWriteResult> {
  const { shardId, rangeId, key, expectedDbVersion } = write;
  const { namespaceId, workflowId, runId } = key;

  // 1. Fencing, holding the shard row until commit; with tasks, the same statement allocates their ids.
  let nextTaskId = await fenceShard(client, shardId, rangeId, encoded.transfers.length + encoded.timers.length);

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
    if (changed !== 1) throw new CurrentExecutionConflictError(await readCurrent(client, namespaceId, workflowId));
  }

  // 4. Events: an id already stored (or repeated in this write) fails the whole write. The
  //    events of one write form one batch, named by its first event id (unless the write says
  //    where more batches begin).
  if (encoded.events.length > 0) {
    try {
      await query(client, SQL.insertEvents, [namespaceId, workflowId, runId, encoded.eventIds, encoded.batchIds, encoded.events]);
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
  if (write.obsoleteTimerTaskIds?.length) await query(client, SQL.deleteTimers, [shardId, write.obsoleteTimerTaskIds]);

  // 6. The run's visibility row, when the write changes what List shows.
  if (write.visibility) await upsertVisibilityRow(client, write.visibility);
  return { dbVersion: expectedDbVersion + 1, transferTaskIds, timerTaskIds };
}

export function postgresExecutions(db: PostgresDatabase): ExecutionStore {
  return {
    async getCurrentExecution(namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined> {
      return db.run(() => readCurrent(db.pool, namespaceId, workflowId));
    },

    async getExecution(key: ExecutionKey): Promise<ExecutionSnapshot | undefined> {
      const [row] = await db.read<{ db_version: number; state: Buffer }>(SQL.getExecution, [key.namespaceId, key.workflowId, key.runId]);
      return row ? { dbVersion: row.db_version, mutableState: MutableState.decode(row.state) } : undefined;
    },

    async writeExecution(write: ExecutionWrite): Promise<ExecutionWriteResult> {
      validateWrite(write);
      const encoded = encodeWrite(write);
      return db.transaction((client) => applyExecutionWrite(client, write, encoded));
    },

    async writeExecutions(writes: ExecutionWrite[]): Promise<ExecutionWriteResult[]> {
      validateWrites(writes);
      const encoded = writes.map(encodeWrite);
      return db.transaction(async (client) => {
        const results: ExecutionWriteResult[] = [];
        for (let i = 0; i < writes.length; i++) results.push(await applyExecutionWrite(client, writes[i]!, encoded[i]!));
        return results;
      });
    },

    async deleteExecution(request: ExecutionDelete): Promise<void> {
      const { shardId, rangeId, key, expectedDbVersion } = request;
      const ids = [key.namespaceId, key.workflowId, key.runId];
      await db.transaction(async (client) => {
        await fenceShard(client, shardId, rangeId, 0);
        if ((await query(client, SQL.deleteExecution, [...ids, expectedDbVersion])).rowCount !== 1) {
          const [row] = (await query<{ db_version: number }>(client, SQL.executionVersion, ids)).rows;
          throw new ConditionFailedError(
            row === undefined
              ? `execution ${keyString(key)} does not exist`
              : `execution ${keyString(key)} is at dbVersion ${row.db_version}, the delete expected ${expectedDbVersion}`,
          );
        }
        await query(client, SQL.deleteCurrentOf, ids);
        await query(client, SQL.deleteEvents, ids);
        await query(client, SQL.deleteVisibility, [key.namespaceId, key.runId]);
      });
    },

    async listRunKeys(namespaceId: string, limit: number): Promise<ExecutionKey[]> {
      const rows = await db.read<{ workflow_id: string; run_id: string }>(SQL.runKeysOfNamespace, [namespaceId, limit]);
      return rows.map((row) => ({ namespaceId, workflowId: row.workflow_id, runId: row.run_id }));
    },

    async readHistory(key: ExecutionKey, fromEventId: number, toEventId: number, maxEvents: number): Promise<HistoryEvent[]> {
      if (fromEventId >= toEventId) return [];
      const rows = await db.read<{ data: Buffer }>(SQL.readEvents, [
        key.namespaceId, key.workflowId, key.runId, fromEventId, toEventId, sqlLimit(maxEvents),
      ]);
      return rows.map((row) => HistoryEvent.decode(row.data));
    },

    async readHistoryBatches(key: ExecutionKey, fromEventId: number, toEventId: number, maxBatches: number): Promise<HistoryEvent[][]> {
      if (fromEventId >= toEventId) return [];
      const rows = await db.read<{ batch_id: number; data: Buffer }>(SQL.readBatches, [
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
    },

    async getTransferTasks(shardId: number, afterTaskId: number, limit: number): Promise<StoredTransferTask[]> {
      const rows = await db.read<{ task_id: number; data: Buffer }>(SQL.readTransfers, [shardId, afterTaskId, sqlLimit(limit)]);
      return rows.map((row) => ({ taskId: row.task_id, task: TransferTask.decode(row.data) }));
    },

    async deleteTransferTasks(shardId: number, taskIds: number[]): Promise<void> {
      if (taskIds.length > 0) await db.read(SQL.deleteTransfers, [shardId, taskIds]);
    },

    async getTimerTasks(shardId: number, upTo: Date, limit: number): Promise<StoredTimerTask[]> {
      const rows = await db.read<{ task_id: number; fire_time: number; data: Buffer }>(SQL.readTimers, [shardId, upTo.getTime(), sqlLimit(limit)]);
      return rows.map((row) => ({ taskId: row.task_id, fireTime: new Date(row.fire_time), task: TimerTask.decode(row.data) }));
    },

    async deleteTimerTask(shardId: number, taskId: number): Promise<void> {
      await db.read(SQL.deleteTimer, [shardId, taskId]);
    },

    async nextTimerFireTime(shardId: number): Promise<Date | undefined> {
      const [row] = await db.read<{ fire_time: number }>(SQL.nextTimer, [shardId]);
      return row ? new Date(row.fire_time) : undefined;
    },
  };
}
