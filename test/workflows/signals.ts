import {
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';

export const addItem = defineSignal<[string]>('addItem');
export const finish = defineSignal('finish');

interface CleanupActivities {
  cleanup(reason: string): Promise<string>;
}
const { cleanup } = proxyActivities<CleanupActivities>({ startToCloseTimeout: '10s' });

/** Collects the items signalled until the finish signal, then returns them in arrival order. */
export async function collect(): Promise<string[]> {
  const items: string[] = [];
  let done = false;
  setHandler(addItem, (item) => void items.push(item));
  setHandler(finish, () => void (done = true));
  await condition(() => done);
  return items;
}

/** Sleeps a day; cancelled, it lets the cancellation end the run (WorkflowExecutionCanceled). */
export async function sleepUntilCancelled(): Promise<string> {
  await sleep('1 day');
  return 'woke up';
}

/** Sleeps a day; cancelled, it runs a clean-up activity that cannot be cancelled and completes normally. */
export async function cleanUpOnCancel(): Promise<string> {
  try {
    await sleep('1 day');
    return 'woke up';
  } catch (err) {
    if (!isCancellation(err)) throw err;
    return await CancellationScope.nonCancellable(() => cleanup('cancelled'));
  }
}
