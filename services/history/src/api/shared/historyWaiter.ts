import type { HistoryChanges } from '../../shard/historyChanges';

interface Waiter {
  wake: () => void;
  /** Woken only when the run closes (a wait for the close event). */
  closeOnly: boolean;
}

/**
 * Lets long polls (GetWorkflowExecutionHistory with wait_new_event) sleep until their execution
 * changes. A waiter re-reads the store when woken, so a missed wake costs at most the poll's
 * timeout, never correctness.
 *
 * Changes come from this history instance's own execution manager (in-process): only the shard's
 * owner writes its executions, and long polls are routed to it, as Temporal's per-host events
 * notifier. When a shard leaves this instance, `wakeAll` lets its waiters find out and send their
 * callers to the new owner. A wait for the close event (a client's `result()`) is woken by the
 * close only, not by every workflow task and activity on the way.
 */
export class HistoryWaiter implements HistoryChanges {
  private readonly waiters = new Map<string, Set<Waiter>>();

  changed(key: string, closed: boolean): void {
    const set = this.waiters.get(key);
    if (!set) return;
    for (const waiter of set) {
      if (closed || !waiter.closeOnly) {
        set.delete(waiter);
        waiter.wake();
      }
    }
    if (set.size === 0) this.waiters.delete(key);
  }

  /** Resolves when `key` changes (closes, with `closeOnly`), `timeoutMs` passes or `signal` aborts. */
  wait(key: string, timeoutMs: number, signal?: AbortSignal, closeOnly = false): { promise: Promise<void>; cancel: () => void } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const timer = setTimeout(() => finish(), timeoutMs);
    const onAbort = () => finish();
    const waiter: Waiter = { wake: () => finish(), closeOnly };
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const set = this.waiters.get(key);
      // An emptied set goes too: one left behind per finished run would grow without bound.
      if (set?.delete(waiter) && set.size === 0) this.waiters.delete(key);
      resolve();
    };
    signal?.addEventListener('abort', onAbort);
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    set.add(waiter);
    return { promise, cancel: finish };
  }

  /** Wakes every waiter (they read again and decide for themselves). */
  wakeAll(): void {
    const sets = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of sets) for (const waiter of set) waiter.wake();
  }

  /** Keys with at least one waiter. */
  get waitingKeys(): number {
    return this.waiters.size;
  }

  close(): void {
    this.wakeAll();
  }
}
