import type { HistoryEvent } from '@kairos/proto/dist/generated/temporal/api/history/v1/message';
import type {
  MutableState,
  TaskQueueTask,
  TimerTask,
  TransferTask,
} from '@kairos/proto/dist/generated/kairos/persistence/v1/executions';
import type { NamespaceRecord } from '@kairos/proto/dist/generated/kairos/persistence/v1/namespaces';

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

export interface ExecutionSnapshot {
  mutableState: MutableState;
  /** Version of the stored row; the next update must present it. */
  dbVersion: number;
}

/**
 * How a write touches the current-execution row:
 * - `create`: no row may exist for the workflow id.
 * - `replace`: the row must currently point at `expectedRunId` (which must be closed).
 * - `update`: the row must point at this run; its status is refreshed.
 * - absent: the row is left alone.
 */
export type CurrentExecutionWrite =
  | { mode: 'create'; record: CurrentExecutionRecord }
  | { mode: 'replace'; expectedRunId: string; record: CurrentExecutionRecord }
  | { mode: 'update'; record: CurrentExecutionRecord };

/** One atomic, conditional change of an execution: events, state and the tasks it creates. */
export interface ExecutionWrite {
  shardId: number;
  /** Fencing number of the writer's shard lease; the write fails if the shard moved on. */
  rangeId: number;
  key: ExecutionKey;
  /** 0 when creating the execution; otherwise the dbVersion read. The row becomes expected + 1. */
  expectedDbVersion: number;
  mutableState: MutableState;
  newEvents: HistoryEvent[];
  transferTasks: TransferTask[];
  timerTasks: TimerTask[];
  currentExecution?: CurrentExecutionWrite;
}

export interface ExecutionWriteResult {
  dbVersion: number;
  transferTaskIds: number[];
  timerTaskIds: number[];
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

export interface StoredTaskQueueTask {
  taskId: number;
  task: TaskQueueTask;
}

export type TaskQueueKind = 'workflow' | 'activity';

export interface ShardLease {
  shardId: number;
  rangeId: number;
  owner: string;
  leaseExpiresAt: Date;
}

/**
 * Kairos's persistence interface. Every method is a single transaction; writes that change an
 * execution or a task queue are conditional and fail with a typed error when the condition does
 * not hold, never silently overwrite.
 */
export interface Store {
  // Namespaces
  createNamespace(record: NamespaceRecord): Promise<void>;
  getNamespaceByName(name: string): Promise<NamespaceRecord | undefined>;
  getNamespaceById(id: string): Promise<NamespaceRecord | undefined>;
  listNamespaces(): Promise<NamespaceRecord[]>;

  // Shards: acquiring bumps the range id (fencing number) and records the owner and lease expiry.
  acquireShard(shardId: number, owner: string, leaseMs: number): Promise<ShardLease>;
  /** Extends the lease if `rangeId` still matches; throws ShardOwnershipLostError otherwise. */
  renewShard(shardId: number, rangeId: number, owner: string, leaseMs: number): Promise<ShardLease>;
  getShard(shardId: number): Promise<ShardLease | undefined>;

  // Executions
  getCurrentExecution(namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined>;
  getExecution(key: ExecutionKey): Promise<ExecutionSnapshot | undefined>;
  /**
   * Creates or updates an execution atomically. Returns the new dbVersion and the ids assigned to
   * the write's transfer and timer tasks (same order as given), so the writer can complete them
   * after dispatching. (Changed by the lead: previously returned only the dbVersion.)
   */
  writeExecution(write: ExecutionWrite): Promise<ExecutionWriteResult>;

  // History events (ids contiguous from 1). Reads return events with id in [fromEventId, toEventId).
  readHistory(key: ExecutionKey, fromEventId: number, toEventId: number, maxEvents: number): Promise<HistoryEvent[]>;

  // History's queues, per shard. Task ids increase within a shard.
  getTransferTasks(shardId: number, afterTaskId: number, limit: number): Promise<StoredTransferTask[]>;
  deleteTransferTask(shardId: number, taskId: number): Promise<void>;
  /** Timer tasks due at or before `upTo`, earliest first. */
  getTimerTasks(shardId: number, upTo: Date, limit: number): Promise<StoredTimerTask[]>;
  deleteTimerTask(shardId: number, taskId: number): Promise<void>;
  /** Earliest fire time of any timer task of the shard, if any. */
  nextTimerFireTime(shardId: number): Promise<Date | undefined>;

  // Matching's task queue backlogs.
  addTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, task: TaskQueueTask): Promise<number>;
  getTaskQueueTasks(
    namespaceId: string,
    taskQueue: string,
    kind: TaskQueueKind,
    afterTaskId: number,
    limit: number,
  ): Promise<StoredTaskQueueTask[]>;
  deleteTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, taskId: number): Promise<void>;

  close(): Promise<void>;
}
