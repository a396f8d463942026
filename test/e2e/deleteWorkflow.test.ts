import { Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { waitForEvents, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/signals.ts');
const activities = { cleanup: async (reason: string) => `cleaned up after ${reason}` };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface GrpcError {
  code: number;
  details: string;
}

/** A call's outcome as the oracle compares it: "OK" or its code and message (given ids masked). */
async function shape(call: Promise<unknown>, masks: Record<string, string> = {}): Promise<unknown> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    let details = (err as GrpcError).details;
    for (const [text, mask] of Object.entries(masks)) details = details.split(text).join(mask);
    return { code: (err as GrpcError).code, details };
  }
}

/**
 * Temporal deletes in a background task after answering (Kairos before answering; the dev server
 * took about 30 s for a closed run, at once for a running one): waits until Describe of the run
 * answers NOT_FOUND and List no longer shows it. Bounded, so a run never deleted fails the test
 * on what is read after it.
 */
async function untilGone(connection: Pick<Connection, 'workflowService'>, workflowId: string, runId: string): Promise<void> {
  const service = connection.workflowService;
  for (let i = 0; i < 1200; i++) {
    const described = await shape(service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId, runId } }));
    const listed = await service.listWorkflowExecutions({ namespace: 'default', query: `WorkflowId = '${workflowId}'` });
    if (described !== 'OK' && listed.executions.length === 0) return;
    await sleep(50);
  }
}

/** What a client sees of a deleted run: Describe, history (by run and by workflow id), List and Count. */
async function afterDeletion(connection: Pick<Connection, 'workflowService'>, workflowId: string, runId: string) {
  const service = connection.workflowService;
  const masks = { [runId]: '<run-id>', [workflowId]: '<workflow-id>' };
  return {
    describe: await shape(service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId, runId } }), masks),
    describeCurrent: await shape(service.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } }), masks),
    history: await shape(service.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId, runId } }), masks),
    historyCurrent: await shape(service.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } }), masks),
    listed: (await service.listWorkflowExecutions({ namespace: 'default', query: `WorkflowId = '${workflowId}'` })).executions.length,
    counted: Number((await service.countWorkflowExecutions({ namespace: 'default', query: `WorkflowId = '${workflowId}'` })).count),
  };
}

describe('DeleteWorkflowExecution', () => {
  const servers = useOracleServers();

  it('deletes a completed run and a running one (terminated first); the workflow id can start again', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const taskQueue = `tq-delete-${suffix}`;
      const completedId = `wf-delete-completed-${suffix}`;
      const runningId = `wf-delete-running-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const connection = client.connection;
        const service = connection.workflowService;

        const completed = await client.workflow.start('collect', { taskQueue, workflowId: completedId });
        // After its first task, so the signal lands at the same place in both histories.
        await waitForEvents(completed, 'WorkflowTaskCompleted');
        await completed.signal('finish');
        await completed.result();
        const deleteCompleted = await shape(service.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: completedId, runId: completed.firstExecutionRunId } }));
        await untilGone(connection, completedId, completed.firstExecutionRunId);

        const running = await client.workflow.start('collect', { taskQueue, workflowId: runningId });
        await running.signal('addItem', 'one');
        // Deleted by workflow id alone: the current run.
        const deleteRunning = await shape(service.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: runningId } }));
        await untilGone(connection, runningId, running.firstExecutionRunId);

        const again = await client.workflow.start('collect', { taskQueue, workflowId: completedId });
        await waitForEvents(again, 'WorkflowTaskCompleted');
        await again.signal('finish');
        return {
          deleteCompleted,
          completedAfter: await afterDeletion(connection, completedId, completed.firstExecutionRunId),
          deleteRunning,
          runningAfter: await afterDeletion(connection, runningId, running.firstExecutionRunId),
          deleteAgain: await shape(
            service.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: runningId, runId: running.firstExecutionRunId } }),
            { [running.firstExecutionRunId]: '<run-id>', [runningId]: '<workflow-id>' },
          ),
          restarted: await again.result(),
        };
      });
      return { outcome, workflowIds: [completedId] };
    };
    const run = await servers.compare(scenario);
    type Read = { code: number } | 'OK';
    type After = { describe: Read; describeCurrent: Read; history: Read; historyCurrent: Read; listed: number; counted: number };
    const outcome = run.outcome as { deleteCompleted: unknown; deleteRunning: unknown; completedAfter: After; runningAfter: After };
    expect(outcome.deleteCompleted).toBe('OK');
    expect(outcome.deleteRunning).toBe('OK');
    // The deleted run is gone; the id's new run is what is current and listed.
    expect(outcome.completedAfter).toMatchObject({ describe: { code: 5 }, history: { code: 5 }, describeCurrent: 'OK', listed: 1, counted: 1 });
    expect(outcome.runningAfter).toMatchObject({ describe: { code: 5 }, history: { code: 5 }, describeCurrent: { code: 5 }, historyCurrent: { code: 5 }, listed: 0, counted: 0 });
  });

  it('deletes a running parent after its close is handled: the child is terminated by the parent close policy', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const taskQueue = `tq-delete-parent-${suffix}`;
      const parentId = `wf-delete-parent-${suffix}`;
      const childId = `${parentId}-child`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath: require.resolve('../workflows/children.ts'), activities: {} }, async (client) => {
        const service = client.connection.workflowService;
        const parent = await client.workflow.start('parentThatLeaves', { taskQueue, workflowId: parentId, args: ['TERMINATE'] });
        const child = client.workflow.getHandle(childId);
        for (let i = 0; i < 200 && (await shape(child.describe())) !== 'OK'; i++) await sleep(25);
        // The child's first workflow task done (its day-long timer started): the parent close
        // policy then meets the same child on both servers, not one still completing its task.
        await waitForEvents(child, 'TimerStarted');
        const deleted = await shape(service.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: parentId } }));
        await untilGone(client.connection, parentId, parent.firstExecutionRunId);
        let childStatus = '';
        for (let i = 0; i < 200 && childStatus !== 'TERMINATED'; i++) {
          childStatus = (await child.describe()).status.name;
          if (childStatus !== 'TERMINATED') await sleep(50);
        }
        return { deleted, childStatus, parentAfter: await afterDeletion(client.connection, parentId, parent.firstExecutionRunId) };
      });
      return { outcome, workflowIds: [childId] };
    };
    const run = await servers.compare(scenario);
    expect(run.outcome).toMatchObject({ deleted: 'OK', childStatus: 'TERMINATED', parentAfter: { describe: { code: 5 }, listed: 0 } });
  });

  it('answers bad requests as Temporal: unknown namespace, no workflow id, bad run id, unknown workflow or run', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const connection = await Connection.connect({ address });
      const service = connection.workflowService;
      try {
        const unknownId = `wf-delete-never-${suffix}`;
        const unknownRun = randomUUID();
        const masks = { [unknownId]: '<workflow-id>', [unknownRun]: '<run-id>' };
        const del = (namespace: string, workflowExecution: { workflowId?: string; runId?: string } | undefined) =>
          shape(service.deleteWorkflowExecution({ namespace, workflowExecution }), masks);
        return {
          outcome: {
            unknownNamespace: await del('no-such-namespace', { workflowId: unknownId }),
            noExecution: await del('default', undefined),
            noWorkflowId: await del('default', { workflowId: '' }),
            noWorkflowIdUnknownNamespace: await del('no-such-namespace', { workflowId: '' }),
            badRunId: await del('default', { workflowId: unknownId, runId: 'not-a-uuid' }),
            unknownWorkflow: await del('default', { workflowId: unknownId }),
            unknownRun: await del('default', { workflowId: unknownId, runId: unknownRun }),
          },
          workflowIds: [],
        };
      } finally {
        await connection.close();
      }
    };
    const run = await servers.compare(scenario);
    const outcome = run.outcome as Record<string, { code: number }>;
    expect(outcome.unknownNamespace!.code).toBe(5);
    expect(outcome.noWorkflowId!.code).toBe(3);
    expect(outcome.unknownWorkflow!.code).toBe(5);
    expect(outcome.unknownRun!.code).toBe(5);
  });
});
