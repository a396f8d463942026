import { condition, continueAsNew, defineSignal, defineUpdate, proxyActivities, setHandler, sleep, startChild, workflowInfo } from '@temporalio/workflow';

export const addItem = defineSignal<[string]>('addItem');
export const finish = defineSignal('finish');
export const addItemUpdate = defineUpdate<number, [string]>('addItemUpdate');

/**
 * Collects the items signalled (or added by update) until the finish signal; each signal is its
 * own workflow task, so a history has several WorkflowTaskCompleted to reset to.
 */
export async function collectItems(): Promise<string[]> {
  const items: string[] = [];
  let done = false;
  setHandler(addItem, (item) => void items.push(item));
  setHandler(addItemUpdate, (item) => items.push(item));
  setHandler(finish, () => void (done = true));
  await condition(() => done);
  return items;
}

const { neverPolled } = proxyActivities<{ neverPolled(): Promise<string> }>({
  taskQueue: 'reset-no-worker',
  scheduleToCloseTimeout: '1 day',
});

/**
 * Leaves an activity (on a queue nobody polls) and a day-long timer pending, then collects
 * signals until finish: a reset after its first task finds both still pending.
 */
export async function pendingWork(): Promise<string[]> {
  const items: string[] = [];
  let done = false;
  setHandler(addItem, (item) => void items.push(item));
  setHandler(finish, () => void (done = true));
  void neverPolled().catch(() => undefined);
  void sleep('1 day').catch(() => undefined);
  await condition(() => done);
  return items;
}

/** Continues as new `times` times, then collects signals until finish. */
export async function continueThenCollect(times: number): Promise<string[]> {
  if (times > 0) return continueAsNew<typeof continueThenCollect>(times - 1);
  return collectItems();
}

/** Waits for the finish signal, then returns. */
export async function childWaits(): Promise<string> {
  let done = false;
  setHandler(finish, () => void (done = true));
  await condition(() => done);
  return 'child done';
}

/** Starts childWaits (id `<own id>-child`), collects signals meanwhile, and returns them with the child's result. */
export async function parentOfWaitingChild(): Promise<string[]> {
  const items: string[] = [];
  setHandler(addItem, (item) => void items.push(item));
  const child = await startChild(childWaits, { workflowId: `${workflowInfo().workflowId}-child` });
  const result = await child.result();
  return [...items, result];
}
