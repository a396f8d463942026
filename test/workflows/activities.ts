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
