import type Database from 'better-sqlite3';

export type SqliteSynchronous = 'NORMAL' | 'FULL';

export interface PragmaOptions {
  synchronous?: SqliteSynchronous;
  /** True when a BackgroundCheckpointer runs: the inline autocheckpoint is then only a fallback. */
  backgroundCheckpoint?: boolean;
}

/**
 * Connection settings applied at open, in this order.
 *
 * - journal_mode=WAL: readers never block the writer and a commit is one sequential append to the
 *   -wal file. (An in-memory database reports `MEMORY`: it has no file to journal to.)
 * - synchronous=NORMAL (default): in WAL mode a transaction is committed once its frames are
 *   written to the -wal file with write(2); the OS page cache holds them, so a committed write
 *   survives the Kairos process crashing or being SIGKILLed (tested in crash.test.ts). Only an OS
 *   crash or power loss can lose the last transactions before the next checkpoint's fsync, and it
 *   never corrupts the database. `synchronous: 'FULL'` fsyncs the WAL on every commit and survives
 *   power loss too; the store's group commit (one transaction for all the writes issued in one
 *   event-loop turn, so one fsync) keeps that affordable under load. The `kairos` command passes
 *   the setting `store.sqliteSynchronous`: FULL for `server start`, NORMAL for start-dev.
 * - busy_timeout=5000: when several Kairos processes share one file (per-service start), a writer
 *   waits up to 5 s for another's transaction instead of failing with SQLITE_BUSY.
 * - cache_size=-65536: a 64 MiB page cache (negative = KiB) so hot executions and history stay in memory.
 * - temp_store=MEMORY: sorts and temporary b-trees in memory, never in temp files.
 * - mmap_size=256 MiB: reads served from the memory map instead of read(2) copies.
 * - journal_size_limit=64 MiB: truncate the -wal file after a checkpoint so it does not stay large.
 * - wal_autocheckpoint: 1000 pages (SQLite's default) when this connection checkpoints inline;
 *   10000 pages (~40 MiB) when the background checkpointer does the work and this is the fallback.
 * - foreign_keys=ON: enforce any declared foreign key. The schema declares none: events and tasks are
 *   written in the same transaction as their execution, and checks would cost on the hot path.
 */
export function sqlitePragmas(options: PragmaOptions = {}): ReadonlyArray<[string, string | number]> {
  return [
    ['journal_mode', 'WAL'],
    ['synchronous', options.synchronous ?? 'NORMAL'],
    ['busy_timeout', 5000],
    ['cache_size', -65536],
    ['temp_store', 'MEMORY'],
    ['mmap_size', 268435456],
    ['journal_size_limit', 67108864],
    ['wal_autocheckpoint', options.backgroundCheckpoint ? 10000 : 1000],
    ['foreign_keys', 'ON'],
  ];
}

/** The pragmas a file database gets by default (background checkpoints on). */
export const SQLITE_PRAGMAS: Readonly<Record<string, string | number>> = Object.fromEntries(sqlitePragmas({ backgroundCheckpoint: true }));

const SYNCHRONOUS_NAMES = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
const TEMP_STORE_NAMES = ['DEFAULT', 'FILE', 'MEMORY'];

/**
 * Applies the pragmas and returns what SQLite reports back for each, in readable form (SQLite
 * silently ignores values it cannot apply, so the report shows the effective settings).
 */
export function applyPragmas(
  db: Database.Database,
  pragmas: ReadonlyArray<[string, string | number]>,
): Record<string, string | number> {
  const applied: Record<string, string | number> = {};
  for (const [name, value] of pragmas) {
    db.pragma(`${name} = ${value}`);
    const raw = db.pragma(name, { simple: true }) as string | number;
    applied[name] = readable(name, raw);
  }
  return applied;
}

function readable(name: string, raw: string | number): string | number {
  switch (name) {
    case 'synchronous':
      return SYNCHRONOUS_NAMES[Number(raw)] ?? raw;
    case 'temp_store':
      return TEMP_STORE_NAMES[Number(raw)] ?? raw;
    case 'foreign_keys':
      return Number(raw) ? 'ON' : 'OFF';
    case 'journal_mode':
      return String(raw).toUpperCase();
    default:
      return raw;
  }
}
