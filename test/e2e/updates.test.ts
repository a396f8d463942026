import { WithStartWorkflowOperation, WorkflowUpdateFailedError, WorkflowUpdateStage, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, fetchHistory, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/updates.ts');
const activities = { double: async (n: number) => n * 2 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A scenario on a fresh task queue and workflow id, with a worker running throughout. */
function scenario(name: string, body: (client: Client, ids: { taskQueue: string; workflowId: string }) => Promise<unknown>): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-${name}-${suffix}`;
    const workflowId = `wf-${name}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, (client) => body(client, { taskQueue, workflowId }));
    return { outcome, workflowIds: [workflowId] };
  };
}

/** What an update's failure says, for comparing outcomes across servers. */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await promise };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const cause = err.cause as Error | undefined;
      return { updateFailed: err.message, cause: cause?.message, type: cause instanceof ApplicationFailure ? cause.type : undefined };
    }
    return { error: (err as Error).name, message: (err as Error).message };
  }
}

describe('workflow updates (TypeScript SDK), compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('an update is accepted and completed in one workflow task and returns its result', async () => {
    const run = await servers.compare(
      scenario('update-basic', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500); // the first workflow task has run: the handlers are registered
        const first = await handle.executeUpdate('add', { args: [5], updateId: 'first' });
        const second = await handle.executeUpdate('add', { args: [7], updateId: 'second' });
        await handle.signal('finish');
        return { first, second, result: await handle.result() };
      }),
    );
    expect(run.outcome).toEqual({ first: 5, second: 12, result: 12 });
    const kairos = eventTypes(await fetchHistory(servers.kairos.address, Object.keys(run.histories)[0]!));
    expect(kairos.filter((t) => t === 'WorkflowExecutionUpdateAccepted')).toHaveLength(2);
    expect(kairos.filter((t) => t === 'WorkflowExecutionUpdateCompleted')).toHaveLength(2);
  });

  it('a validator rejecting the update leaves no trace in history', async () => {
    const run = await servers.compare(
      scenario('update-rejected', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        const rejected = await failureOf(handle.executeUpdate('add', { args: [-1], updateId: 'negative' }));
        const again = await failureOf(handle.executeUpdate('add', { args: [-2], updateId: 'negative' }));
        const accepted = await handle.executeUpdate('add', { args: [3], updateId: 'positive' });
        await handle.signal('finish');
        return { rejected, again, accepted, result: await handle.result() };
      }),
    );
    expect(run.outcome).toMatchObject({ rejected: { updateFailed: 'Workflow Update failed', cause: 'cannot add a negative number: -1' }, accepted: 3, result: 3 });
    const kairos = eventTypes(await fetchHistory(servers.kairos.address, Object.keys(run.histories)[0]!));
    // Two rejected updates wrote nothing: start, first task, the accepted update's task, signal, close.
    expect(kairos).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionUpdateAccepted',
      'WorkflowExecutionUpdateCompleted',
      'WorkflowExecutionSignaled',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
  });

  it('an update that runs an activity completes in a later workflow task', async () => {
    const run = await servers.compare(
      scenario('update-activity', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        const value = await handle.executeUpdate('addSlowly', { args: [4], updateId: 'slowly' });
        await handle.signal('finish');
        return { value, result: await handle.result() };
      }),
    );
    expect(run.outcome).toEqual({ value: 8, result: 8 });
  });

  it('an accepted update whose handler fails completes with the failure', async () => {
    const run = await servers.compare(
      scenario('update-fails', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        const failed = await failureOf(handle.executeUpdate('failingUpdate', { args: ['on purpose'], updateId: 'failing' }));
        await handle.signal('finish');
        return { failed, result: await handle.result() };
      }),
    );
    expect(run.outcome).toEqual({ failed: { updateFailed: 'Workflow Update failed', cause: 'update failed: on purpose', type: 'UpdateFailure' }, result: 0 });
  });

  it('startUpdate waits for acceptance; the handle then gets the result', async () => {
    const run = await servers.compare(
      scenario('update-start', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        const updateHandle = await handle.startUpdate('addSlowly', { args: [10], waitForStage: WorkflowUpdateStage.ACCEPTED, updateId: 'slow' });
        const value = await updateHandle.result();
        // A handle got again by id polls for the same outcome.
        const again = await handle.getUpdateHandle<number>('slow').result();
        await handle.signal('finish');
        return { id: updateHandle.updateId, value, again, result: await handle.result() };
      }),
    );
    expect(run.outcome).toEqual({ id: 'slow', value: 20, again: 20, result: 20 });
  });

  it('the same update id twice is one update: the second call gets the first outcome', async () => {
    const run = await servers.compare(
      scenario('update-dedup', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        const first = await handle.executeUpdate('add', { args: [2], updateId: 'once' });
        const second = await handle.executeUpdate('add', { args: [2], updateId: 'once' });
        await handle.signal('finish');
        return { first, second, result: await handle.result() };
      }),
    );
    expect(run.outcome).toEqual({ first: 2, second: 2, result: 2 });
  });

  it('an update that finishes the workflow completes with it; the closed run still answers for it', async () => {
    const run = await servers.compare(
      scenario('update-finishes', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        await handle.executeUpdate('add', { args: [6], updateId: 'six' });
        const last = await handle.executeUpdate('finishUpdate', { updateId: 'last' });
        const result = await handle.result();
        const again = await handle.executeUpdate('finishUpdate', { updateId: 'last' });
        const onClosed = await failureOf(handle.executeUpdate('add', { args: [1], updateId: 'too-late' }));
        return { last, result, again, onClosed };
      }),
    );
    expect(run.outcome).toEqual({ last: 6, result: 6, again: 6, onClosed: { error: 'WorkflowNotFoundError', message: 'workflow execution already completed' } });
  });

  it('an accepted update the workflow never completes fails when the workflow completes', async () => {
    const run = await servers.compare(
      scenario('update-orphaned', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        const pending = await handle.startUpdate('waitForever', { waitForStage: WorkflowUpdateStage.ACCEPTED, updateId: 'orphan' });
        await sleep(300);
        await handle.signal('finish');
        const result = await handle.result();
        return { result, orphan: await failureOf(pending.result()) };
      }),
    );
    expect(run.outcome).toEqual({
      result: 0,
      orphan: { updateFailed: 'Workflow Update failed', cause: 'Workflow Update failed because the Workflow completed before the Update completed.', type: 'AcceptedUpdateCompletedWorkflow' },
    });
  });

  it('update-with-start starts the workflow with the update in its first task, then updates the running one', async () => {
    const run = await servers.compare(
      scenario('update-with-start', async (client, { taskQueue, workflowId }) => {
        const startOperation = () => new WithStartWorkflowOperation('counter', { workflowId, taskQueue, workflowIdConflictPolicy: 'USE_EXISTING' });
        const first = startOperation();
        const created = await client.workflow.executeUpdateWithStart('add', { args: [4], updateId: 'with-start-1', startWorkflowOperation: first });
        const handle = await first.workflowHandle();
        await sleep(500);
        const second = startOperation();
        const existing = await client.workflow.executeUpdateWithStart('add', { args: [5], updateId: 'with-start-2', startWorkflowOperation: second });
        const sameRun = ((await second.workflowHandle()) as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId === (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId;
        // FAIL (the default) with the workflow running: the start fails and the update is not sent.
        const refused = await failureOf(
          client.workflow.executeUpdateWithStart('add', {
            args: [6],
            updateId: 'with-start-3',
            startWorkflowOperation: new WithStartWorkflowOperation('counter', { workflowId, taskQueue, workflowIdConflictPolicy: 'FAIL' }),
          }),
        );
        await handle.signal('finish');
        return { created, existing, sameRun, refused, result: await handle.result() };
      }),
    );
    expect(run.outcome).toMatchObject({ created: 4, existing: 9, sameRun: true, refused: { error: 'WorkflowExecutionAlreadyStartedError' }, result: 9 });
    const kairos = eventTypes(await fetchHistory(servers.kairos.address, Object.keys(run.histories)[0]!));
    // The first workflow task carried the update: no task of its own.
    expect(kairos.slice(0, 6)).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionUpdateAccepted',
      'WorkflowExecutionUpdateCompleted',
    ]);
  });

  it('an update to a workflow without a worker waits; a worker started later answers it', async () => {
    // Kairos only: the update waits across the server's long-poll interval, which differs in length.
    const taskQueue = `tq-update-late-${Date.now()}`;
    const workflowId = `wf-update-late-${Date.now()}`;
    const { Connection, Client } = await import('@temporalio/client');
    const connection = await Connection.connect({ address: servers.kairos.address });
    try {
      const client = new Client({ connection });
      const handle = await client.workflow.start('counter', { taskQueue, workflowId });
      const update = handle.executeUpdate('add', { args: [9] });
      await sleep(1_000);
      const value = await withWorker({ address: servers.kairos.address, taskQueue, workflowsPath, activities }, async () => {
        const v = await update;
        await handle.signal('finish');
        await handle.result();
        return v;
      });
      expect(value).toBe(9);
    } finally {
      await connection.close();
    }
    const history = await fetchHistory(servers.kairos.address, workflowId);
    expect(eventTypes(history).filter((t) => t.startsWith('WorkflowExecutionUpdate'))).toEqual(['WorkflowExecutionUpdateAccepted', 'WorkflowExecutionUpdateCompleted']);
  });
  it('an update during a start delay is delivered at once: the first workflow task is scheduled for it, the delay cut short', async () => {
    const run = await servers.compare(
      scenario('update-start-delay', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId, startDelay: '1h' });
        const added = await handle.executeUpdate('add', { args: [5], updateId: 'during-delay' });
        await handle.signal('finish');
        return { added, result: await handle.result() };
      }),
    );
    expect(run.outcome).toEqual({ added: 5, result: 5 });
    const types = Object.values(run.histories)[0]!.map((e) => String(e.eventType));
    expect(types.filter((t) => t.includes('UPDATE'))).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED', 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED']);
  });
});
