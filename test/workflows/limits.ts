import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';

const { echo } = proxyActivities<{ echo(value: string): Promise<string> }>({ startToCloseTimeout: '10s' });

/** Runs n activities in a row, reporting whether the server suggested continue-as-new along the way. */
export async function manyActivities(n: number): Promise<{ done: number; suggested: boolean }> {
  let suggested = false;
  for (let i = 0; i < n; i++) {
    await echo(`e${i}`);
    suggested ||= workflowInfo().continueAsNewSuggested;
  }
  return { done: n, suggested };
}

/** Starts n activities at once. */
export async function fanOut(n: number): Promise<number> {
  await Promise.all(Array.from({ length: n }, (_, i) => echo(`f${i}`)));
  return n;
}

/** Sends an activity an input of `bytes` bytes. */
export async function bigInput(bytes: number): Promise<string> {
  return await echo('x'.repeat(bytes));
}

/** Runs activities until the history is past the limit, then waits. */
export async function growThenSleep(n: number): Promise<string> {
  for (let i = 0; i < n; i++) await echo(`g${i}`);
  await sleep(60_000);
  return 'woke';
}
