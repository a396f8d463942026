import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { MutableState, TimerTask, TransferTask } from '@kairos/proto/kairos/persistence/v1/executions';
import type { ExecutionKey, ExecutionStore, ShardStore } from '../../src/store';
import { currentRecord, executionKey, executionWrite } from './fixtures';
import type { Closable } from './harness';

/** What the execution suites need: executions are fenced by shards. */
export type ExecutionsUnderTest = ShardStore & ExecutionStore & Closable;

/** Helpers of the execution suites over the stores `open` gives. */
export function executionSupport<S extends ExecutionsUnderTest>(open: () => Promise<S>) {
  /** A fresh store with the shard acquired, and its range id. */
  async function openWithShard(shardId = 1): Promise<{ store: S; rangeId: number }> {
    const store = await open();
    const lease = await store.acquireShard(shardId, 'host-a', 60_000);
    return { store, rangeId: lease.rangeId };
  }

  /** Creates an execution with events 1..3, one transfer task and its current row. */
  async function createExecution(store: ExecutionStore, rangeId: number, key: ExecutionKey = executionKey(), shardId = 1) {
    const result = await store.writeExecution(
      executionWrite(key, {
        shardId,
        rangeId,
        eventIds: [1, 2, 3],
        transfers: 1,
        currentExecution: { mode: 'create', record: currentRecord(key) },
      }),
    );
    return { key, result };
  }

  /** Everything a write could have touched, to compare before and after a failed write. */
  async function observe(store: ExecutionStore, key: ExecutionKey, shardId = 1) {
    const snapshot = await store.getExecution(key);
    return {
      dbVersion: snapshot?.dbVersion,
      state: snapshot ? MutableState.toJSON(snapshot.mutableState) : undefined,
      current: await store.getCurrentExecution(key.namespaceId, key.workflowId),
      history: (await store.readHistory(key, 1, 1_000_000, 0)).map((e) => HistoryEvent.toJSON(e)),
      transfers: (await store.getTransferTasks(shardId, 0, 0)).map((t) => ({ taskId: t.taskId, task: TransferTask.toJSON(t.task) })),
      timers: (await store.getTimerTasks(shardId, new Date(8.64e15), 0)).map((t) => ({
        taskId: t.taskId,
        fireTime: t.fireTime.getTime(),
        task: TimerTask.toJSON(t.task),
      })),
      nextTimer: (await store.nextTimerFireTime(shardId))?.getTime(),
    };
  }

  /** What `observe` sees for `key` in a store that never had it. */
  async function nothingFor(key: ExecutionKey) {
    return observe(await open(), key);
  }

  return { openWithShard, createExecution, observe, nothingFor };
}
