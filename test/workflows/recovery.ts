import { proxyActivities, sleep } from '@temporalio/workflow';

const { step } = proxyActivities<{ step(label: string): Promise<string> }>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms' },
});

/** One activity, a pause during which the test replaces the worker, then another activity. */
export async function survivesWorkerRestart(): Promise<string> {
  const first = await step('one');
  await sleep(2_000);
  const second = await step('two');
  return `${first},${second}`;
}

/** n activities one after another: a history of about 6n events. */
export async function sequentialActivities(n: number): Promise<number> {
  let done = 0;
  for (let i = 0; i < n; i++) {
    await step(`s${i}`);
    done++;
  }
  return done;
}

/** n activities at once. */
export async function concurrentActivities(n: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: n }, (_, i) => step(`c${i}`)));
  return results.length;
}
