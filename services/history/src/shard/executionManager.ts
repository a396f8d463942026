import { setting } from '@kairos/common/settings';
import { isApiError, shardMoved, runNotFound, workflowNotFound } from '@kairos/common/errors';
import { Status } from 'nice-grpc-common';
import type { Logger } from '@kairos/common/logger';
import type { HistoryChanges } from './historyChanges';
import { ConditionFailedError, ShardOwnershipLostError } from '@kairos/persistence/errors';
import type {
  CurrentExecutionRecord,
  CurrentExecutionWrite,
  ExecutionKey,
  ExecutionSnapshot,
  ExecutionWrite,
  ExecutionStore,
  ExecutionWriteResult,
  NamespaceStore,
} from '@kairos/persistence/store';
import { DEFAULT_RETENTION_MS, RunTransaction } from '../workflow/runTransaction';
import { DEFAULT_LIMITS, type Limits } from '@kairos/domain';
import { rememberEncoding } from '@kairos/proto';
import { HISTORY_SERVICE_IDENTITY, terminateRun } from '../workflow/closeRun';
import { historyGrowthWarnings, historyLimitExceeded } from '../workflow/historyLimits';
import { TIMER_KINDS_A_CLOSED_RUN_IGNORES } from '../workflow/timerTasks';
import { KeyedMutex } from './keyedMutex';
import { StoreWriteHealth } from './storeWriteHealth';
import { ExecutionCache } from './executionCache';
import { changesVisibility, needsSearchAttributeTypes, NO_SEARCH_ATTRIBUTE_TYPES, visibilityRecordOf } from '../workflow/visibilityRecord';
import { MutableState, TransferTaskKind, type ExecutionInfo, type HistoryEvent } from '../workflow/protos';
import type { ShardController } from './shardController';

/** Receives committed tasks so they are dispatched at once; the stored copies cover crashes. */
export interface CommittedTaskSink {
  transferTasksCommitted(shardId: number, tasks: Array<{ taskId: number; task: import('../workflow/protos').TransferTask }>): void;
  timerTasksCommitted(shardId: number, fireTimes: Date[]): void;
}

/** What one committed write did to a run's history (for history_size / history_count). */
export interface CommittedHistory {
  info: ExecutionInfo;
  /** The run's first write. */
  created: boolean;
  addedEvents: number;
  addedBytes: number;
  totalEvents: number;
  totalBytes: number;
  closed: boolean;
}

export function executionKeyString(key: ExecutionKey): string {
  return `${key.namespaceId}/${key.workflowId}/${key.runId}`;
}


const MAX_CONFLICT_RETRIES = setting('history.maxConflictRetries');

/** Executions whose last committed state is kept decoded in memory (Temporal's history cache is 512 per shard). */
export const DEFAULT_EXECUTION_CACHE_SIZE = setting('history.executionCacheSize');

export interface NamespaceSettings {
  limits: Limits;
  retentionMs: number;
}


/** When a transaction closes the run, the current-execution row's status follows in the same write. */
function currentRecordOf(run: RunTransaction): CurrentExecutionRecord {
  const info = run.info;
  return {
    namespaceId: info.namespaceId,
    workflowId: info.workflowId,
    runId: info.runId,
    firstExecutionRunId: info.firstExecutionRunId,
    startRequestId: info.startRequestId,
    status: info.status,
  };
}

/** One run's part of a write: its transaction, the dbVersion it was read at (0: new) and the current-execution row's change. */
interface RunWrite {
  key: ExecutionKey;
  run: RunTransaction;
  expectedDbVersion: number;
  currentExecution: CurrentExecutionWrite | undefined;
}

function closedCurrentExecution(run: RunTransaction): CurrentExecutionWrite | undefined {
  return run.closed ? { mode: 'update', record: currentRecordOf(run) } : undefined;
}

/**
 * Loads executions and commits their changes: one execution at a time (per-execution lock), each
 * change one conditional write fenced by the shard's range id, then hands the committed tasks to
 * the queues and tells long-pollers that the history changed.
 */
export class ExecutionManager {
  private readonly locks = new KeyedMutex();
  private readonly cache: ExecutionCache;
  private sink: CommittedTaskSink | undefined;
  private closedRunObserver: ((info: ExecutionInfo) => void) | undefined;
  private historyObserver: ((committed: CommittedHistory) => void) | undefined;

  /** Whether the store refuses run writes now (the health check asks). */
  readonly writeHealth = new StoreWriteHealth();

  constructor(
    readonly store: ExecutionStore & NamespaceStore,
    readonly shards: ShardController,
    /** This instance's long polls, told of each committed change. */
    private readonly historyChanges: HistoryChanges,
    private readonly logger: Logger,
    /** The namespace's limits and retention, as transactions on its executions need them. */
    private readonly settingsFor: (namespaceId: string) => Promise<NamespaceSettings> = async () => ({ limits: DEFAULT_LIMITS, retentionMs: DEFAULT_RETENTION_MS }),
    cacheSize = DEFAULT_EXECUTION_CACHE_SIZE,
  ) {
    this.cache = new ExecutionCache(cacheSize, (shardId) => shards.ownedRangeId(shardId));
  }

  async namespaceLimits(namespaceId: string): Promise<Limits> {
    return (await this.settingsFor(namespaceId)).limits;
  }

  async namespaceRetentionMs(namespaceId: string): Promise<number> {
    return (await this.settingsFor(namespaceId)).retentionMs;
  }

  setTaskSink(sink: CommittedTaskSink): void {
    this.sink = sink;
  }

  /** Told of every run a committed write closed (workflow outcome metrics). */
  onRunClosed(observer: (info: ExecutionInfo) => void): void {
    this.closedRunObserver = observer;
  }

  /** Told of every committed run write and what it did to the run's history (history metrics). */
  onHistoryCommitted(observer: (committed: CommittedHistory) => void): void {
    this.historyObserver = observer;
  }

  /** The execution's last committed state. Shared with the cache: read it, never change it. */
  async read(key: ExecutionKey): Promise<ExecutionSnapshot | undefined> {
    return this.cache.snapshot(executionKeyString(key)) ?? this.store.getExecution(key);
  }

  /** Store.readHistoryBatches, answered from memory when this instance holds the run's history. */
  async readHistoryBatches(key: ExecutionKey, fromEventId: number, toEventId: number, maxBatches: number): Promise<HistoryEvent[][]> {
    return this.cache.historyBatches(executionKeyString(key), fromEventId, toEventId, maxBatches) ?? this.store.readHistoryBatches(key, fromEventId, toEventId, maxBatches);
  }

  /** Store.readHistory, answered from memory when this instance holds the run's history. */
  async readHistory(key: ExecutionKey, fromEventId: number, toEventId: number, maxEvents: number): Promise<HistoryEvent[]> {
    const cached = this.cache.historyBatches(executionKeyString(key), fromEventId, toEventId, 0)?.flat();
    if (!cached) return this.store.readHistory(key, fromEventId, toEventId, maxEvents);
    return maxEvents > 0 ? cached.slice(0, maxEvents) : cached;
  }

  /** Resolves an empty run id to the current run of the workflow id. */
  async resolveRunId(namespaceId: string, workflowId: string, runId: string | undefined): Promise<ExecutionKey> {
    if (runId) return { namespaceId, workflowId, runId };
    const current = await this.store.getCurrentExecution(namespaceId, workflowId);
    if (!current) throw workflowNotFound(`workflow not found for ID: ${workflowId}`);
    return { namespaceId, workflowId, runId: current.runId };
  }

  /**
   * Runs `mutate` on a fresh copy of the execution's state and commits the result. `mutate` throws
   * to reject the request (nothing is written) or calls `run.discard()` to write nothing.
   */
  async transact<T>(
    key: ExecutionKey,
    mutate: (run: RunTransaction) => T | Promise<T>,
    options: { enforceHistoryLimits?: boolean } = {},
  ): Promise<T> {
    const { limits, retentionMs } = await this.settingsFor(key.namespaceId);
    return this.locks.run(executionKeyString(key), async () => {
      for (let attempt = 1; ; attempt++) {
        const snapshot = await this.read(key);
        if (!snapshot) throw runNotFound(key.workflowId, key.runId);
        const run = new RunTransaction(MutableState.fromPartial(snapshot.mutableState), new Date(), limits, retentionMs);
        const wasOpen = run.isOpen;
        const before = { events: run.state.nextEventId - 1, bytes: run.info.historySizeBytes };
        const result = await mutate(run);
        if (run.discarded) return result;
        const overLimit = options.enforceHistoryLimits === false || !wasOpen ? undefined : historyLimitExceeded(run, before.bytes, limits);
        if (overLimit) {
          // Temporal's rule: a change that would take the history past its limit is dropped and
          // the run is terminated instead; the caller is told the run is closed.
          this.logger.warn(overLimit, { workflowId: key.workflowId, runId: key.runId, events: run.state.nextEventId - 1, limits });
          const fresh = new RunTransaction(MutableState.fromPartial(snapshot.mutableState), new Date(), limits, retentionMs);
          terminateRun(fresh, overLimit, undefined, HISTORY_SERVICE_IDENTITY);
          try {
            await this.commit(key, fresh, snapshot.dbVersion, closedCurrentExecution(fresh));
          } catch (err) {
            this.cache.delete(executionKeyString(key));
            throw err;
          }
          throw workflowNotFound('workflow execution already completed');
        }
        for (const w of historyGrowthWarnings(before, run, limits)) this.logger.warn(w.message, { workflowId: key.workflowId, runId: key.runId, ...w.fields });
        for (const w of run.warnings) this.logger.warn(w.message, { workflowId: key.workflowId, runId: key.runId, ...w.fields });
        try {
          await this.commit(key, run, snapshot.dbVersion, closedCurrentExecution(run));
          return result;
        } catch (err) {
          // Whatever the store holds now is not what was cached: read it again next time.
          this.cache.delete(executionKeyString(key));
          if (err instanceof ConditionFailedError && attempt < MAX_CONFLICT_RETRIES) continue;
          throw err;
        }
      }
    });
  }

  /**
   * Deletes a run for good (DeleteWorkflowExecution). A running run is terminated first, as
   * Temporal does, so its close is recorded (and its parent told) like any termination; then its
   * state, history, visibility row and (when current) current-execution row go in one fenced store
   * transaction; for a terminated run with a parent or children that is left to its close task.
   * Its tasks still queued find no run when they come due and are dropped.
   */
  async delete(key: ExecutionKey, terminateReason: string): Promise<void> {
    await this.deleteRun(key, terminateReason);
  }

  /** Deletes a closed run whose retention is over; an open run is left alone (false). */
  async deleteClosed(key: ExecutionKey): Promise<boolean> {
    return (await this.deleteRun(key, undefined)) === 'delete now';
  }

  /** Without a termination reason only a closed run is deleted (an open one is left as it is). */
  private async deleteRun(key: ExecutionKey, terminateReason: string | undefined): Promise<'delete now' | 'left open' | 'close task deletes'> {
    const next = await this.transact(key, (run): 'delete now' | 'left open' | 'close task deletes' => {
      if (!run.isOpen) {
        run.discard();
        return 'delete now';
      }
      if (terminateReason === undefined) {
        run.discard();
        return 'left open';
      }
      terminateRun(run, terminateReason, undefined, HISTORY_SERVICE_IDENTITY);
      // A run with a parent or children is deleted by its close task, after the parent is told
      // and the parent close policy applied (Temporal's deleteAfterTerminate).
      const close = run.transferTasks.find((t) => t.kind === TransferTaskKind.TRANSFER_TASK_KIND_CLOSE_EXECUTION);
      if (close) close.deleteAfterClose = true;
      return close ? 'close task deletes' : 'delete now';
    }, { enforceHistoryLimits: false });
    if (next !== 'delete now') return next;
    await this.locks.run(executionKeyString(key), async () => {
      const shardId = this.shards.shardFor(key.namespaceId, key.workflowId);
      const rangeId = this.shards.rangeIdFor(shardId);
      for (let attempt = 1; ; attempt++) {
        const snapshot = await this.read(key);
        if (!snapshot) throw runNotFound(key.workflowId, key.runId);
        try {
          await this.store.deleteExecution({ shardId, rangeId, key, expectedDbVersion: snapshot.dbVersion });
          break;
        } catch (err) {
          this.cache.delete(executionKeyString(key));
          if (err instanceof ShardOwnershipLostError) {
            this.shards.lost(shardId, rangeId);
            throw shardMoved(shardId);
          }
          if (err instanceof ConditionFailedError && attempt < MAX_CONFLICT_RETRIES) continue;
          throw err;
        }
      }
      this.cache.delete(executionKeyString(key));
      // Long polls on the run wake, read again and find it gone.
      this.historyChanges.changed(executionKeyString(key), true);
    });
    return next;
  }

  /**
   * Creates a new execution (its first events, state and tasks) in one write; with no
   * current-execution write, the workflow id's current run stays as it is (an imported closed run).
   */
  async create(key: ExecutionKey, run: RunTransaction, currentExecution: CurrentExecutionWrite | undefined): Promise<void> {
    await this.locks.run(executionKeyString(key), async () => {
      try {
        await this.commit(key, run, 0, currentExecution);
      } catch (err) {
        this.cache.delete(executionKeyString(key));
        throw err;
      }
    });
  }

  private async commit(
    key: ExecutionKey,
    run: RunTransaction,
    expectedDbVersion: number,
    currentExecution: CurrentExecutionWrite | undefined,
  ): Promise<void> {
    // Continue-as-new: the closing run and its successor (same workflow id, so same shard) in one
    // transaction; the successor's write moves the current-execution row to it.
    const next = run.continuedRun;
    const entries: RunWrite[] = [{ key, run, expectedDbVersion, currentExecution: next ? undefined : currentExecution }];
    if (next) {
      entries.push({
        key: { namespaceId: key.namespaceId, workflowId: key.workflowId, runId: next.info.runId },
        run: next,
        expectedDbVersion: 0,
        currentExecution: { mode: 'continue', expectedRunId: key.runId, record: currentRecordOf(next) },
      });
    }
    await this.commitWrites(entries);
  }

  /**
   * ResetWorkflowExecution's one write: `build` changes the base run (and the current run, when it
   * is another one) and returns the new run; all are stored in one store transaction, and the
   * current-execution row moves to the new run (it must still name `currentRunId`; without a
   * current run, the row is created). Both runs are locked meanwhile.
   */
  async reset(
    baseKey: ExecutionKey,
    currentRunId: string | undefined,
    build: (base: RunTransaction, current: RunTransaction | undefined) => RunTransaction | Promise<RunTransaction>,
  ): Promise<void> {
    const { limits, retentionMs } = await this.settingsFor(baseKey.namespaceId);
    const currentKey = currentRunId && currentRunId !== baseKey.runId ? { ...baseKey, runId: currentRunId } : undefined;
    const locked = (fn: () => Promise<void>) =>
      this.locks.run(executionKeyString(baseKey), () => (currentKey ? this.locks.run(executionKeyString(currentKey), fn) : fn()));
    await locked(async () => {
      const baseSnapshot = await this.read(baseKey);
      if (!baseSnapshot) throw runNotFound(baseKey.workflowId, baseKey.runId);
      const currentSnapshot = currentKey ? await this.read(currentKey) : undefined;
      if (currentKey && !currentSnapshot) throw runNotFound(currentKey.workflowId, currentKey.runId);
      const now = new Date();
      const base = new RunTransaction(MutableState.fromPartial(baseSnapshot.mutableState), now, limits, retentionMs);
      const current = currentSnapshot ? new RunTransaction(MutableState.fromPartial(currentSnapshot.mutableState), now, limits, retentionMs) : currentRunId ? base : undefined;
      const next = await build(base, current);
      const entries: RunWrite[] = [{ key: baseKey, run: base, expectedDbVersion: baseSnapshot.dbVersion, currentExecution: undefined }];
      if (currentKey && current && currentSnapshot && current.newEvents.length > 0) {
        entries.push({ key: currentKey, run: current, expectedDbVersion: currentSnapshot.dbVersion, currentExecution: undefined });
      }
      const record = currentRecordOf(next);
      entries.push({
        key: { ...baseKey, runId: next.info.runId },
        run: next,
        expectedDbVersion: 0,
        currentExecution: currentRunId ? { mode: 'continue', expectedRunId: currentRunId, record } : { mode: 'create', record },
      });
      try {
        await this.commitWrites(entries);
      } catch (err) {
        this.cache.delete(executionKeyString(baseKey));
        if (currentKey) this.cache.delete(executionKeyString(currentKey));
        throw err;
      }
    });
  }

  /** Stores the runs' writes in one transaction (one write alone when there is one), then tells the rest of history. */
  private async commitWrites(entries: RunWrite[]): Promise<void> {
    const first = entries[0]!.key;
    const shardId = this.shards.shardFor(first.namespaceId, first.workflowId);
    const rangeId = this.shards.rangeIdFor(shardId);
    // Visibility rows go in the same transaction (read-your-writes for List); search attributes
    // are typed with the namespace's registered types, read only when a row with some is written.
    const custom = entries.some((e) => needsSearchAttributeTypes(e.run, e.expectedDbVersion === 0))
      ? await this.store.getSearchAttributes(first.namespaceId)
      : NO_SEARCH_ATTRIBUTE_TYPES;
    const writes = entries.map(({ key: k, run: u, expectedDbVersion: version, currentExecution: current }): ExecutionWrite => {
      u.accountHistorySize();
      const visibility = changesVisibility(u, version === 0) ? visibilityRecordOf(u, custom) : undefined;
      const obsoleteTimerTaskIds = this.timersObsoleteAfter(k, u);
      return {
        ...(visibility ? { visibility } : {}),
        ...(obsoleteTimerTaskIds.length > 0 ? { obsoleteTimerTaskIds } : {}),
        shardId,
        rangeId,
        key: k,
        expectedDbVersion: version,
        mutableState: u.state,
        newEvents: u.newEvents,
        encodedEvents: u.encodedNewEvents(),
        ...(u.batchStarts.length > 0 ? { batchStarts: u.batchStarts } : {}),
        transferTasks: u.transferTasks,
        timerTasks: u.timerTasks,
        currentExecution: current,
      };
    });
    let results: ExecutionWriteResult[];
    try {
      results = writes.length === 1 ? [await this.store.writeExecution(writes[0]!)] : await this.store.writeExecutions(writes);
    } catch (err) {
      if (err instanceof ShardOwnershipLostError) {
        this.shards.lost(shardId, rangeId);
        throw shardMoved(shardId);
      }
      if (isApiError(err) && err.code === Status.UNAVAILABLE) this.writeHealth.refused();
      throw err;
    }
    this.writeHealth.succeeded();
    entries.forEach((e, i) => this.committed(shardId, rangeId, e.key, e.run, e.expectedDbVersion, results[i]!, writes[i]!.obsoleteTimerTaskIds));
  }

  /**
   * The timer tasks a write closing the run makes pointless: those this instance wrote for it
   * (known from the cache) that would do nothing on a closed run. Deleting them with the close
   * spares each a later firing (a read of the run and a delete). Unknown ones fire as before.
   */
  private timersObsoleteAfter(key: ExecutionKey, run: RunTransaction): number[] {
    if (!run.closed) return [];
    const known = this.cache.timerTasks(executionKeyString(key)) ?? [];
    return known.filter((t) => TIMER_KINDS_A_CLOSED_RUN_IGNORES.has(t.kind)).map((t) => t.taskId);
  }

  /** After a commit: the cache, the queues and the long polls learn what was written. */
  private committed(
    shardId: number,
    rangeId: number,
    key: ExecutionKey,
    run: RunTransaction,
    previousDbVersion: number,
    result: ExecutionWriteResult,
    deletedTimerIds: number[] | undefined,
  ): void {
    // The committed events answer polls and history pages as the bytes just stored.
    const encoded = run.encodedNewEvents();
    run.newEvents.forEach((event, i) => rememberEncoding(event, encoded[i]!));
    // The committed state becomes the cached one; the transaction object is not touched after this.
    this.cache.committed(executionKeyString(key), {
      shardId,
      rangeId,
      previousDbVersion,
      snapshot: { mutableState: run.state, dbVersion: result.dbVersion },
      newEvents: run.newEvents,
      newEventBytes: run.newEventBytes(),
      batchStarts: run.batchStarts,
      newTimers: run.timerTasks.map((task, i) => ({ taskId: result.timerTaskIds[i]!, kind: task.kind })),
      deletedTimerIds,
    });
    if (run.transferTasks.length > 0) {
      this.sink?.transferTasksCommitted(
        shardId,
        run.transferTasks.map((task, i) => ({ taskId: result.transferTaskIds[i]!, task })),
      );
    }
    if (run.timerTasks.length > 0) {
      this.sink?.timerTasksCommitted(shardId, run.timerTasks.map((t) => t.fireTime!));
    }
    for (const callback of run.afterCommit) callback();
    // Only once the write is stored: a rejected or retried transaction closed nothing.
    if (run.closed) this.closedRunObserver?.(run.info);
    this.historyObserver?.({
      info: run.info,
      created: previousDbVersion === 0,
      addedEvents: run.newEvents.length,
      addedBytes: run.newEventBytes(),
      totalEvents: run.state.nextEventId - 1,
      totalBytes: run.info.historySizeBytes,
      closed: run.closed,
    });
    if (run.newEvents.length > 0 || run.wakeWaiters) this.historyChanges.changed(executionKeyString(key), run.closed);
    this.logger.debug('execution committed', {
      workflowId: key.workflowId,
      runId: key.runId,
      events: run.newEvents.length,
      dbVersion: result.dbVersion,
    });
  }
}
