import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario, type ServerRun } from '../src/harness/oracle';
import { cmd, rawWorker, type RawWorker } from '../src/harness/rawWorker';

/*
 * What the server decides on its own while it applies a completion or closes a run, with raw
 * gRPC workers sending exact commands, compared event by event with the real Temporal dev server.
 */

async function using<T>(w: RawWorker, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await w.connection.close();
  }
}

function types(run: ServerRun): string[] {
  return Object.values(run.histories)[0]!.map((e) => String(e.eventType).replace(/^EVENT_TYPE_/, ''));
}

/**
 * A scheduled activity nobody polls is cancelled by the next task's RequestCancelActivityTask,
 * followed by StartTimer or CompleteWorkflowExecution. Temporal cancels it at once, but its
 * ActivityTaskCanceled is buffered: written after all the commands' events (and after events
 * buffered while the task ran), just before the next WorkflowTaskScheduled; a closing command
 * drops it, and no workflow task is scheduled.
 */
const cancelNeverStarted = (then: 'timer' | 'complete'): Scenario => async (address, { suffix }) => {
  const w = await rawWorker(address, { name: `cancel-unstarted-${then}`, suffix });
  return using(w, async () => {
    const first = await w.mustPoll();
    await w.complete(first, [cmd.scheduleActivity('a1', `nobody-polls-${suffix}`)]); // ActivityTaskScheduled is event 5
    await w.signal('go');
    const second = await w.mustPoll();
    // With the timer, a signal comes while the task runs (buffered): it is written before the Canceled event.
    if (then === 'timer') await w.signal('meanwhile');
    await w.complete(second, [cmd.requestCancelActivity(5), then === 'timer' ? cmd.startTimer('t1', 3600) : cmd.completeWorkflow()]);
    const tasks = [first, second];
    if (then === 'timer') {
      const third = await w.mustPoll();
      tasks.push(third);
      await w.complete(third, [cmd.completeWorkflow()]);
    }
    return { outcome: { tasks: tasks.map(w.shape), status: await w.closedStatus() }, workflowIds: [w.workflowId] };
  });
};

describe('decisions the server takes itself, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('a never-started activity cancelled before StartTimer: its Canceled event and the next workflow task come after all the commands', async () => {
    const run = await servers.compare(cancelNeverStarted('timer'));
    expect(types(run).slice(8, 14)).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'ACTIVITY_TASK_CANCEL_REQUESTED',
      'TIMER_STARTED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'ACTIVITY_TASK_CANCELED',
      'WORKFLOW_TASK_SCHEDULED',
    ]);
    expect(run.outcome).toMatchObject({ status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED' });
  });

  it('a never-started activity cancelled before CompleteWorkflowExecution: no Canceled event and no workflow task on the closed run', async () => {
    const run = await servers.compare(cancelNeverStarted('complete'));
    expect(types(run).slice(8)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED', 'WORKFLOW_EXECUTION_COMPLETED']);
  });
});
