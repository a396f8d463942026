import type Database from 'better-sqlite3';
// The `timers` module's own function: tests that fake the global timers must not stall the store.
import { setImmediate as realSetImmediate } from 'timers';

interface PendingWrite {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  failed: boolean;
  result?: unknown;
  error?: unknown;
}

/** Thrown inside a batch when SQLite itself rolled the whole transaction back (disk full, I/O error). */
class BatchAborted extends Error {
  constructor(override readonly cause: unknown) {
    super('SQLite rolled back the group-commit transaction');
  }
}

/**
 * Group commit. Every write of the store is a synchronous function queued here; the writes queued
 * during one turn of the event loop run in one `BEGIN IMMEDIATE` transaction, each inside its own
 * savepoint, and commit together: one WAL append (and, with synchronous=FULL, one fsync) for the
 * whole batch. A write that throws rolls back to its savepoint alone and its promise rejects with
 * its error; the others are unaffected. Every promise settles only after the commit, so callers see
 * exactly the semantics of one transaction per write.
 */
export class GroupCommitter {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private readonly runBatch: Database.Transaction<(writes: PendingWrite[]) => void>;
  private readonly runOne: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(
    private readonly db: Database.Database,
    private readonly maxBatch = 512,
  ) {
    // Outside a transaction: BEGIN/COMMIT. Nested inside runBatch: SAVEPOINT/RELEASE, ROLLBACK TO on throw.
    this.runOne = db.transaction((fn: () => unknown) => fn());
    this.runBatch = db.transaction((writes: PendingWrite[]) => {
      for (const write of writes) {
        try {
          write.result = this.runOne(write.fn);
        } catch (err) {
          write.failed = true;
          write.error = err;
          if (!db.inTransaction) throw new BatchAborted(err);
        }
      }
    });
  }

  /** Queues `fn` to run in the next group transaction; resolves with its result once committed. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject, failed: false });
      if (!this.scheduled) {
        this.scheduled = true;
        realSetImmediate(() => this.flush());
      }
    });
  }

  /** Runs and commits everything queued, now. */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.commit(batch);
    }
  }

  private commit(batch: PendingWrite[]): void {
    if (batch.length === 1) {
      // Nothing to group: a plain transaction, no savepoint.
      const [write] = batch as [PendingWrite];
      let result: unknown;
      try {
        result = this.runOne.immediate(write.fn);
      } catch (err) {
        write.reject(err);
        return;
      }
      write.resolve(result);
      return;
    }
    try {
      this.runBatch.immediate(batch);
    } catch (err) {
      // Nothing of the batch was committed: every write fails, each with its own error if it had one.
      const cause = err instanceof BatchAborted ? err.cause : err;
      for (const write of batch) write.reject(write.failed ? write.error : cause);
      return;
    }
    for (const write of batch) {
      if (write.failed) write.reject(write.error);
      else write.resolve(write.result);
    }
  }
}
