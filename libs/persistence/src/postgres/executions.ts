import { encodeMessage } from '@kairos/proto';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { WorkflowExecutionStatus } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { MutableState, TimerTask, TransferTask } from '@kairos/proto/kairos/persistence/v1/executions';
import { setting } from '@kairos/common/settings';
import { ConditionFailedError, CurrentExecutionConflictError } from '../errors';
import type { ExecutionSnapshot, ExecutionStore, StoredTimerTask, StoredTransferTask } from '../executions/executionStore';
import type { CurrentExecutionRecord, ExecutionDelete, ExecutionKey, ExecutionWrite, ExecutionWriteResult } from '../executions/executionWrite';
import { batchIdsOf } from '../executions/executionWrite';
import { decodeStoredEvent } from '../executions/storedEvent';
import { visibilityValues } from '../visibility/visibilityRows';
import { keyString, validateWrite, validateWrites } from '../writeChecks';
import { sqlState, uniqueViolation } from './connection';
import { ExecutionWriteBatches } from './executionWriteBatches';
import { asBuffer, query, sqlLimit, type PostgresDatabase, type Queryable } from './database';
import { EXECUTION_SQL as SQL } from './executionStatements';
import { WRITE_FUNCTION_VISIBILITY_COLUMNS, WRITE_REFUSED } from './executionWriteFunction';
import { fenceShard, shardLost, TaskIdBlocks } from './shards';
import type { VisibilityCountFolds } from './visibilityCounts';

const RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;

/** The most execution writes one batched statement carries (each binds WRITE_FUNCTION_ARITY parameters). */
const WRITES_PER_STATEMENT = 32;

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

/** A write's ids, reserved from the shard's block before the write is sent. */
interface TaskIds {
  transferTaskIds: number[];
  timerTaskIds: number[];
}

const NO_VISIBILITY: unknown[] = WRITE_FUNCTION_VISIBILITY_COLUMNS.map(() => null);

/** kairos_write_execution's arguments for one write (see executionWriteFunction.ts for their order). */
function writeArguments(write: ExecutionWrite, encoded: EncodedExecutionWrite, ids: TaskIds): unknown[] {
  const { namespaceId, workflowId, runId } = write.key;
  const change = write.currentExecution;
  const record = change?.record;
  const expectedRunId = change?.mode === 'replace' || change?.mode === 'continue' ? change.expectedRunId : null;
  return [
    write.shardId, write.rangeId, namespaceId, workflowId, runId, write.expectedDbVersion, encoded.state,
    change?.mode ?? null, record?.firstExecutionRunId ?? null, record?.startRequestId ?? null, record?.status ?? null, expectedRunId, RUNNING,
    encoded.eventIds, encoded.batchIds, encoded.events,
    ids.transferTaskIds, encoded.transfers,
    encoded.timerFireTimes, ids.timerTaskIds, encoded.timers,
    write.obsoleteTimerTaskIds ?? [],
    write.visibility !== undefined,
    ...(write.visibility ? visibilityValues(write.visibility, asBuffer) : NO_VISIBILITY),
  ];
}

/**
 * The error a write refused by kairos_write_execution gets, read after its transaction ended:
 * the store contract's errors, with what the row was found at. Other errors pass unchanged.
 */
async function refusal(db: Queryable, write: ExecutionWrite, err: unknown): Promise<unknown> {
  const { key, shardId, rangeId, expectedDbVersion } = write;
  switch (sqlState(err)) {
    case WRITE_REFUSED.shardLost:
      return shardLost(db, shardId, rangeId);
    case WRITE_REFUSED.executionCondition: {
      if (expectedDbVersion === 0) return new ConditionFailedError(`execution ${keyString(key)} already exists`);
      const [row] = (await query<{ db_version: number }>(db, SQL.executionVersion, [key.namespaceId, key.workflowId, key.runId])).rows;
      return new ConditionFailedError(
        row === undefined
          ? `execution ${keyString(key)} does not exist`
          : `execution ${keyString(key)} is at dbVersion ${row.db_version}, the write expected ${expectedDbVersion}`,
      );
    }
    case WRITE_REFUSED.currentConflict:
      return new CurrentExecutionConflictError(await readCurrent(db, key.namespaceId, key.workflowId));
  }
  if (uniqueViolation(err) === 'history_events_pkey') {
    return new ConditionFailedError(`an event of ${write.newEvents.map((e) => e.eventId).join(', ')} of ${keyString(key)} already exists`);
  }
  return err;
}

/** `counts` hears of the committed visibility writes (their count deltas are folded every so many). */
export function postgresExecutions(db: PostgresDatabase, counts: VisibilityCountFolds): ExecutionStore {
  const taskIds = new TaskIdBlocks(db.pool, setting('store.postgresTaskIdBlock'));
  const batches = new ExecutionWriteBatches(db.pool, WRITES_PER_STATEMENT);
  /** Transfer ids first, then timer ids, from the shard's block (fenced by the write's range id). */
  async function reserveIds(write: ExecutionWrite, encoded: EncodedExecutionWrite): Promise<TaskIds> {
    const transfers = encoded.transfers.length;
    const ids = await db.run(() => taskIds.reserve(write.shardId, write.rangeId, transfers + encoded.timers.length));
    return { transferTaskIds: ids.slice(0, transfers), timerTaskIds: ids.slice(transfers) };
  }

  return {
    async getCurrentExecution(namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined> {
      return db.run(() => readCurrent(db.pool, namespaceId, workflowId));
    },

    async getExecution(key: ExecutionKey): Promise<ExecutionSnapshot | undefined> {
      const [row] = await db.read<{ db_version: number; state: Buffer }>(SQL.getExecution, [key.namespaceId, key.workflowId, key.runId]);
      return row ? { dbVersion: row.db_version, mutableState: MutableState.decode(row.state) } : undefined;
    },

    // One statement: its own transaction, in one round trip (shared with the writes of the same moment).
    async writeExecution(write: ExecutionWrite): Promise<ExecutionWriteResult> {
      validateWrite(write);
      const encoded = encodeWrite(write);
      const ids = await reserveIds(write, encoded);
      await db.run(async () => {
        try {
          await batches.write(writeArguments(write, encoded, ids));
        } catch (err) {
          throw await refusal(db.pool, write, err);
        }
      });
      if (write.visibility) counts.written(write.visibility.namespaceId);
      return { dbVersion: write.expectedDbVersion + 1, ...ids };
    },

    async writeExecutions(writes: ExecutionWrite[]): Promise<ExecutionWriteResult[]> {
      validateWrites(writes);
      const encoded = writes.map(encodeWrite);
      const ids: TaskIds[] = [];
      for (let i = 0; i < writes.length; i++) ids.push(await reserveIds(writes[i]!, encoded[i]!));
      let failing: ExecutionWrite | undefined;
      try {
        await db.transaction(async (client) => {
          for (let i = 0; i < writes.length; i++) {
            failing = writes[i];
            await query(client, SQL.writeExecution, writeArguments(writes[i]!, encoded[i]!, ids[i]!));
          }
          failing = undefined;
        });
      } catch (err) {
        throw failing ? await db.run(() => refusal(db.pool, failing!, err)) : err;
      }
      for (const write of writes) if (write.visibility) counts.written(write.visibility.namespaceId);
      return writes.map((write, i) => ({ dbVersion: write.expectedDbVersion + 1, ...ids[i]! }));
    },

    async deleteExecution(request: ExecutionDelete): Promise<void> {
      const { shardId, rangeId, key, expectedDbVersion } = request;
      const ids = [key.namespaceId, key.workflowId, key.runId];
      await db.transaction(async (client) => {
        await fenceShard(client, shardId, rangeId);
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
      counts.written(key.namespaceId);
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
      return rows.map((row) => decodeStoredEvent(row.data));
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
        batches[batches.length - 1]!.push(decodeStoredEvent(row.data));
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
