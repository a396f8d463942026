import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/continueAsNew.ts');
const activities = { echo: async (text: string) => text };

function countdownScenario(remaining: number): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-can-${suffix}`;
    const workflowId = `wf-can-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, (client) =>
      client.workflow.execute('countdown', { taskQueue, workflowId, args: [remaining] }),
    );
    return { outcome, workflowIds: [workflowId] };
  };
}

describe('continue-as-new (TypeScript SDK), compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('continues as new run after run, and the client follows the chain to the last result', async () => {
    const run = await servers.compare(countdownScenario(3));
    expect(run.outcome).toEqual(['run 3 (first)', 'run 2 (continued)', 'run 1 (continued)', 'run 0 (continued)']);

    // Every run of the chain, read back from Kairos: linked both ways, one first run id.
    const workflowId = Object.keys(run.histories)[0]!;
    const connection = await Connection.connect({ address: servers.kairos.address });
    try {
      const client = new Client({ connection });
      const runs: Array<{ runId: string; types: string[]; started: any; last: any }> = [];
      for await (const execution of listRuns(client, workflowId)) runs.push(execution);
      expect(runs).toHaveLength(4);
      const firstRunId = runs[0]!.runId;
      runs.forEach((r, i) => {
        expect(r.started.firstExecutionRunId).toBe(firstRunId);
        expect(r.started.originalExecutionRunId).toBe(r.runId);
        expect(r.started.continuedExecutionRunId ?? '').toBe(i === 0 ? '' : runs[i - 1]!.runId);
        if (i < runs.length - 1) {
          expect(r.types.at(-1)).toBe('WorkflowExecutionContinuedAsNew');
          expect(r.last.workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId).toBe(runs[i + 1]!.runId);
        } else {
          expect(r.types.at(-1)).toBe('WorkflowExecutionCompleted');
        }
      });
      const described = await client.workflow.getHandle(workflowId, firstRunId).describe();
      expect(described.status.name).toBe('CONTINUED_AS_NEW');
    } finally {
      await connection.close();
    }
  });
});

describe('workflow retry policies (TypeScript SDK), compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('retries a failed run as a new run of the chain until it succeeds', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const taskQueue = `tq-wf-retry-${suffix}`;
      const workflowId = `wf-retry-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const result = await client.workflow.execute('failTwice', { taskQueue, workflowId, retry: { initialInterval: '1s', backoffCoefficient: 1, maximumAttempts: 5 } });
        // Every run of the chain: its events, its attempt and how it ended (compared across servers).
        const runs = [];
        for await (const r of listRuns(client, workflowId)) {
          runs.push({
            types: r.types,
            attempt: r.started.attempt,
            initiator: r.started.initiator ?? 0,
            retryState: r.last.workflowExecutionFailedEventAttributes?.retryState ?? null,
          });
        }
        return { result, runs };
      });
      return { outcome, workflowIds: [workflowId] };
    });
    expect((run.outcome as { result: number }).result).toBe(3);
    expect((run.outcome as { runs: unknown[] }).runs).toHaveLength(3);
  });
});

/** The runs of a chain in order, from the first: each history's last event names the next run. */
async function* listRuns(client: Client, workflowId: string) {
  const latest = await client.workflow.getHandle(workflowId).fetchHistory();
  let runId: string | undefined = latest.events![0]!.workflowExecutionStartedEventAttributes!.firstExecutionRunId!;
  while (runId) {
    const history: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>> = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events!;
    yield { runId, types: eventTypes(history), started: events[0]!.workflowExecutionStartedEventAttributes!, last: events.at(-1)! };
    const last = events.at(-1)!;
    runId = (last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId || last.workflowExecutionFailedEventAttributes?.newExecutionRunId) ?? undefined;
  }
}
