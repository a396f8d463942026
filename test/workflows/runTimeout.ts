import { sleep } from '@temporalio/workflow';

export async function sleepsPastRunTimeout(): Promise<string> {
  await sleep(30_000);
  return 'not reached';
}
