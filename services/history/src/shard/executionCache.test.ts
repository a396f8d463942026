import { describe, expect, it } from 'vitest';
import { ExecutionCache, MAX_CACHED_HISTORY_BYTES } from './executionCache';
import { HistoryEvent, MutableState, TimerTaskKind } from '../workflow/protos';

const events = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => HistoryEvent.fromPartial({ eventId: from + i }));
const snapshot = (nextEventId: number, dbVersion: number) => ({ mutableState: MutableState.fromPartial({ nextEventId }), dbVersion });
const ids = (batches: HistoryEvent[][] | undefined) => batches?.map((b) => b.map((e) => e.eventId));

function cacheWithRun(owned: Map<number, number>) {
  const cache = new ExecutionCache(10, (shard) => owned.get(shard));
  cache.committed('run', { shardId: 1, rangeId: 5, previousDbVersion: 0, snapshot: snapshot(4, 1), newEvents: events(1, 4), newEventBytes: 30 });
  cache.committed('run', { shardId: 1, rangeId: 5, previousDbVersion: 1, snapshot: snapshot(6, 2), newEvents: events(4, 6), newEventBytes: 20 });
  cache.committed('run', { shardId: 1, rangeId: 5, previousDbVersion: 2, snapshot: snapshot(9, 3), newEvents: events(6, 9), newEventBytes: 30 });
  return cache;
}

describe('ExecutionCache', () => {
  it('answers history reads by batch, as the store does', () => {
    const cache = cacheWithRun(new Map([[1, 5]]));
    expect(cache.snapshot('run')?.dbVersion).toBe(3);
    expect(ids(cache.historyBatches('run', 1, 9, 0))).toEqual([[1, 2, 3], [4, 5], [6, 7, 8]]);
    expect(ids(cache.historyBatches('run', 1, 9, 2))).toEqual([[1, 2, 3], [4, 5]]);
    expect(ids(cache.historyBatches('run', 5, 9, 1))).toEqual([[5]]);
    expect(ids(cache.historyBatches('run', 2, 7, 0))).toEqual([[2, 3], [4, 5], [6]]);
    expect(ids(cache.historyBatches('run', 9, 9, 0))).toEqual([]);
  });

  it('does not answer past the committed history', () => {
    const cache = cacheWithRun(new Map([[1, 5]]));
    expect(cache.historyBatches('run', 1, 10, 0)).toBeUndefined();
  });

  it('forgets everything of a shard this instance no longer holds under the same lease', () => {
    const owned = new Map([[1, 5]]);
    const cache = cacheWithRun(owned);
    owned.set(1, 6); // lost and re-acquired: another instance may have written meanwhile
    expect(cache.snapshot('run')).toBeUndefined();
    expect(cache.historyBatches('run', 1, 9, 0)).toBeUndefined();
  });

  it('keeps the state but drops the history when a write does not follow the cached version', () => {
    const cache = new ExecutionCache(10, () => 5);
    cache.committed('run', { shardId: 1, rangeId: 5, previousDbVersion: 0, snapshot: snapshot(4, 1), newEvents: events(1, 4), newEventBytes: 30 });
    cache.delete('run');
    cache.committed('run', { shardId: 1, rangeId: 5, previousDbVersion: 1, snapshot: snapshot(6, 2), newEvents: events(4, 6), newEventBytes: 20 });
    expect(cache.snapshot('run')?.dbVersion).toBe(2);
    expect(cache.historyBatches('run', 1, 6, 0)).toBeUndefined();
  });

  it('stops holding a history that outgrows its size bound', () => {
    const cache = new ExecutionCache(10, () => 5);
    cache.committed('run', { shardId: 1, rangeId: 5, previousDbVersion: 0, snapshot: snapshot(4, 1), newEvents: events(1, 4), newEventBytes: 30 });
    cache.committed('run', { shardId: 1, rangeId: 5, previousDbVersion: 1, snapshot: snapshot(5, 2), newEvents: events(4, 5), newEventBytes: MAX_CACHED_HISTORY_BYTES });
    expect(cache.snapshot('run')?.dbVersion).toBe(2);
    expect(cache.historyBatches('run', 1, 5, 0)).toBeUndefined();
  });

  it('evicts the least recently used execution beyond its capacity', () => {
    const cache = new ExecutionCache(2, () => 5);
    for (const key of ['a', 'b']) cache.committed(key, { shardId: 1, rangeId: 5, previousDbVersion: 0, snapshot: snapshot(2, 1), newEvents: events(1, 2), newEventBytes: 5 });
    cache.snapshot('a'); // a is now the most recently used
    cache.committed('c', { shardId: 1, rangeId: 5, previousDbVersion: 0, snapshot: snapshot(2, 1), newEvents: events(1, 2), newEventBytes: 5 });
    expect(cache.size).toBe(2);
    expect(cache.snapshot('b')).toBeUndefined();
    expect(cache.snapshot('a')).toBeDefined();
  });

  it('remembers the timer tasks written for a run while its writes follow one another, minus the deleted ones', () => {
    const owned = new Map([[1, 5]]);
    const cache = new ExecutionCache(10, (shard) => owned.get(shard));
    const WFT = TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT;
    const RETENTION = TimerTaskKind.TIMER_TASK_KIND_DELETE_CLOSED_RUN;
    const write = (previousDbVersion: number, newTimers: Array<{ taskId: number; kind: TimerTaskKind }>, deletedTimerIds?: number[]) =>
      cache.committed('run', { shardId: 1, rangeId: 5, previousDbVersion, snapshot: snapshot(2, previousDbVersion + 1), newEvents: events(1, 2), newEventBytes: 1, newTimers, deletedTimerIds });
    write(0, [{ taskId: 10, kind: WFT }]);
    write(1, [{ taskId: 11, kind: WFT }]);
    expect(cache.timerTasks('run')?.map((t) => t.taskId)).toEqual([10, 11]);
    write(2, [{ taskId: 12, kind: RETENTION }], [10, 11]);
    expect(cache.timerTasks('run')).toEqual([{ taskId: 12, kind: RETENTION }]);
    // A write not following the cached one (the cache missed one): what came before is not known.
    write(7, [{ taskId: 20, kind: WFT }]);
    expect(cache.timerTasks('run')?.map((t) => t.taskId)).toEqual([20]);
    owned.set(1, 6);
    expect(cache.timerTasks('run')).toBeUndefined();
  });

  it('remembers at most the 64 latest timer tasks of a run', () => {
    const cache = new ExecutionCache(10, () => 5);
    for (let i = 0; i < 100; i++) {
      cache.committed('run', { shardId: 1, rangeId: 5, previousDbVersion: i, snapshot: snapshot(2, i + 1), newEvents: [], newEventBytes: 0, newTimers: [{ taskId: i, kind: TimerTaskKind.TIMER_TASK_KIND_USER_TIMER }] });
    }
    expect(cache.timerTasks('run')?.map((t) => t.taskId)).toEqual(Array.from({ length: 64 }, (_, i) => 36 + i));
  });
});
