import { describe, expect, it } from 'vitest';
import { InProcessNotifier } from '@kairos/notify';
import { HistoryWaiter } from './historyWaiter';

describe('HistoryWaiter', () => {
  it('wakes the waiters of a key when it changes, and forgets the key', async () => {
    const notifier = new InProcessNotifier({});
    const waiter = new HistoryWaiter(notifier);
    const a = waiter.wait('ns/wf/run', 60_000);
    const b = waiter.wait('ns/wf/run', 60_000);
    expect(waiter.waitingKeys).toBe(1);
    notifier.publish('history-changed', 'ns/wf/run');
    await Promise.all([a.promise, b.promise]);
    expect(waiter.waitingKeys).toBe(0);
  });

  it('forgets a key whose waiters all ended by timeout, abort or cancel', async () => {
    const waiter = new HistoryWaiter(new InProcessNotifier({}));
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
    const waiter = new HistoryWaiter(new InProcessNotifier({}));
    const a = waiter.wait('ns/a/run', 60_000);
    const b = waiter.wait('ns/b/run', 60_000);
    expect(waiter.waitingKeys).toBe(2);
    waiter.wakeAll();
    await Promise.all([a.promise, b.promise]);
    expect(waiter.waitingKeys).toBe(0);
  });
});
