import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';

const { blob } = proxyActivities<{ blob(size: number): Promise<string> }>({ startToCloseTimeout: '30 seconds' });

export const totalQuery = defineQuery<number>('total');

/** Runs `count` activities that each return a `size`-character string; returns their total length. */
export async function largePayloads(count: number, size: number): Promise<number> {
  let total = 0;
  setHandler(totalQuery, () => total);
  for (let i = 0; i < count; i++) total += (await blob(size)).length;
  return total;
}
