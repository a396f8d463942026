// The benchmark workflows, bundled by the worker (not compiled with the rest of bench/).
import { proxyActivities, sleep } from '@temporalio/workflow';

const { echo } = proxyActivities<{ echo(value: string): Promise<string> }>({ startToCloseTimeout: '30s' });

/** A: one activity, one argument (the seed's shape). */
export async function oneActivity(name: string): Promise<string> {
  return await echo(name);
}

/** B: ten activities one after another. */
export async function tenSequential(name: string): Promise<number> {
  for (let i = 0; i < 10; i++) await echo(`${name}-${i}`);
  return 10;
}

/** C: one workflow fanning out n activities. */
export async function fanOut(n: number): Promise<number> {
  return (await Promise.all(Array.from({ length: n }, (_, i) => echo(`f${i}`)))).length;
}

/** D: sleep one second (the timer's lateness is read from the history). */
export async function sleepOneSecond(): Promise<string> {
  await sleep(1_000);
  return 'woke';
}

const { report } = proxyActivities<{ report(value: string): Promise<string> }>({ startToCloseTimeout: '30s' });

/** Open workflows (memory): one activity that tells the harness it ran, then a timer of a day. */
export async function openAfterActivity(name: string): Promise<string> {
  await report(name);
  await sleep('1 day');
  return name;
}
