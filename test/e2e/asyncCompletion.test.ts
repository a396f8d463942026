import { activityInfo, CompleteAsyncError } from '@temporalio/activity';
import { ActivityNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/asyncCompletion.ts');

/** The activity hands its identity to the test and returns without a result; the test completes it. */
const asyncScenario: Scenario = async (address, { suffix }) => {
  const taskQueue = `async-${suffix}`;
  const workflowId = `async-wf-${suffix}`;
  const pending: Array<{ label: string; taskToken: Uint8Array; activityId: string }> = [];
  const activities = {
    async completeLater(label: string): Promise<string> {
      const info = activityInfo();
      pending.push({ label, taskToken: info.taskToken, activityId: info.activityId });
      throw new CompleteAsyncError();
    },
  };
  const staleErrors: string[] = [];
  const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
    const handle = await client.workflow.start('asyncCompletion', { taskQueue, workflowId });
    const next = async () => {
      while (pending.length === 0) await new Promise((r) => setTimeout(r, 50));
      return pending.shift()!;
    };
    const first = await next();
    await client.activity.heartbeat(first.taskToken, 'beat by token');
    await client.activity.complete(first.taskToken, `${first.label} done`);
    // A finished activity's token is refused with NOT_FOUND.
    await client.activity.complete(first.taskToken, 'again').catch((err) => staleErrors.push(err instanceof ActivityNotFoundError ? 'ActivityNotFoundError' : String(err)));
    const second = await next();
    await client.activity.heartbeat({ workflowId, activityId: second.activityId }, 'beat by id');
    await client.activity.complete({ workflowId, activityId: second.activityId }, `${second.label} done`);
    const third = await next();
    await client.activity.fail({ workflowId, activityId: third.activityId }, ApplicationFailure.nonRetryable('told to fail', 'Told'));
    return handle.result();
  });
  return { outcome: { result: outcome, staleErrors }, workflowIds: [workflowId] };
};

describe('async activity completion', () => {
  const servers = useOracleServers();

  it('completes by token and by id, fails by id, refuses a stale token, like Temporal', async () => {
    const { outcome } = await servers.compare(asyncScenario);
    expect(outcome).toEqual({ result: ['by-token done', 'by-id done', 'failed: told to fail'], staleErrors: ['ActivityNotFoundError'] });
  });
});
