import { proxyActivities } from '@temporalio/workflow';

export interface ChaosActivities {
  step(workflowNumber: number, step: number): Promise<string>;
}

// Short enough that a task lost with a killed instance is retried soon.
const { step } = proxyActivities<ChaosActivities>({ startToCloseTimeout: '5s' });

/** Three activities in sequence; the result carries each one's output, so none can go missing unnoticed. */
export async function threeSteps(workflowNumber: number): Promise<string[]> {
  const outputs: string[] = [];
  for (let i = 1; i <= 3; i++) outputs.push(await step(workflowNumber, i));
  return outputs;
}
