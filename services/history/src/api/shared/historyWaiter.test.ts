import { describe, expect, it } from 'vitest';
import { HistoryWaiter } from './historyWaiter';

const settled = async (promise: Promise<void>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('HistoryWaiter', () => {
  it('wakes the waiters of a key when it changes, and forgets the key', async () => {
    const waiter = new HistoryWaiter();
    const a = waiter.wait('ns/wf/run', 60_000);
    const b = waiter.wait('ns/wf/run', 60_000);
    const other = waiter.wait('ns/wf/other', 60_000);
    expect(waiter.waitingKeys).toBe(2);
    waiter.changed('ns/wf/run', false);
    await Promise.all([a.promise, b.promise]);
    expect(await settled(other.promise)).toBe(false);
    expect(waiter.waitingKeys).toBe(1);
    other.cancel();
    expect(waiter.waitingKeys).toBe(0);
  });

  it('wakes a wait for the close event only when the run closes', async () => {
    const waiter = new HistoryWaiter();
    const close = waiter.wait('ns/wf/run', 60_000, undefined, true);
    const any = waiter.wait('ns/wf/run', 60_000);
    waiter.changed('ns/wf/run', false);
    await any.promise;
    expect(await settled(close.promise)).toBe(false);
    expect(waiter.waitingKeys).toBe(1);
    waiter.changed('ns/wf/run', true);
    await close.promise;
    expect(waiter.waitingKeys).toBe(0);
  });

  it('forgets a key whose waiters all ended by timeout, abort or cancel', async () => {
    const waiter = new HistoryWaiter();
    const timedOut = waiter.wait('k1', 1);
    const controller = new AbortController();
    const aborted = waiter.wait('k2', 60_000, controller.signal);
    const cancelled = waiter.wait('k2', 60_000);
    controller.abort();
    cancelled.cancel();
    await Promise.all([timedOut.promise, aborted.promise, cancelled.promise]);
    expect(waiter.waitingKeys).toBe(0);
  });

  it('wakes every waiter of every key on wakeAll, and forgets them', async () => {
    const waiter = new HistoryWaiter();
    const a = waiter.wait('ns/a/run', 60_000);
    const b = waiter.wait('ns/b/run', 60_000, undefined, true);
    expect(waiter.waitingKeys).toBe(2);
    waiter.wakeAll();
    await Promise.all([a.promise, b.promise]);
    expect(waiter.waitingKeys).toBe(0);
  });
});
