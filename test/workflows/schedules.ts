import { ApplicationFailure, sleep, workflowInfo } from '@temporalio/workflow';

/** Returns its input and what the scheduled run was told (search attributes, last result). */
export async function scheduledEcho(input: string): Promise<{ input: string; scheduledById: unknown; lastResult: unknown }> {
  const info = workflowInfo();
  return { input, scheduledById: info.searchAttributes?.TemporalScheduledById?.[0] ?? null, lastResult: info.lastResult ?? null };
}

/** Runs for `ms`, so a schedule's next actions overlap it. */
export async function scheduledSleep(ms: number): Promise<string> {
  await sleep(ms);
  return 'slept';
}

/** Fails at once (pause on failure). */
export async function scheduledFail(): Promise<never> {
  throw ApplicationFailure.nonRetryable('scheduled failure', 'Boom');
}
