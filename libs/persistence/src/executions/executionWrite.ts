import type { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import type { MutableState, TimerTask, TransferTask } from '@kairos/proto/kairos/persistence/v1/executions';
import type { VisibilityRecord } from '../visibility/visibilityStore';

/** Identifies one run of a workflow. */
export interface ExecutionKey {
  namespaceId: string;
  workflowId: string;
  runId: string;
}

/** The row that says which run is the current one for a workflow id. */
export interface CurrentExecutionRecord {
  namespaceId: string;
  workflowId: string;
  runId: string;
  firstExecutionRunId: string;
  startRequestId: string;
  /** temporal.api.enums.v1.WorkflowExecutionStatus */
  status: number;
}

/**
 * How a write touches the current-execution row. `record` describes the run being written: its
 * namespace, workflow and run ids must equal the write's `key` (anything else is a programming
 * error and is rejected). A condition that does not hold fails the whole write with
 * CurrentExecutionConflictError carrying the row found.
 * - `create`: no row may exist for the workflow id.
 * - `replace`: the row must currently point at `expectedRunId`, whose status must not be RUNNING.
 * - `update`: the row must point at this run; its fields are refreshed from `record`.
 * - `continue`: the row must point at `expectedRunId`, whatever its status; it now names this run
 *   (continue-as-new, written together with the closing of `expectedRunId` by writeExecutions).
 * - absent: the row is left alone.
 */
export type CurrentExecutionWrite =
  | { mode: 'create'; record: CurrentExecutionRecord }
  | { mode: 'replace'; expectedRunId: string; record: CurrentExecutionRecord }
  | { mode: 'update'; record: CurrentExecutionRecord }
  | { mode: 'continue'; expectedRunId: string; record: CurrentExecutionRecord };

/**
 * One atomic, conditional change of an execution: events, state and the tasks it creates.
 * Conditions are checked in this order and the first that fails decides the error; on any failure
 * nothing of the write is stored:
 * 1. the shard's range id equals `rangeId` (else ShardOwnershipLostError);
 * 2. the execution's dbVersion equals `expectedDbVersion`, 0 meaning "must not exist" (else ConditionFailedError);
 * 3. the `currentExecution` condition (else CurrentExecutionConflictError);
 * 4. none of `newEvents` has an event id already stored for the run (else ConditionFailedError).
 */
export interface ExecutionWrite {
  shardId: number;
  /** Fencing number of the writer's shard lease; the write fails if the shard moved on. */
  rangeId: number;
  key: ExecutionKey;
  /** 0 when creating the execution; otherwise the dbVersion read. The row becomes expected + 1. */
  expectedDbVersion: number;
  mutableState: MutableState;
  newEvents: HistoryEvent[];
  /**
   * Optional: `newEvents` already encoded, same order (a writer that measured their size has them);
   * a store uses these bytes instead of encoding the events again.
   */
  encodedEvents?: Uint8Array[];
  /**
   * Optional: ids of events of `newEvents` that begin a batch of their own (the first event always
   * does). A reset copies its base run's events with their batches this way; absent, the write's
   * events are one batch.
   */
  batchStarts?: number[];
  transferTasks: TransferTask[];
  timerTasks: TimerTask[];
  /**
   * Optional: ids of this shard's timer tasks the write deletes, in its transaction: timers the
   * writer knows will do nothing when they fire (a closed run's timeouts). An id already gone is
   * no error.
   */
  obsoleteTimerTaskIds?: number[];
  currentExecution?: CurrentExecutionWrite;
  /**
   * The run's visibility row (ListWorkflowExecutions), upserted in the same transaction when the
   * write changes what visibility shows: the start, the close, search attributes or memo. Its
   * namespace, workflow and run ids must equal the write's `key`.
   */
  visibility?: VisibilityRecord;
}

export interface ExecutionWriteResult {
  dbVersion: number;
  transferTaskIds: number[];
  timerTaskIds: number[];
}

/**
 * Removes one run for good (DeleteWorkflowExecution): its state, history events, visibility row,
 * and the current-execution row when it names this run, all in one transaction. Conditions, in
 * order: the shard's range id equals `rangeId` (else ShardOwnershipLostError); the run exists at
 * `expectedDbVersion` (else ConditionFailedError). The run's pending transfer and timer tasks stay:
 * they find no run when they come due and are dropped, as Temporal's do.
 */
export interface ExecutionDelete {
  shardId: number;
  rangeId: number;
  key: ExecutionKey;
  expectedDbVersion: number;
}

/** The batch of each of a write's events (named by its first event id), in `newEvents` order. */
export function batchIdsOf(write: Pick<ExecutionWrite, 'newEvents' | 'batchStarts'>): number[] {
  const starts = new Set(write.batchStarts ?? []);
  let batchId = write.newEvents[0]?.eventId ?? 0;
  return write.newEvents.map((event) => {
    if (starts.has(event.eventId)) batchId = event.eventId;
    return batchId;
  });
}
