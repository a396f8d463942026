import { Context, heartbeat, activityInfo, CancelledFailure } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/** Activities whose behaviour the activity-execution suites assert; state is per test process. */
export function behaviourActivities() {
  const failures = new Map<string, number>();
  return {
    async failTimes(key: string, times: number): Promise<string> {
      const failed = failures.get(key) ?? 0;
      if (failed < times) {
        failures.set(key, failed + 1);
        throw ApplicationFailure.create({ message: `failure ${failed + 1}`, type: 'Flaky' });
      }
      return `succeeded on attempt ${activityInfo().attempt}`;
    },
    async failNonRetryable(message: string): Promise<string> {
      throw ApplicationFailure.nonRetryable(message, 'Fatal');
    },
    async sleepMs(ms: number): Promise<string> {
      await Context.current().sleep(ms).catch(() => undefined);
      return `slept ${ms}`;
    },
    async failAfterMs(ms: number): Promise<string> {
      await Context.current().sleep(ms);
      throw ApplicationFailure.create({ message: `failed after ${ms} ms on attempt ${activityInfo().attempt}`, type: 'Slow' });
    },
    async heartbeatThenStall(details: string): Promise<string> {
      heartbeat(details);
      await Context.current().sleep(10_000).catch(() => undefined);
      return 'stalled';
    },
    async resumeFromHeartbeat(key: string): Promise<string> {
      const info = activityInfo();
      if (info.attempt === 1) {
        heartbeat(`${key}:checkpoint`);
        await Context.current().sleep(300); // let the heartbeat reach the server
        throw ApplicationFailure.create({ message: 'crash after checkpoint', type: 'Crash' });
      }
      return `resumed from ${String(info.heartbeatDetails)}`;
    },
    async waitForCancel(): Promise<string> {
      const ctx = Context.current();
      for (;;) {
        heartbeat();
        try {
          await ctx.sleep(200);
        } catch (err) {
          if (err instanceof CancelledFailure) throw err;
          throw err;
        }
      }
    },
  };
}
