import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/signals.ts');
const activities = { cleanup: async (reason: string) => `cleaned up after ${reason}` };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `collect` twice under one workflow id with the given policies; reports what became of the first run. */
function replaceScenario(name: string, options: { conflict?: 'TERMINATE_EXISTING'; reuse?: 'TERMINATE_IF_RUNNING'; signalWithStart?: boolean }): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-${name}-${suffix}`;
    const workflowId = `wf-${name}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
      const first = await client.workflow.start('collect', { taskQueue, workflowId });
      await sleep(500);
      const policies = {
        ...(options.conflict ? { workflowIdConflictPolicy: options.conflict } : {}),
        ...(options.reuse ? { workflowIdReusePolicy: options.reuse } : {}),
      };
      const second = options.signalWithStart
        ? await client.workflow.signalWithStart('collect', { taskQueue, workflowId, signal: 'addItem', signalArgs: ['signalled'], ...policies })
        : await client.workflow.start('collect', { taskQueue, workflowId, ...policies });
      // A signal-with-start handle names the run it signalled instead of a first execution run id.
      const secondRunId = 'signaledRunId' in second ? second.signaledRunId : second.firstExecutionRunId;
      await sleep(500);
      const firstHistory = await client.workflow.getHandle(workflowId, first.firstExecutionRunId).fetchHistory();
      const last = firstHistory.events!.at(-1)!;
      const described = await client.workflow.getHandle(workflowId).describe();
      await second.signal('finish');
      return {
        newRun: secondRunId !== first.firstExecutionRunId,
        firstRunEnded: temporal.api.enums.v1.EventType[last.eventType!],
        reason: last.workflowExecutionTerminatedEventAttributes?.reason,
        currentIsNew: described.runId === secondRunId,
        result: await second.result(),
      };
    });
    return { outcome, workflowIds: [workflowId] };
  };
}

describe('workflow id conflict and reuse policies that replace a running run', () => {
  const servers = useOracleServers();

  it('TERMINATE_EXISTING terminates the running run and starts the new one', async () => {
    const run = await servers.compare(replaceScenario('terminate-existing', { conflict: 'TERMINATE_EXISTING' }));
    expect(run.outcome).toMatchObject({ newRun: true, firstRunEnded: 'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED', currentIsNew: true, result: [] });
  });

  it('TERMINATE_IF_RUNNING (reuse policy) does the same', async () => {
    const run = await servers.compare(replaceScenario('terminate-if-running', { reuse: 'TERMINATE_IF_RUNNING' }));
    expect(run.outcome).toMatchObject({ newRun: true, firstRunEnded: 'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED', currentIsNew: true, result: [] });
  });
  it('signal-with-start with TERMINATE_EXISTING terminates the running run and starts a new one holding the signal', async () => {
    const run = await servers.compare(replaceScenario('swc-terminate-existing', { conflict: 'TERMINATE_EXISTING', signalWithStart: true }));
    expect(run.outcome).toMatchObject({ newRun: true, firstRunEnded: 'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED', currentIsNew: true, result: ['signalled'] });
  });
});
