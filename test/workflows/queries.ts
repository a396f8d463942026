import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

export const countQuery = defineQuery<number>('count');
export const failingQuery = defineQuery<string>('failing');
export const increment = defineSignal<[number]>('increment');
export const finish = defineSignal('finish');

/** Counts the increments signalled until finish; the count can be queried at any time, also after the end. */
export async function counter(): Promise<number> {
  let count = 0;
  let done = false;
  setHandler(countQuery, () => count);
  setHandler(failingQuery, () => {
    throw new Error('this query always fails');
  });
  setHandler(increment, (by) => void (count += by));
  setHandler(finish, () => void (done = true));
  await condition(() => done);
  return count;
}

/** Completes at once with its argument doubled. */
export async function double(n: number): Promise<number> {
  return n * 2;
}
