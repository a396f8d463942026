import { proxyActivities } from '@temporalio/workflow';

const { waitForGate } = proxyActivities<{ waitForGate(label: string): Promise<string> }>({
  startToCloseTimeout: '2 minutes',
});

/** Runs one activity that blocks until the test opens its gate. */
export async function gatedActivity(label: string): Promise<string> {
  return await waitForGate(label);
}
