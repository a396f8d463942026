import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';

const { greet } = proxyActivities<{ greet(name: string): Promise<string> }>({ startToCloseTimeout: '10s' });

/** Completes with the activity's greeting: the UI shows it as the result. */
export async function greetForUi(name: string): Promise<string> {
  return await greet(name);
}

/** Fails at once with `reason`: the UI shows it as the failure message. */
export async function failForUi(reason: string): Promise<never> {
  throw ApplicationFailure.nonRetryable(reason, 'UiCheckFailure');
}
