import { proxyActivities } from '@temporalio/workflow';

export interface PauseActivities {
  step(workflowNumber: number, step: number): Promise<number>;
}

// Far shorter than the server's pauses in the test: a completion applied after its timeout fired
// would show up as a second attempt.
const { step } = proxyActivities<PauseActivities>({ startToCloseTimeout: '5s' });

/** `steps` activities one after another; returns how many ran. */
export async function manySteps(workflowNumber: number, steps: number): Promise<number> {
  let done = 0;
  for (let i = 1; i <= steps; i++) done += await step(workflowNumber, i);
  return done;
}
