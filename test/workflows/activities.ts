import { proxyActivities } from '@temporalio/workflow';

export interface GreetingActivities {
  greet(name: string): Promise<string>;
  compose(greeting: string, name: string, punctuation: string): Promise<string>;
}

const { greet, compose } = proxyActivities<GreetingActivities>({ startToCloseTimeout: '10s' });

/** One activity, one argument. */
export async function greetOne(name: string): Promise<string> {
  return await greet(name);
}

/** One activity, several arguments. */
export async function greetSeveral(greeting: string, name: string, punctuation: string): Promise<string> {
  return await compose(greeting, name, punctuation);
}

const { greet: greetFromQueue } = proxyActivities<GreetingActivities>({ startToCloseTimeout: '10s', allowEagerDispatch: false });

/** One activity that always goes through the task queue (never eagerly to the completing worker). */
export async function greetThroughQueue(name: string): Promise<string> {
  return await greetFromQueue(name);
}
