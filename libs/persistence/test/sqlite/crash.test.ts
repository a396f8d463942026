import { spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createInterface } from 'readline';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionKey, ExecutionWriteResult, Store } from '../../src/store';
import { openSqliteStore } from '../../src/sqlite/sqliteStore';

/**
 * Another process writes to the file; this one reopens it. The child reports a write on stdout
 * only after the store resolved it, i.e. after COMMIT returned. With journal_mode=WAL and
 * synchronous=NORMAL those writes must survive the child being SIGKILLed mid-stream.
 */

const CHILD = join(__dirname, 'writerChild.cjs');
const dir = mkdtempSync(join(tmpdir(), 'kairos-sqlite-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Committed {
  key: ExecutionKey;
  result: ExecutionWriteResult;
}

interface ChildRun {
  committed: Committed[];
  queued: number[];
  /** The child's `await store.close()` returned. */
  closed: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the writer child; with `killAfter`, SIGKILLs it once that many writes were reported. */
function runChild(filename: string, batches: number | 'forever', perBatch: number, killAfter?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, filename, String(batches), String(perBatch)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: ChildRun = { committed: [], queued: [], closed: false, code: null, signal: null, stderr: '' };
    let killed = false;
    child.stderr!.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('committed ')) run.committed.push(JSON.parse(line.slice('committed '.length)) as Committed);
      else if (line.startsWith('queued ')) run.queued.push(Number(line.slice('queued '.length)));
      else if (line === 'closed') run.closed = true;
      if (killAfter !== undefined && !killed && run.committed.length >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      run.code = code;
      run.signal = signal;
      resolve(run);
    });
  });
}

async function expectCommitted(store: Store, run: ChildRun): Promise<void> {
  for (const { key, result } of run.committed) {
    const snapshot = await store.getExecution(key);
    expect(snapshot?.dbVersion, `${key.workflowId} lost`).toBe(result.dbVersion);
    expect((await store.readHistory(key, 1, 100, 0)).map((e) => e.eventId)).toEqual([1, 2, 3]);
    expect((await store.getCurrentExecution(key.namespaceId, key.workflowId))!.runId).toBe(key.runId);
  }
  const transferIds = new Set((await store.getTransferTasks(1, 0, 0)).map((t) => t.taskId));
  const timerIds = new Set((await store.getTimerTasks(1, new Date(8.64e15), 0)).map((t) => t.taskId));
  for (const { result } of run.committed) {
    for (const id of result.transferTaskIds) expect(transferIds.has(id)).toBe(true);
    for (const id of result.timerTaskIds) expect(timerIds.has(id)).toBe(true);
  }
  const queueIds = new Set((await store.getTaskQueueTasks('ns-crash', 'crash-queue', 'workflow', 0, 0)).map((t) => t.taskId));
  for (const id of run.queued) expect(queueIds.has(id)).toBe(true);
}

/** Whatever an interrupted writer left must be whole: no execution without its events, tasks and current row. */
function expectNoPartialWrites(filename: string): void {
  const db = new Database(filename, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const executions = db.prepare('SELECT COUNT(*) FROM executions').pluck().get() as number;
    expect(db.prepare('SELECT COUNT(*) FROM current_executions').pluck().get()).toBe(executions);
    expect(db.prepare('SELECT COUNT(*) FROM history_events').pluck().get()).toBe(executions * 3);
    expect(db.prepare('SELECT COUNT(*) FROM transfer_tasks').pluck().get()).toBe(executions);
    expect(db.prepare('SELECT COUNT(*) FROM timer_tasks').pluck().get()).toBe(executions);
  } finally {
    db.close();
  }
}

describe('sqlite file written by another process', () => {
  it('keeps every write a SIGKILLed process had committed', { timeout: 60_000 }, async () => {
    const filename = join(dir, 'killed.db');
    const run = await runChild(filename, 'forever', 4, 400);
    expect(run.signal, run.stderr).toBe('SIGKILL');
    expect(run.committed.length).toBeGreaterThanOrEqual(400);
    // The killed process never checkpointed or removed its WAL.
    expect(existsSync(`${filename}-wal`)).toBe(true);

    expectNoPartialWrites(filename);
    const { store } = openSqliteStore({ filename });
    try {
      await expectCommitted(store, run);
      // The file is fully usable: the next owner fences the dead one out and writes on.
      const lease = await store.acquireShard(1, 'recovered', 60_000);
      const last = run.committed[run.committed.length - 1]!;
      const next = await store.writeExecution({
        shardId: 1,
        rangeId: lease.rangeId,
        key: last.key,
        expectedDbVersion: 1,
        mutableState: (await store.getExecution(last.key))!.mutableState,
        newEvents: [],
        transferTasks: [],
        timerTasks: [],
      });
      expect(next.dbVersion).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('opens a file another process wrote and closed, with all its data', { timeout: 60_000 }, async () => {
    const filename = join(dir, 'closed.db');
    const run = await runChild(filename, 25, 3);
    expect(run.code, run.stderr).toBe(0);
    expect(run.closed).toBe(true);
    expect(run.committed).toHaveLength(75);
    // The closing process was the last connection: it checkpointed everything and removed the WAL.
    expect(existsSync(`${filename}-wal`)).toBe(false);
    expectNoPartialWrites(filename);
    const { store, schema } = openSqliteStore({ filename });
    try {
      expect(schema.from).toBe(schema.to);
      await expectCommitted(store, run);
      expect((await store.getShard(1))!.owner).toMatch(/^child-/);
    } finally {
      await store.close();
    }
  });
});
