import { ApplicationFailure, continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';

const { echo } = proxyActivities<{ echo(text: string): Promise<string> }>({ startToCloseTimeout: '10s' });

/** Runs one activity per run and continues as new until `remaining` is 0; returns what every run saw. */
export async function countdown(remaining: number, seen: string[] = []): Promise<string[]> {
  const info = workflowInfo();
  const here = await echo(`run ${remaining} (${info.continuedFromExecutionRunId ? 'continued' : 'first'})`);
  if (remaining <= 0) return [...seen, here];
  return continueAsNew<typeof countdown>(remaining - 1, [...seen, here]);
}

/** Fails its first two attempts, then returns the attempt that succeeded. */
export async function failTwice(): Promise<number> {
  const attempt = workflowInfo().attempt;
  if (attempt < 3) throw ApplicationFailure.retryable(`attempt ${attempt} fails`, 'Flaky');
  return attempt;
}
