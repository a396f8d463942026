import { proxyActivities, sleep } from '@temporalio/workflow';

/** A timer and an activity, each with a summary (user metadata on their events). */
export async function summarised(): Promise<string> {
  const { cleanup } = proxyActivities<{ cleanup(reason: string): Promise<string> }>({ startToCloseTimeout: '10s', summary: 'tidy up' });
  await sleep(10, { summary: 'short nap' });
  return cleanup('a nap');
}
