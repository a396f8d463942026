import { existsSync, statSync } from 'fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyPragmas, SQLITE_PRAGMAS, sqlitePragmas } from '../../src/sqlite/pragmas';
import { openSqliteStore } from '../../src/sqlite/sqliteStore';
import { executionKey, executionWrite, namespaceRecord } from '../conformance/fixtures';
import { databaseFiles } from './databaseFiles';

const { newFile } = databaseFiles();

describe('sqlite pragmas', () => {
  it('reports the effective settings of a file database', async () => {
    const { store, pragmas } = openSqliteStore({ filename: newFile() });
    await store.close();
    expect(pragmas).toEqual({
      journal_mode: 'WAL',
      synchronous: 'NORMAL',
      busy_timeout: 5000,
      cache_size: -65536,
      temp_store: 'MEMORY',
      mmap_size: 268435456,
      journal_size_limit: 67108864,
      wal_autocheckpoint: 10000,
      foreign_keys: 'ON',
    });
    expect(SQLITE_PRAGMAS).toEqual(pragmas);
  });

  it('checkpoints inline with the default autocheckpoint when background checkpoints are off', async () => {
    const { store, pragmas, checkpoints } = openSqliteStore({ filename: newFile(), backgroundCheckpoint: false });
    await store.close();
    expect(checkpoints).toBe('inline');
    expect(pragmas.wal_autocheckpoint).toBe(1000);
  });

  it('applies synchronous=FULL on request', async () => {
    const { store, pragmas } = openSqliteStore({ filename: newFile(), synchronous: 'FULL' });
    await store.close();
    expect(pragmas.synchronous).toBe('FULL');
  });

  it('leaves the connection at the synchronous level asked for, as SQLite itself reads it back', () => {
    // The pragma is per connection: this is the connection the store then writes on.
    for (const [level, code] of [['NORMAL', 1], ['FULL', 2]] as const) {
      const db = new Database(newFile());
      try {
        const reported = applyPragmas(db, sqlitePragmas({ synchronous: level }));
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.pragma('synchronous', { simple: true })).toBe(code);
        expect(reported.synchronous).toBe(level);
      } finally {
        db.close();
      }
    }
  });

  it('reports that an in-memory database has no WAL', async () => {
    const { store, pragmas, checkpoints } = openSqliteStore({ filename: ':memory:' });
    await store.close();
    expect(pragmas.journal_mode).toBe('MEMORY');
    expect(checkpoints).toBe('none');
  });
});

describe('sqlite background checkpoints', () => {
  /** Writes some executions and returns the size of the database file (not the WAL) after `waitMs`. */
  async function dbFileGrowth(backgroundCheckpoint: boolean, waitMs: number): Promise<{ before: number; after: number }> {
    const filename = newFile();
    const { store, checkpoints } = openSqliteStore({ filename, backgroundCheckpoint });
    expect(checkpoints).toBe(backgroundCheckpoint ? 'background' : 'inline');
    try {
      const { rangeId } = await store.acquireShard(1, 'h', 60_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = statSync(filename).size;
      await Promise.all(
        Array.from({ length: 50 }, () => store.writeExecution(executionWrite(executionKey(), { shardId: 1, rangeId, eventIds: [1, 2, 3], transfers: 1 }))),
      );
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline && statSync(filename).size === before) await new Promise((resolve) => setTimeout(resolve, 50));
      return { before, after: statSync(filename).size };
    } finally {
      await store.close();
    }
  }

  it('copies committed pages into the database file from the worker thread', async () => {
    const { before, after } = await dbFileGrowth(true, 5000);
    expect(after).toBeGreaterThan(before);
  });

  it('leaves them in the WAL until the autocheckpoint threshold without it', async () => {
    const { before, after } = await dbFileGrowth(false, 500);
    expect(after).toBe(before);
  });

  it('removes the WAL on close once the worker stopped', async () => {
    const filename = newFile();
    const { store } = openSqliteStore({ filename });
    await store.createNamespace(namespaceRecord('orders'));
    expect(existsSync(`${filename}-wal`)).toBe(true);
    await store.close();
    expect(existsSync(`${filename}-wal`)).toBe(false);
  });
});
