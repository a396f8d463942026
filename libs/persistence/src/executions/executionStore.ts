import type { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import type { MutableState, TimerTask, TransferTask } from '@kairos/proto/kairos/persistence/v1/executions';
import type { CurrentExecutionRecord, ExecutionDelete, ExecutionKey, ExecutionWrite, ExecutionWriteResult } from './executionWrite';

export interface ExecutionSnapshot {
  mutableState: MutableState;
  /** Version of the stored row; the next update must present it. */
  dbVersion: number;
}

export interface StoredTransferTask {
  taskId: number;
  task: TransferTask;
}

export interface StoredTimerTask {
  taskId: number;
  fireTime: Date;
  task: TimerTask;
}

/**
 * Executions: mutable state, history events, current-execution rows and history's transfer and
 * timer queues, changed together by one conditional write (see ExecutionWrite) per transaction.
 * For every read with a limit: a limit of 0 or less means no limit.
 */
export interface ExecutionStore {
  getCurrentExecution(namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined>;
  getExecution(key: ExecutionKey): Promise<ExecutionSnapshot | undefined>;
  /**
   * Creates or updates an execution atomically. Returns the new dbVersion and the ids assigned to
   * the write's transfer and timer tasks (same order as given), so the writer can complete them
   * after dispatching.
   */
  writeExecution(write: ExecutionWrite): Promise<ExecutionWriteResult>;
  /**
   * Several writes of one shard in one transaction, applied in order: all are stored or none is
   * (the first failing condition decides the error). Continue-as-new closes a run and creates its
   * successor this way. Results in the same order.
   */
  writeExecutions(writes: ExecutionWrite[]): Promise<ExecutionWriteResult[]>;
  /** Deletes a run with everything kept for it, atomically and fenced (see ExecutionDelete). */
  deleteExecution(request: ExecutionDelete): Promise<void>;
  /** Up to `limit` runs of a namespace, open or closed (any order): what is left to delete of a deleted namespace. */
  listRunKeys(namespaceId: string, limit: number): Promise<ExecutionKey[]>;

  /**
   * History events (ids contiguous from 1). Returns the run's events with id in
   * [fromEventId, toEventId), ascending, at most `maxEvents` of them.
   */
  readHistory(key: ExecutionKey, fromEventId: number, toEventId: number, maxEvents: number): Promise<HistoryEvent[]>;
  /**
   * Like readHistory, but by whole batches (the events appended by one write), at most
   * `maxBatches` of them, each returned as its own array: Temporal pages history this way.
   */
  readHistoryBatches(key: ExecutionKey, fromEventId: number, toEventId: number, maxBatches: number): Promise<HistoryEvent[][]>;

  // History's queues, per shard. Transfer and timer tasks share one id sequence per shard: ids are
  // never reused, and a later owner's (after re-acquisition) are above every earlier owner's; they
  // need not become visible in increasing order, so a reader that must miss none starts again from
  // id 0 (the transfer queue's rescans do). Deleting an absent task is a no-op.
  getTransferTasks(shardId: number, afterTaskId: number, limit: number): Promise<StoredTransferTask[]>;
  /** Deletes the shard's transfer tasks of these ids (delivered ones), in one transaction. */
  deleteTransferTasks(shardId: number, taskIds: number[]): Promise<void>;
  /** Timer tasks due at or before `upTo`, earliest first (ties by task id). */
  getTimerTasks(shardId: number, upTo: Date, limit: number): Promise<StoredTimerTask[]>;
  deleteTimerTask(shardId: number, taskId: number): Promise<void>;
  /** Earliest fire time of any timer task of the shard, if any. */
  nextTimerFireTime(shardId: number): Promise<Date | undefined>;
}
