import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, fetchHistory, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/signals.ts');
const activities = { cleanup: async (reason: string) => `cleaned up after ${reason}` };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A scenario on a fresh task queue and workflow id, with a worker running throughout. */
function scenario(name: string, body: (client: import('@temporalio/client').Client, ids: { taskQueue: string; workflowId: string }) => Promise<unknown>): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-${name}-${suffix}`;
    const workflowId = `wf-${name}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, (client) => body(client, { taskQueue, workflowId }));
    return { outcome, workflowIds: [workflowId] };
  };
}

describe('signals and cancellation (TypeScript SDK), compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('delivers signals in order, each waking the workflow, and completes on the last', async () => {
    const run = await servers.compare(
      scenario('signals', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('collect', { taskQueue, workflowId });
        await sleep(500); // the first workflow task has run: the workflow waits for signals
        for (const item of ['a', 'b', 'c']) {
          await handle.signal('addItem', item);
          await sleep(300); // each signal lands in its own workflow task
        }
        await handle.signal('finish');
        return handle.result();
      }),
    );
    expect(run.outcome).toEqual(['a', 'b', 'c']);
  });

  it('keeps signals sent in one burst (some buffered while a workflow task runs) in order, each written once', async () => {
    // Kairos only: how many of the burst land while a workflow task runs depends on timing, so the
    // exact history is not comparable across servers; the order and count are.
    const { taskQueue, workflowId } = { taskQueue: `tq-burst-${Date.now()}`, workflowId: `wf-burst-${Date.now()}` };
    const result = await withWorker({ address: servers.kairos.address, taskQueue, workflowsPath, activities }, async (client) => {
      const handle = await client.workflow.start('collect', { taskQueue, workflowId });
      for (let i = 0; i < 10; i++) await handle.signal('addItem', `item-${i}`);
      await handle.signal('finish');
      return handle.result();
    });
    expect(result).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i}`));
    const history = await fetchHistory(servers.kairos.address, workflowId);
    const events = history.events!;
    events.forEach((e, i) => expect(Number(e.eventId)).toBe(i + 1));
    const signalled = events.filter((e) => e.workflowExecutionSignaledEventAttributes).map((e) => e.workflowExecutionSignaledEventAttributes!.signalName);
    expect(signalled).toEqual([...Array.from({ length: 10 }, () => 'addItem'), 'finish']);
    expect(eventTypes(history).at(-1)).toBe('WorkflowExecutionCompleted');
  });

  it('signal-with-start starts the workflow with the signal, then signals the running one', async () => {
    const run = await servers.compare(
      scenario('signal-with-start', async (client, { taskQueue, workflowId }) => {
        const first = await client.workflow.signalWithStart('collect', { taskQueue, workflowId, signal: 'addItem', signalArgs: ['first'] });
        await sleep(500);
        const second = await client.workflow.signalWithStart('collect', { taskQueue, workflowId, signal: 'addItem', signalArgs: ['second'] });
        expect(second.signaledRunId).toBe(first.signaledRunId);
        await sleep(500);
        await first.signal('finish');
        return first.result();
      }),
    );
    expect(run.outcome).toEqual(['first', 'second']);
  });

  it('a signal to a closed run is NOT_FOUND', async () => {
    const run = await servers.compare(
      scenario('signal-closed', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('collect', { taskQueue, workflowId });
        await sleep(500);
        await handle.signal('finish');
        await handle.result();
        return handle.signal('addItem', 'late').then(
          () => 'accepted',
          (err: Error & { cause?: { code?: number; details?: string } }) => ({ name: err.name, message: err.message }),
        );
      }),
    );
    expect(run.outcome).toEqual({ name: 'WorkflowNotFoundError', message: 'workflow execution already completed' });
  });

  it('a cancellation request to a closed run succeeds and changes nothing; termination of it is NOT_FOUND', async () => {
    const run = await servers.compare(
      scenario('cancel-closed', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('collect', { taskQueue, workflowId });
        await sleep(500);
        await handle.signal('finish');
        await handle.result();
        const outcome = (p: Promise<unknown>) => p.then(() => 'OK', (err: Error) => ({ name: err.name, message: err.message }));
        return {
          cancel: await outcome(handle.cancel()),
          cancelRun: await outcome(client.workflow.getHandle(workflowId, handle.firstExecutionRunId).cancel()),
          terminate: await outcome(handle.terminate('late')),
        };
      }),
    );
    expect(run.outcome).toEqual({ cancel: 'OK', cancelRun: 'OK', terminate: { name: 'WorkflowNotFoundError', message: 'workflow execution already completed' } });
  });

  it('cancelling a sleeping workflow ends it Canceled; asking again changes nothing', async () => {
    const run = await servers.compare(
      scenario('cancel', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('sleepUntilCancelled', { taskQueue, workflowId });
        await sleep(500);
        await handle.cancel();
        await handle.cancel();
        const failure = await handle.result().catch((err: unknown) => err);
        return {
          failed: failure instanceof WorkflowFailedError,
          cause: (failure as WorkflowFailedError).cause?.name,
          status: (await handle.describe()).status.name,
        };
      }),
    );
    expect(run.outcome).toEqual({ failed: true, cause: 'CancelledFailure', status: 'CANCELLED' });
    const history = await fetchHistory(servers.kairos.address, Object.keys(run.histories)[0]!);
    expect(eventTypes(history)).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'TimerStarted',
      'WorkflowExecutionCancelRequested',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'TimerCanceled',
      'WorkflowExecutionCanceled',
    ]);
  });

  it('a cancelled workflow can clean up with an activity and complete', async () => {
    const run = await servers.compare(
      scenario('cancel-cleanup', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('cleanUpOnCancel', { taskQueue, workflowId });
        await sleep(500);
        await handle.cancel();
        return handle.result();
      }),
    );
    expect(run.outcome).toBe('cleaned up after cancelled');
  });
});
