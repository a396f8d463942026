import { proxyActivities, sleep } from '@temporalio/workflow';

const { flaky } = proxyActivities<{ flaky(key: string): Promise<string> }>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '2s', maximumAttempts: 3 },
});

/** A user timer, then an activity whose retry back-off is a server timer too. */
export async function timersAcrossCrash(key: string): Promise<string> {
  await sleep(2_000);
  return await flaky(key);
}
