import { setting } from '@kairos/common/settings';
import type { ExecutionSnapshot } from '@kairos/persistence/store';
import type { HistoryEvent, TimerTaskKind } from '../workflow/protos';

/** A run's history is kept with its state only while it is small; larger ones are read from the store. */
export const MAX_CACHED_HISTORY_BYTES = setting('history.executionCacheMaxHistory');

interface CachedHistory {
  /** Every event of the run from event 1, one array per write (the store's batches). */
  batches: HistoryEvent[][];
  bytes: number;
}

/** A timer task this instance wrote for the run, as its write returned it. */
export interface KnownTimerTask {
  taskId: number;
  kind: TimerTaskKind;
}

/** Timer tasks remembered per run: beyond this the oldest are forgotten (they fire and do nothing). */
const MAX_KNOWN_TIMERS = 64;

interface Entry {
  snapshot: ExecutionSnapshot;
  history: CachedHistory | undefined;
  /** Timer tasks written for the run under this lease since it was cached (some may have fired). */
  timers: KnownTimerTask[];
  shardId: number;
  /** The shard's fencing number when the entry was stored: only that lease's writes are known. */
  rangeId: number;
  /** The cache's use count when the entry last moved to the recent end. */
  movedAt: number;
}

/** What one committed write did to an execution, as the cache needs to know it. */
export interface CommittedWrite {
  shardId: number;
  rangeId: number;
  /** The dbVersion the write replaced (0 when it created the execution). */
  previousDbVersion: number;
  snapshot: ExecutionSnapshot;
  newEvents: HistoryEvent[];
  newEventBytes: number;
  /** Events of newEvents that begin another batch (see RunTransaction.batchStarts). */
  batchStarts?: number[];
  /** The timer tasks the write created, with their ids. */
  newTimers?: KnownTimerTask[];
  /** Timer tasks the write deleted. */
  deletedTimerIds?: number[];
}

/** A write's events split into the store's batches. */
function batchesOf(events: HistoryEvent[], batchStarts: number[] | undefined): HistoryEvent[][] {
  if (!batchStarts?.length) return [events];
  const starts = new Set(batchStarts);
  const batches: HistoryEvent[][] = [];
  for (const event of events) {
    if (batches.length === 0 || starts.has(event.eventId)) batches.push([]);
    batches[batches.length - 1]!.push(event);
  }
  return batches;
}

/**
 * The last committed state (and, while small, the whole history) of recently used executions, so
 * that an update, a workflow task or a long poll does not re-read and re-decode what this instance
 * itself just wrote. Bounded, least recently used out.
 *
 * An entry is trusted only while this instance still holds the shard lease it was written under:
 * once the shard moves (or moves away and back), another instance may have written, so the entry
 * is ignored and the store is read again. Everything handed out is shared and must not be mutated.
 */
export class ExecutionCache {
  private readonly entries = new Map<string, Entry>();
  /** Uses so far: an entry used again within a quarter of the capacity's uses stays where it is. */
  private uses = 0;

  constructor(
    private readonly capacity: number,
    private readonly currentRangeId: (shardId: number) => number | undefined,
  ) {}

  snapshot(key: string): ExecutionSnapshot | undefined {
    return this.entry(key)?.snapshot;
  }

  /** Timer tasks this instance wrote for the run while it was cached; undefined when not cached. */
  timerTasks(key: string): readonly KnownTimerTask[] | undefined {
    return this.entry(key)?.timers;
  }

  /**
   * Events with id in [fromEventId, toEventId) grouped by write, at most `maxBatches` groups (0: no
   * limit), as Store.readHistoryBatches returns them; undefined when the cache does not hold them.
   */
  historyBatches(key: string, fromEventId: number, toEventId: number, maxBatches: number): HistoryEvent[][] | undefined {
    const entry = this.entry(key);
    if (!entry?.history || toEventId > entry.snapshot.mutableState.nextEventId) return undefined;
    const out: HistoryEvent[][] = [];
    for (const batch of entry.history.batches) {
      if (maxBatches > 0 && out.length >= maxBatches) break;
      const first = batch[0]!.eventId;
      const last = batch[batch.length - 1]!.eventId;
      if (last < fromEventId) continue;
      if (first >= toEventId) break;
      out.push(first >= fromEventId && last < toEventId ? batch : batch.filter((e) => e.eventId >= fromEventId && e.eventId < toEventId));
    }
    return out;
  }

  /** Records a committed write; the entry's history continues only if it was complete before. */
  committed(key: string, write: CommittedWrite): void {
    if (this.capacity <= 0) return;
    const before = write.previousDbVersion === 0 ? undefined : this.entry(key);
    const continues = write.previousDbVersion === 0 || (before?.rangeId === write.rangeId && before.snapshot.dbVersion === write.previousDbVersion);
    const previous: CachedHistory | undefined = write.previousDbVersion === 0 ? { batches: [], bytes: 0 } : continues ? before?.history : undefined;
    let history: CachedHistory | undefined;
    if (previous && previous.bytes + write.newEventBytes <= MAX_CACHED_HISTORY_BYTES) {
      history = write.newEvents.length === 0 ? previous : { batches: [...previous.batches, ...batchesOf(write.newEvents, write.batchStarts)], bytes: previous.bytes + write.newEventBytes };
    }
    const deleted = new Set(write.deletedTimerIds);
    const kept = (continues && before ? before.timers : []).filter((t) => !deleted.has(t.taskId));
    const timers = [...kept, ...(write.newTimers ?? [])].slice(-MAX_KNOWN_TIMERS);
    this.entries.delete(key);
    this.entries.set(key, { snapshot: write.snapshot, history, timers, shardId: write.shardId, rangeId: write.rangeId, movedAt: ++this.uses });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private entry(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.currentRangeId(entry.shardId) !== entry.rangeId) {
      this.entries.delete(key);
      return undefined;
    }
    // Re-inserted so that Map order is least recently used first; not on every use (a Map delete
    // and insert per read of a hot run cost more than an eviction order that is nearly exact).
    if (++this.uses - entry.movedAt > this.capacity >> 2) {
      entry.movedAt = this.uses;
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }
}
