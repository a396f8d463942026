import type Database from 'better-sqlite3';
import { persistenceUnavailable } from '@kairos/common/errors';
import type { BackgroundCheckpointer } from './backgroundCheckpointer';
import { GroupCommitter } from './groupCommit';

/**
 * The one SQLite connection the concerns of a store share, and how they write on it: each write
 * is a synchronous function run in a transaction of its own, or in a savepoint of the group
 * commit of its event-loop turn; its promise settles once committed. Reads run directly.
 */
export class SqliteConnection {
  private readonly committer: GroupCommitter | undefined;
  private readonly transaction: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(
    readonly db: Database.Database,
    groupCommit: boolean,
    private readonly checkpointer: BackgroundCheckpointer | undefined,
  ) {
    this.committer = groupCommit ? new GroupCommitter(db) : undefined;
    this.transaction = db.transaction((fn: () => unknown) => fn());
  }

  /** Runs a write in its own transaction (or savepoint of a group commit); settles once committed. */
  write<T>(fn: () => T): Promise<T> {
    if (!this.db.open) return Promise.reject(new Error('the SQLite store is closed'));
    if (this.committer) return this.committer.run(fn).catch(rejectAsStoreError);
    try {
      return Promise.resolve(this.transaction.immediate(fn) as T);
    } catch (err) {
      return rejectAsStoreError(err);
    }
  }

  /** Commits the writes already issued, stops the checkpointer and closes the database. */
  async close(): Promise<void> {
    if (!this.db.open) return;
    this.committer?.flush();
    // Close the checkpointer's connection first, so closing ours (the last) checkpoints and removes the WAL.
    await this.checkpointer?.stop();
    if (!this.db.open) return;
    this.committer?.flush();
    try {
      this.db.pragma('optimize');
    } catch {
      // Only a planner-statistics refresh; never a reason to fail closing.
    }
    this.db.close();
  }
}

/**
 * SQLite errors that say the database cannot take writes right now (another process holds the
 * write lock past the busy timeout, the disk is full, an I/O error): the caller gets UNAVAILABLE,
 * which the SDKs retry, and a write succeeds again once the condition clears.
 */
const TRANSIENT_SQLITE_ERRORS = /^SQLITE_(BUSY|LOCKED|FULL|IOERR)/;

function rejectAsStoreError(err: unknown): Promise<never> {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && TRANSIENT_SQLITE_ERRORS.test(code)) return Promise.reject(persistenceUnavailable(`${code}: ${(err as Error).message}`));
  return Promise.reject(err);
}

/** SQLite's LIMIT -1 is "no limit"; the Store contract says a limit of 0 or less is. */
export const sqlLimit = (limit: number): number => (limit > 0 ? limit : -1);

export const isConstraintError = (err: unknown): boolean =>
  typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('SQLITE_CONSTRAINT');
