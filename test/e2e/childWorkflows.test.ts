import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/children.ts');
const activities = { echo: async (text: string) => text };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `type` with `args`; its history and its children's (ids `<id>-child…`) are compared. */
function scenario(name: string, type: string, args: unknown[], childIds: string[], after?: (client: Client, workflowId: string) => Promise<unknown>): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-${name}-${suffix}`;
    const workflowId = `wf-${name}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
      const result = await client.workflow.execute(type, { taskQueue, workflowId, args });
      return after ? { result, after: await after(client, workflowId) } : result;
    });
    return { outcome, workflowIds: [workflowId, ...childIds.map((c) => `${workflowId}${c}`)] };
  };
}

describe('child workflows (TypeScript SDK), compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('runs children one after the other and returns their results', async () => {
    const run = await servers.compare(scenario('children', 'parentOfTwo', [], ['-child-1', '-child-2']));
    expect(run.outcome).toEqual(['hello first from a child', 'hello second from a child']);
  });

  it('a child retried by its retry policy reports only its last attempt to the parent', async () => {
    const run = await servers.compare(scenario('child-retry', 'parentOfFlakyChild', [], ['-child']));
    expect(run.outcome).toBe('succeeded on attempt 2');
  });

  it('reports a failed child to its parent as a ChildWorkflowFailure', async () => {
    const run = await servers.compare(scenario('child-fails', 'parentOfFailingChild', [], ['-child']));
    expect(run.outcome).toEqual({ message: 'Child Workflow execution failed', cause: 'child gave up' });
  });

  for (const policy of ['TERMINATE', 'ABANDON', 'REQUEST_CANCEL'] as const) {
    it(`applies parent close policy ${policy} when the parent completes`, async () => {
      const run = await servers.compare(
        scenario(`close-${policy.toLowerCase()}`, 'parentThatLeaves', [policy], ['-child'], async (client, workflowId) => {
          await sleep(1_500);
          return (await client.workflow.getHandle(`${workflowId}-child`).describe()).status.name;
        }),
      );
      expect((run.outcome as { after: string }).after).toBe({ TERMINATE: 'TERMINATED', ABANDON: 'RUNNING', REQUEST_CANCEL: 'CANCELLED' }[policy]);
    });
  }
  it('cancels a child through RequestCancelExternalWorkflowExecution', async () => {
    const run = await servers.compare(scenario('cancel-child', 'parentCancelsChild', [], ['-child']));
    expect(run.outcome).toBe('child cancelled');
  });

  it('signals another workflow (SignalExternalWorkflowExecution) and reports a missing one', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const taskQueue = `tq-signal-external-${suffix}`;
      const targetId = `wf-signal-target-${suffix}`;
      const senderId = `wf-signal-sender-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const target = await client.workflow.start('signalTarget', { taskQueue, workflowId: targetId });
        await sleep(500);
        const sent = await client.workflow.execute('signalSender', { taskQueue, workflowId: senderId, args: [targetId] });
        return { sent, received: await target.result() };
      });
      return { outcome, workflowIds: [targetId, senderId] };
    });
    expect(run.outcome).toEqual({ sent: ['delivered', 'failed: ApplicationFailure'], received: 'from another workflow' });
  });
});

void Connection;
