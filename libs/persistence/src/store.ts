import type { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import type {
  MutableState,
  TaskQueueTask,
  TimerTask,
  TransferTask,
} from '@kairos/proto/kairos/persistence/v1/executions';
import type { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import type { CountResult, ResolvedQuery, SearchAttributeType } from '@kairos/visibility';

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
  transferTasks: TransferTask[];
  timerTasks: TimerTask[];
  currentExecution?: CurrentExecutionWrite;
  /**
   * The run's visibility row (ListWorkflowExecutions), upserted in the same transaction when the
   * write changes what visibility shows: the start, the close, search attributes or memo. Its
   * namespace, workflow and run ids must equal the write's `key`.
   */
  visibility?: VisibilityRecord;
}

/**
 * A search attribute value as the visibility table holds it (@kairos/visibility's storage rules):
 * Keyword and Text strings, Int and Double numbers (Int integral), Bool booleans, Datetime
 * integer milliseconds since the epoch, KeywordList arrays of strings.
 */
export type VisibilityValue = string | number | boolean | string[];

/** One run as ListWorkflowExecutions sees it. Times are whole milliseconds. */
export interface VisibilityRecord {
  namespaceId: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  /** temporal.api.enums.v1.WorkflowExecutionStatus */
  status: number;
  startTime: Date;
  /** When the run's first workflow task may start (start time plus any start delay or backoff). */
  executionTime: Date;
  /** Absent while the run is open. */
  closeTime?: Date;
  taskQueue: string;
  historyLength: number;
  historySizeBytes: number;
  parentWorkflowId?: string;
  parentRunId?: string;
  rootWorkflowId: string;
  rootRunId: string;
  /** An encoded temporal.api.common.v1.Memo; absent when the run has no memo. */
  memo?: Uint8Array;
  /** Predefined and custom search attributes by name, typed (absent ones left out). */
  searchAttributes?: Record<string, VisibilityValue>;
}

export interface VisibilityListRequest {
  namespaceId: string;
  /** The list filter, parsed and resolved against the namespace's search attributes. */
  query: ResolvedQuery;
  pageSize: number;
  /** The previous page's nextPageToken; empty or absent for the first page. */
  nextPageToken?: Uint8Array;
}

export interface VisibilityPage {
  executions: VisibilityRecord[];
  /** Present after a full page (as Temporal's, a full last page is followed by an empty one). */
  nextPageToken?: Uint8Array;
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

/** The services whose instances share out keys between them (history shards, task queues). */
export type MemberRole = 'history' | 'matching';

/** A live (or recently live) instance of a service, as it last announced itself. */
export interface ClusterMember {
  role: MemberRole;
  /** Unique per process; also the owner name in its leases. */
  instanceId: string;
  /** `host:port` where the other services reach it. */
  address: string;
  heartbeatAt: Date;
}

/**
 * Kairos's persistence interface. Every method is a single transaction; writes that change an
 * execution or a task queue are conditional and fail with a typed error when the condition does
 * not hold, never silently overwrite.
 */
export interface Store {
  // Namespaces. `info.id` and `info.name` are required; both are unique
  // (NamespaceAlreadyExistsError). listNamespaces orders by name.
  createNamespace(record: NamespaceRecord): Promise<void>;
  getNamespaceByName(name: string): Promise<NamespaceRecord | undefined>;
  getNamespaceById(id: string): Promise<NamespaceRecord | undefined>;
  listNamespaces(): Promise<NamespaceRecord[]>;

  // Shards: acquiring bumps the range id (fencing number) and records the owner and lease expiry.
  acquireShard(shardId: number, owner: string, leaseMs: number): Promise<ShardLease>;
  /** Extends the lease if `rangeId` still matches; throws ShardOwnershipLostError otherwise. */
  renewShard(shardId: number, rangeId: number, owner: string, leaseMs: number): Promise<ShardLease>;
  getShard(shardId: number): Promise<ShardLease | undefined>;
  /** Every shard ever acquired, by shard id. */
  listShards(): Promise<ShardLease[]>;
  /**
   * Ends the lease now (expiry set to the epoch) if `rangeId` still matches, so the next owner
   * need not wait for it to run out; a no-op when the shard already moved on.
   */
  releaseShard(shardId: number, rangeId: number): Promise<void>;

  // Cluster membership: each instance heartbeats its row; the others read who is alive.
  /** Creates or refreshes the member's row with heartbeatAt = now. */
  heartbeatMember(role: MemberRole, instanceId: string, address: string): Promise<void>;
  /** Members of `role` whose last heartbeat is at or after `aliveSince`, by instance id. */
  listMembers(role: MemberRole, aliveSince: Date): Promise<ClusterMember[]>;
  /** Removes the member's row (a clean shutdown); a no-op when absent. */
  removeMember(role: MemberRole, instanceId: string): Promise<void>;

  // Executions
  getCurrentExecution(namespaceId: string, workflowId: string): Promise<CurrentExecutionRecord | undefined>;
  getExecution(key: ExecutionKey): Promise<ExecutionSnapshot | undefined>;
  /**
   * Creates or updates an execution atomically. Returns the new dbVersion and the ids assigned to
   * the write's transfer and timer tasks (same order as given), so the writer can complete them
   * after dispatching. (Changed by the lead: previously returned only the dbVersion.)
   */
  writeExecution(write: ExecutionWrite): Promise<ExecutionWriteResult>;
  /**
   * Several writes of one shard in one transaction, applied in order: all are stored or none is
   * (the first failing condition decides the error). Continue-as-new closes a run and creates its
   * successor this way. Results in the same order.
   */
  writeExecutions(writes: ExecutionWrite[]): Promise<ExecutionWriteResult[]>;

  /**
   * History events (ids contiguous from 1). Returns the run's events with id in
   * [fromEventId, toEventId), ascending, at most `maxEvents` of them.
   *
   * For this and every other read with a limit: a limit of 0 or less means no limit.
   */
  readHistory(key: ExecutionKey, fromEventId: number, toEventId: number, maxEvents: number): Promise<HistoryEvent[]>;
  /**
   * Like readHistory, but by whole batches (the events appended by one write), at most
   * `maxBatches` of them, each returned as its own array: Temporal pages history this way.
   */
  readHistoryBatches(key: ExecutionKey, fromEventId: number, toEventId: number, maxBatches: number): Promise<HistoryEvent[][]>;

  // History's queues, per shard. Transfer and timer tasks share one id sequence per shard: ids
  // increase and are never reused, also across shard re-acquisition. Deleting an absent task is a no-op.
  getTransferTasks(shardId: number, afterTaskId: number, limit: number): Promise<StoredTransferTask[]>;
  deleteTransferTask(shardId: number, taskId: number): Promise<void>;
  /** Timer tasks due at or before `upTo`, earliest first (ties by task id). */
  getTimerTasks(shardId: number, upTo: Date, limit: number): Promise<StoredTimerTask[]>;
  deleteTimerTask(shardId: number, taskId: number): Promise<void>;
  /** Earliest fire time of any timer task of the shard, if any. */
  nextTimerFireTime(shardId: number): Promise<Date | undefined>;

  // Matching's task queue backlogs. Ids increase per (namespace, task queue, kind) and are never
  // reused; reads return ids greater than `afterTaskId`, ascending. The matching instance serving a
  // queue holds it by a fencing number: adds and deletes carry it and fail with
  // TaskQueueOwnershipLostError (writing nothing) once another instance acquired the queue.
  /** Takes the queue for `owner`: bumps and returns its range id (1 for a new queue). */
  acquireTaskQueue(namespaceId: string, taskQueue: string, kind: TaskQueueKind, owner: string): Promise<number>;
  /** Appends a task to the backlog if `rangeId` is still the queue's; returns its id. */
  addTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, task: TaskQueueTask, rangeId: number): Promise<number>;
  getTaskQueueTasks(
    namespaceId: string,
    taskQueue: string,
    kind: TaskQueueKind,
    afterTaskId: number,
    limit: number,
  ): Promise<StoredTaskQueueTask[]>;
  /** Deletes a task if `rangeId` is still the queue's (an absent task is a no-op). */
  deleteTaskQueueTask(namespaceId: string, taskQueue: string, kind: TaskQueueKind, taskId: number, rangeId: number): Promise<void>;

  // Visibility. Rows are written with the execution writes (ExecutionWrite.visibility); the query
  // is compiled to the store's SQL by @kairos/visibility, whose errors (QueryParseError,
  // InvalidPageTokenError) these pass through.
  /** One page of the namespace's runs matching the query, in its order (Temporal's default without ORDER BY). */
  listVisibility(request: VisibilityListRequest): Promise<VisibilityPage>;
  /** How many runs match; with GROUP BY, per group (ExecutionStatus groups by status name). */
  countVisibility(namespaceId: string, query: ResolvedQuery): Promise<CountResult>;

  // Custom search attributes, per namespace.
  /** The namespace's custom search attributes by name. */
  getSearchAttributes(namespaceId: string): Promise<Map<string, SearchAttributeType>>;
  /**
   * Registers custom search attributes in one transaction. A name already registered with the same
   * type is left alone; with another type the whole call fails with SearchAttributeTypeConflictError.
   * If the namespace would then have more than `maxCustom` attributes, it fails with
   * TooManySearchAttributesError. On failure nothing is registered.
   */
  addSearchAttributes(namespaceId: string, attributes: ReadonlyMap<string, SearchAttributeType>, maxCustom: number): Promise<void>;
  /** Unregisters custom search attributes; names not registered are ignored. Visibility rows keep their values. */
  removeSearchAttributes(namespaceId: string, names: readonly string[]): Promise<void>;

  /** Completes writes already issued, then releases the database. */
  close(): Promise<void>;
}
