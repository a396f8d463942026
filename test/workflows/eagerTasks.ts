import { proxyLocalActivities, sleep, workflowInfo } from '@temporalio/workflow';

interface LocalActivities {
  slowLocal(ms: number): Promise<string>;
}

const { slowLocal } = proxyLocalActivities<LocalActivities>({ startToCloseTimeout: '30s' });

/**
 * A local activity that outlasts the workflow task timeout: the worker keeps the task alive by
 * completing it with force_create_new_workflow_task and asks for the next one in the answer.
 */
export async function longLocalActivity(ms: number): Promise<string> {
  return await slowLocal(ms);
}

/** Whether the server suggests continue-as-new once the history has a few events (a timer adds some). */
export async function suggestedContinueAsNew(): Promise<boolean> {
  await sleep(10);
  await sleep(10);
  return workflowInfo().continueAsNewSuggested;
}
