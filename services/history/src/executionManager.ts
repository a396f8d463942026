import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/dist/errors';
import type { Logger } from '@kairos/common/dist/logger';
import type { Notifier } from '@kairos/notify/dist/notifier';
import { ConditionFailedError, ShardOwnershipLostError } from '@kairos/persistence/dist/errors';
import type {
  CurrentExecutionWrite,
  ExecutionKey,
  ExecutionSnapshot,
  Store,
} from '@kairos/persistence/dist/store';
import { NotFoundFailure } from '@kairos/proto/dist/generated/temporal/api/errordetails/v1/message';
import { ExecutionUpdate } from './executionUpdate';
import { KeyedMutex } from './keyedMutex';
import { MutableState } from './protos';
import type { ShardController } from './shardController';

/** Receives committed tasks so they are dispatched at once; the stored copies cover crashes. */
export interface CommittedTaskSink {
  transferTasksCommitted(shardId: number, tasks: Array<{ taskId: number; task: import('./protos').TransferTask }>): void;
  timerTasksCommitted(shardId: number, fireTimes: Date[]): void;
}

export function executionKeyString(key: ExecutionKey): string {
  return `${key.namespaceId}/${key.workflowId}/${key.runId}`;
}

export function workflowNotFound(message = 'workflow execution not found'): ApiError {
  return new ApiError(Status.NOT_FOUND, message, {
    typeName: 'temporal.api.errordetails.v1.NotFoundFailure',
    value: NotFoundFailure.encode({ currentCluster: 'active', activeCluster: 'active' }).finish(),
  });
}

const MAX_CONFLICT_RETRIES = 5;

/** When an update closes the run, the current-execution row's status follows in the same write. */
function closedCurrentExecution(update: ExecutionUpdate): CurrentExecutionWrite | undefined {
  if (!update.closed) return undefined;
  const info = update.info;
  return {
    mode: 'update',
    record: {
      namespaceId: info.namespaceId,
      workflowId: info.workflowId,
      runId: info.runId,
      firstExecutionRunId: info.firstExecutionRunId,
      startRequestId: info.startRequestId,
      status: info.status,
    },
  };
}

/**
 * Loads executions and commits their changes: one execution at a time (per-execution lock), each
 * change one conditional write fenced by the shard's range id, then hands the committed tasks to
 * the queues and tells long-pollers that the history changed.
 */
export class ExecutionManager {
  private readonly locks = new KeyedMutex();
  private sink: CommittedTaskSink | undefined;

  constructor(
    readonly store: Store,
    readonly shards: ShardController,
    private readonly notifier: Notifier,
    private readonly logger: Logger,
  ) {}

  setTaskSink(sink: CommittedTaskSink): void {
    this.sink = sink;
  }

  async read(key: ExecutionKey): Promise<ExecutionSnapshot | undefined> {
    return this.store.getExecution(key);
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
   * to reject the request (nothing is written) or calls `update.discard()` to write nothing.
   */
  async update<T>(
    key: ExecutionKey,
    mutate: (update: ExecutionUpdate) => T | Promise<T>,
    currentExecution?: (update: ExecutionUpdate) => CurrentExecutionWrite | undefined,
  ): Promise<T> {
    return this.locks.run(executionKeyString(key), async () => {
      for (let attempt = 1; ; attempt++) {
        const snapshot = await this.store.getExecution(key);
        if (!snapshot) throw workflowNotFound();
        const update = new ExecutionUpdate(MutableState.fromPartial(snapshot.mutableState), new Date());
        const result = await mutate(update);
        if (update.discarded) return result;
        try {
          await this.commit(key, update, snapshot.dbVersion, currentExecution?.(update) ?? closedCurrentExecution(update));
          return result;
        } catch (err) {
          if (err instanceof ConditionFailedError && attempt < MAX_CONFLICT_RETRIES) continue;
          throw err;
        }
      }
    });
  }

  /** Creates a new execution (its first events, state and tasks) in one write. */
  async create(key: ExecutionKey, update: ExecutionUpdate, currentExecution: CurrentExecutionWrite): Promise<void> {
    await this.locks.run(executionKeyString(key), () => this.commit(key, update, 0, currentExecution));
  }

  private async commit(
    key: ExecutionKey,
    update: ExecutionUpdate,
    expectedDbVersion: number,
    currentExecution: CurrentExecutionWrite | undefined,
  ): Promise<void> {
    const shardId = this.shards.shardFor(key.namespaceId, key.workflowId);
    const rangeId = this.shards.rangeIdFor(shardId);
    for (const event of update.newEvents) update.info.historySizeBytes += estimateEventSize(event);
    let result;
    try {
      result = await this.store.writeExecution({
        shardId,
        rangeId,
        key,
        expectedDbVersion,
        mutableState: update.state,
        newEvents: update.newEvents,
        transferTasks: update.transferTasks,
        timerTasks: update.timerTasks,
        currentExecution,
      });
    } catch (err) {
      if (err instanceof ShardOwnershipLostError) {
        this.shards.lost(shardId);
        throw new ApiError(Status.UNAVAILABLE, `shard ${shardId} moved to another history instance`);
      }
      throw err;
    }
    if (update.transferTasks.length > 0) {
      this.sink?.transferTasksCommitted(
        shardId,
        update.transferTasks.map((task, i) => ({ taskId: result.transferTaskIds[i]!, task })),
      );
    }
    if (update.timerTasks.length > 0) {
      this.sink?.timerTasksCommitted(shardId, update.timerTasks.map((t) => t.fireTime!));
    }
    if (update.newEvents.length > 0) {
      this.notifier.publish('history-changed', executionKeyString(key));
    }
    this.logger.debug('execution committed', {
      workflowId: key.workflowId,
      runId: key.runId,
      events: update.newEvents.length,
      dbVersion: result.dbVersion,
    });
  }
}

// Size accounting for the history-size fields the SDKs read; the exact encoding cost is not needed.
import { HistoryEvent } from './protos';
function estimateEventSize(event: HistoryEvent): number {
  return HistoryEvent.encode(event).finish().length;
}
