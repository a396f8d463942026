import { afterEach } from 'vitest';
import type { TaskQueueKind, TaskQueueStore } from '../../src/store';

export interface Closable {
  close(): Promise<void>;
}

/**
 * How a conformance suite gets stores of a backend. A suite asks only for the concerns it tests
 * (S), so any Store fits; each store is new, on a new, empty database (schema applied).
 */
export interface StoreHarness<S extends Closable> {
  open(): Promise<S>;
  /**
   * Opens another store on the database `closed` used, after `closed.close()` resolved. Omit it
   * when the database does not outlive its store (in-memory): the durability tests are skipped.
   */
  reopen?(closed: S): Promise<S>;
}

/**
 * The stores of one describe block's tests: every store opened (or reopened) is closed after its
 * test. Call it at the top of the describe block.
 */
export function useStores<S extends Closable>(harness: StoreHarness<S>) {
  const opened: S[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close().catch(() => undefined);
  });
  const track = (store: S): S => {
    opened.push(store);
    return store;
  };
  return {
    open: async (): Promise<S> => track(await harness.open()),
    /** Closes `store` and opens the database again (harness.reopen is required). */
    reopen: async (store: S): Promise<S> => {
      await store.close();
      return track(await harness.reopen!(store));
    },
    /** Opens the database of `store`, which the test closed itself. */
    reopenClosed: async (store: S): Promise<S> => track(await harness.reopen!(store)),
  };
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

export const asJson = <T>(type: { toJSON(m: T): unknown }, values: T[]) => values.map((v) => type.toJSON(v));

/** Backlog writes need the queue's fencing number: each store acquires a queue once, on first use. */
export function queueRanges() {
  const ranges = new WeakMap<TaskQueueStore, Map<string, Promise<number>>>();
  return function queueRange(store: TaskQueueStore, namespaceId: string, taskQueue: string, kind: TaskQueueKind): Promise<number> {
    let byQueue = ranges.get(store);
    if (!byQueue) ranges.set(store, (byQueue = new Map()));
    const key = `${namespaceId}/${taskQueue}/${kind}`;
    let range = byQueue.get(key);
    if (!range) byQueue.set(key, (range = store.acquireTaskQueue(namespaceId, taskQueue, kind, 'matching-a')));
    return range;
  };
}
