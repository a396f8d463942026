import type { Notifier } from '@kairos/notify/notifier';

/**
 * Lets long polls (GetWorkflowExecutionHistory with wait_new_event) sleep until their execution
 * changes. One notifier subscription serves every waiter; a waiter re-reads the store when woken,
 * so a missed notification costs at most the poll's timeout, never correctness.
 *
 * The notifier is the history instance's own (in-process): only the shard's owner writes its
 * executions, and long polls are routed to it, as Temporal's per-host events notifier. When a
 * shard leaves this instance, `wakeAll` lets its waiters find out and send their callers to the
 * new owner.
 */
export class HistoryWaiter {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(notifier: Notifier) {
    this.unsubscribe = notifier.subscribe('history-changed', (key) => {
      const set = this.waiters.get(key);
      if (!set) return;
      this.waiters.delete(key);
      for (const wake of set) wake();
    });
  }

  /** Resolves when `key` changes, `timeoutMs` passes or `signal` aborts. */
  wait(key: string, timeoutMs: number, signal?: AbortSignal): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(() => finish(), timeoutMs);
    const onAbort = () => finish();
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      const set = this.waiters.get(key);
      // An emptied set goes too: one left behind per finished run would grow without bound.
      if (set?.delete(finish) && set.size === 0) this.waiters.delete(key);
      wake();
    };
    signal?.addEventListener('abort', onAbort);
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    set.add(finish);
    return { promise, cancel: finish };
  }

  /** Wakes every waiter (they read again and decide for themselves). */
  wakeAll(): void {
    const sets = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of sets) for (const wake of set) wake();
  }

  /** Keys with at least one waiter. */
  get waitingKeys(): number {
    return this.waiters.size;
  }

  close(): void {
    this.unsubscribe();
    for (const set of this.waiters.values()) for (const wake of set) wake();
    this.waiters.clear();
  }
}
