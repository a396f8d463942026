import { ApplicationFailure, condition, defineSignal, setHandler, sleep, workflowInfo } from '@temporalio/workflow';

export const release = defineSignal('release');

/** A cron run: counts runs through the last completed run's result. */
export async function cronCounter(): Promise<number> {
  const previous = (workflowInfo().lastResult as number | undefined) ?? 0;
  return previous + 1;
}

/** Sleeps far past any run timeout the tests give it. */
export async function sleepsForever(): Promise<string> {
  await sleep('1 day');
  return 'not reached';
}

/** Waits for the release signal and says on which attempt it was released. */
export async function waitsForRelease(): Promise<string> {
  let released = false;
  setHandler(release, () => void (released = true));
  await condition(() => released);
  return `released on attempt ${workflowInfo().attempt}`;
}

/** Fails every attempt. */
export async function alwaysFails(): Promise<never> {
  throw ApplicationFailure.create({ message: `attempt ${workflowInfo().attempt} failed`, type: 'Flaky' });
}
