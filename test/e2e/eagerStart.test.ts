import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, fetchHistory, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = { greet: async (name: string) => `Hello, ${name}!` };

/** Starts a workflow from a client sharing its worker's connection, asking for eager start or not. */
function eagerScenario(name: string, options: { eager: boolean; startDelay?: string }): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-${name}-${suffix}`;
    const workflowId = `wf-${name}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities, clientOnWorkerConnection: true }, async (client) => {
      const handle = await client.workflow.start('greetOne', {
        taskQueue,
        workflowId,
        args: ['eager'],
        requestEagerStart: options.eager,
        ...(options.startDelay ? { startDelay: options.startDelay } : {}),
      });
      return { eagerlyStarted: handle.eagerlyStarted, result: await handle.result() };
    });
    return { outcome, workflowIds: [workflowId] };
  };
}

describe('eager workflow start, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('hands the first workflow task to the starting client’s worker in the start response', async () => {
    const run = await servers.compare(eagerScenario('eager', { eager: true }));
    expect(run.outcome).toEqual({ eagerlyStarted: true, result: 'Hello, eager!' });
    const events = Object.values(run.histories)[0]!;
    expect(events[0]!.workflowExecutionStartedEventAttributes).toMatchObject({ eagerExecutionAccepted: true });
    expect(events.slice(0, 3).map((e) => e.eventType)).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
    ]);
  });

  it('a start delay makes the start a normal one', async () => {
    const run = await servers.compare(eagerScenario('eager-delayed', { eager: true, startDelay: '1s' }));
    expect(run.outcome).toEqual({ eagerlyStarted: false, result: 'Hello, eager!' });
    expect(Object.values(run.histories)[0]![0]!.workflowExecutionStartedEventAttributes).not.toHaveProperty('eagerExecutionAccepted', true);
  });
  it('a completion that asks for the next workflow task gets it in the answer (local activity heartbeats)', async () => {
    let kairosWorkflowId = '';
    const run = await servers.compare(async (address, { suffix }) => {
      const taskQueue = `tq-inline-${suffix}`;
      const workflowId = `wf-inline-${suffix}`;
      kairosWorkflowId = workflowId;
      const slowLocal = async (ms: number) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return `slept ${ms}`;
      };
      const result = await withWorker({ address, taskQueue, workflowsPath: require.resolve('../workflows/eagerTasks.ts'), activities: { slowLocal } }, (client) =>
        client.workflow.execute('longLocalActivity', { taskQueue, workflowId, args: [3_000], workflowTaskTimeout: '2s' }),
      );
      // Event types only: the local activity's marker holds wall-clock times.
      return { outcome: { result, events: eventTypes(await fetchHistory(address, workflowId)) }, workflowIds: [] };
    });
    expect(run.outcome).toMatchObject({ result: 'slept 3000' });
    expect((run.outcome as { events: string[] }).events.filter((t) => t === 'WorkflowTaskStarted').length).toBeGreaterThan(1);
    // The heartbeat's next task was started for the completing worker, not through a poll.
    const started = (await fetchHistory(servers.kairos.address, kairosWorkflowId)).events!.filter((e) => e.workflowTaskStartedEventAttributes);
    expect(started.length).toBeGreaterThan(1);
    expect(started.slice(1).every((e) => e.workflowTaskStartedEventAttributes!.requestId === 'request-from-RespondWorkflowTaskCompleted')).toBe(true);
  });
});
