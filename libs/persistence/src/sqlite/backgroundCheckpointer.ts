import { setTimeout } from 'timers';
import { Worker } from 'worker_threads';
import type { Logger } from '@kairos/common/logger';
import { setting } from '@kairos/common/settings';

/**
 * Runs WAL checkpoints (copying committed pages from the -wal file into the database file, with
 * the fsync of the database file) on a worker thread with its own connection, so the event loop
 * never stalls on them. Without it SQLite checkpoints inline, in the commit that crosses
 * wal_autocheckpoint: on a 2-core VM that made one write in ~100 take 10-20 ms and cost ~30% of
 * throughput. The store's own connection keeps a higher wal_autocheckpoint as a fallback, so the
 * WAL stays bounded if this thread falls behind or fails.
 *
 * PASSIVE checkpoints never block writers or readers and never wait on locks.
 */
export class BackgroundCheckpointer {
  private stopped = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    logger: Logger | undefined,
  ) {
    worker.unref();
    // One line when checkpoints start failing (a full disk, a held lock) and one when they work
    // again, not one per attempt.
    worker.on('message', (message: { error?: string; recovered?: boolean }) => {
      if (message.error) logger?.warn('background WAL checkpoint failed; SQLite falls back to inline checkpoints', { error: message.error });
      if (message.recovered) logger?.info('background WAL checkpoints work again');
    });
    this.exited = new Promise((resolve) => {
      worker.once('exit', () => resolve());
      worker.once('error', (err) => {
        logger?.warn('background WAL checkpointer stopped; SQLite falls back to inline checkpoints', { error: String(err) });
        resolve();
      });
    });
  }

  static start(filename: string, intervalMs: number, logger?: Logger): BackgroundCheckpointer {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { filename, intervalMs, driver: require.resolve('better-sqlite3') },
    });
    return new BackgroundCheckpointer(worker, logger);
  }

  /** Stops the thread and closes its connection (the store's connection then is the last one). */
  async stop(): Promise<void> {
    if (this.stopped) return this.exited;
    this.stopped = true;
    // Keep the process alive until the thread has exited, or `await store.close()` would never return
    // in a process with nothing else to do.
    this.worker.ref();
    this.worker.postMessage('stop');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), setting('store.sqliteCheckpointerStopTimeout')).unref());
    if ((await Promise.race([this.exited, timeout])) === 'timeout') await this.worker.terminate();
  }
}

// Plain JavaScript run by the worker (eval: works the same from TypeScript sources and from dist/).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
let reported = false;
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    if (reported) parentPort.postMessage({ recovered: true });
    reported = false;
  } catch (err) {
    if (!reported) parentPort.postMessage({ error: String(err) });
    reported = true;
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;
