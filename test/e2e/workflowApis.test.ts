import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, fetchHistory, waitForEvents, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/signals.ts');
const activities = { cleanup: async (reason: string) => `cleaned up after ${reason}` };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TaskQueueType = temporal.api.enums.v1.TaskQueueType;

describe('DescribeTaskQueue, ResetStickyTaskQueue and GetWorkflowExecutionHistoryReverse', () => {
  const servers = useOracleServers();

  it('keeps user metadata: the start request’s summary and details on the started event and in Describe, a command’s on its event', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const taskQueue = `tq-metadata-${suffix}`;
      const workflowId = `wf-metadata-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath: require.resolve('../workflows/metadata.ts'), activities }, async (client) => {
        const handle = await client.workflow.start('summarised', { taskQueue, workflowId, staticSummary: 'a short story', staticDetails: 'with **details**' });
        const result = await handle.result();
        const described = await handle.describe();
        return { result, summary: await described.staticSummary(), details: await described.staticDetails() };
      });
      return { outcome, workflowIds: [workflowId] };
    });
    expect(run.outcome).toEqual({ result: 'cleaned up after a nap', summary: 'a short story', details: 'with **details**' });
    const events = Object.values(run.histories)[0]!;
    expect(events.filter((e) => e.userMetadata).map((e) => e.eventType)).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_TIMER_STARTED',
      'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
    ]);
  });

  it('lists the workers polling a task queue', async () => {
    const taskQueue = `tq-describe-${Date.now()}`;
    const pollers = await withWorker({ address: servers.kairos.address, taskQueue, workflowsPath, activities }, async (client) => {
      await sleep(500); // the worker's first polls are in
      const service = client.workflowService;
      const [workflowQueue, activityQueue, unknown] = await Promise.all([
        service.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW }),
        service.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY }),
        service.describeTaskQueue({ namespace: 'default', taskQueue: { name: `${taskQueue}-nobody` }, taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW }),
      ]);
      return { workflow: workflowQueue.pollers ?? [], activity: activityQueue.pollers ?? [], unknown: unknown.pollers ?? [] };
    });
    expect(pollers.workflow).toHaveLength(1);
    expect(pollers.workflow[0]!.identity).toMatch(/@/);
    expect(pollers.workflow[0]!.lastAccessTime).toBeTruthy();
    expect(pollers.activity.map((p) => p.identity)).toEqual([pollers.workflow[0]!.identity]);
    expect(pollers.unknown).toEqual([]);
  });

  it('after ResetStickyTaskQueue the next workflow task goes to the normal queue', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const taskQueue = `tq-reset-sticky-${suffix}`;
      const workflowId = `wf-reset-sticky-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const handle = await client.workflow.start('collect', { taskQueue, workflowId });
        await sleep(500);
        await client.workflowService.resetStickyTaskQueue({ namespace: 'default', execution: { workflowId } });
        await handle.signal('finish');
        return handle.result();
      });
      return { outcome, workflowIds: [workflowId] };
    };
    const run = await servers.compare(scenario);
    expect(run.outcome).toEqual([]);
    const history = await fetchHistory(servers.kairos.address, Object.keys(run.histories)[0]!);
    const scheduled = history.events!.filter((e) => e.workflowTaskScheduledEventAttributes).map((e) => e.workflowTaskScheduledEventAttributes!.taskQueue!.kind);
    expect(scheduled).toEqual([temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL, temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL]);
  });

  it('reads a history newest first, page by page', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const taskQueue = `tq-reverse-${suffix}`;
      const workflowId = `wf-reverse-${suffix}`;
      await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const handle = await client.workflow.start('collect', { taskQueue, workflowId });
        await waitForEvents(handle, 'WorkflowTaskCompleted', 1);
        for (const [i, item] of ['a', 'b'].entries()) {
          await handle.signal('addItem', item);
          await waitForEvents(handle, 'WorkflowTaskCompleted', i + 2); // each signal in a task of its own
        }
        await handle.signal('finish');
        return handle.result();
      });
      const connection = await Connection.connect({ address });
      try {
        const pages: number[][] = [];
        let token: Uint8Array | undefined;
        do {
          const page = await connection.workflowService.getWorkflowExecutionHistoryReverse({
            namespace: 'default',
            execution: { workflowId },
            maximumPageSize: 4,
            nextPageToken: token,
          });
          pages.push((page.history?.events ?? []).map((e) => Number(e.eventId)));
          token = page.nextPageToken?.length ? page.nextPageToken : undefined;
        } while (token);
        return { outcome: pages, workflowIds: [workflowId] };
      } finally {
        await connection.close();
      }
    };
    const run = await servers.compare(scenario);
    const pages = run.outcome as number[][];
    const all = pages.flat();
    const forward = await fetchHistory(servers.kairos.address, Object.keys(run.histories)[0]!);
    expect(all).toEqual(forward.events!.map((e) => Number(e.eventId)).reverse());
    expect(eventTypes(forward).at(-1)).toBe('WorkflowExecutionCompleted');
  });
});
