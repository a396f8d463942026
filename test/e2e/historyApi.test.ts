import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAcrossServers, startOracleReference, type Scenario } from '../src/harness/oracle';
import { withWorker, seconds } from '../src/harness/sdk';
import { startKairosDev, type KairosDev, type TestServer } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};

/** Pages through a completed workflow's history 3 events at a time; the outcome is the page layout. */
const pagedHistory: Scenario = async (address, { suffix }) => {
  const taskQueue = `history-pages-${suffix}`;
  const workflowId = `history-pages-wf-${suffix}`;
  await withWorker({ address, taskQueue, workflowsPath, activities }, (client) =>
    client.workflow.execute('greetOne', { taskQueue, workflowId, args: ['pages'] }),
  );
  const connection = await Connection.connect({ address });
  try {
    const pages: number[][] = [];
    let token: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId },
        maximumPageSize: 3,
        nextPageToken: token,
      });
      pages.push((page.history?.events ?? []).map((e) => Number(e.eventId)));
      token = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (token && pages.length < 20);
    return { outcome: { pages, endedWithEmptyToken: !token }, workflowIds: [workflowId] };
  } finally {
    await connection.close();
  }
};

describe('history, describe and namespace APIs', () => {
  let kairos: KairosDev;
  /** The real Temporal dev server; undefined only with KAIROS_ORACLE=off. */
  let reference: TestServer | undefined;
  let connection: Connection;
  let workflowId: string;
  let runId: string;

  beforeAll(async () => {
    kairos = await startKairosDev();
    reference = await startOracleReference();
    connection = await Connection.connect({ address: kairos.address });
    const taskQueue = `history-api-${Date.now()}`;
    workflowId = `history-api-wf-${Date.now()}`;
    runId = await withWorker({ address: kairos.address, taskQueue, workflowsPath, activities }, async (client) => {
      const handle = await client.workflow.start('greetOne', { taskQueue, workflowId, args: ['pages'] });
      await handle.result();
      return handle.firstExecutionRunId;
    });
  });

  afterAll(async () => {
    await connection?.close();
    await kairos?.stop();
    await reference?.stop();
  });

  it('pages history in whole event batches, as Temporal does', async () => {
    const { outcome } = await compareAcrossServers(kairos, reference, pagedHistory);
    const { pages, endedWithEmptyToken } = outcome as { pages: number[][]; endedWithEmptyToken: boolean };
    expect(endedWithEmptyToken).toBe(true);
    expect(pages.flat()).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(pages.length).toBeGreaterThan(1);
  });

  it('returns only the close event with the CLOSE_EVENT filter', async () => {
    const response = await connection.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
      waitNewEvent: true,
    });
    expect(response.history?.events?.map((e) => e.eventType)).toEqual([
      temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    ]);
    expect(response.nextPageToken?.length ?? 0).toBe(0);
  });

  it('a waiting read of an open run returns new events as they are written, with a continuation token', async () => {
    const id = `long-poll-${Date.now()}`;
    const taskQueue = `long-poll-queue-${Date.now()}`;
    await connection.workflowService.startWorkflowExecution({
      namespace: 'default',
      workflowId: id,
      workflowType: { name: 'Nobody' },
      taskQueue: { name: taskQueue },
      requestId: `req-${id}`,
    });
    const read = (token?: Uint8Array | null) =>
      connection.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: id }, waitNewEvent: true, nextPageToken: token });
    const first = await read();
    expect(first.history?.events?.map((e) => Number(e.eventId))).toEqual([1, 2]);
    expect(first.nextPageToken?.length).toBeGreaterThan(0);
    const waiting = read(first.nextPageToken);
    await new Promise((r) => setTimeout(r, 300));
    // Starting the workflow task writes event 3, which wakes the waiting read.
    await connection.withDeadline(Date.now() + 10_000, () =>
      connection.workflowService.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: 'raw' }),
    );
    const second = await waiting;
    expect(second.history?.events?.map((e) => e.eventType)).toEqual([temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED]);
    expect(Number(second.history?.events?.[0]?.eventId)).toBe(3);
    expect(second.nextPageToken?.length).toBeGreaterThan(0);
  });

  it('describes a completed execution', async () => {
    const described = await connection.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
    const info = described.workflowExecutionInfo!;
    expect(info.execution?.runId).toBe(runId);
    expect(info.type?.name).toBe('greetOne');
    expect(info.status).toBe(temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    expect(Number(info.historyLength)).toBe(11);
    expect(info.closeTime).toBeTruthy();
    expect(described.pendingActivities ?? []).toHaveLength(0);
  });

  it('registers, describes and lists namespaces; a duplicate is ALREADY_EXISTS', async () => {
    const name = `ns-${Date.now()}`;
    await connection.workflowService.registerNamespace({ namespace: name, workflowExecutionRetentionPeriod: seconds(86_400) });
    const described = await connection.workflowService.describeNamespace({ namespace: name });
    expect(described.namespaceInfo?.name).toBe(name);
    expect(described.namespaceInfo?.state).toBe(temporal.api.enums.v1.NamespaceState.NAMESPACE_STATE_REGISTERED);
    expect(described.namespaceInfo?.id).toBeTruthy();
    const listed = await connection.workflowService.listNamespaces({});
    expect(listed.namespaces?.map((n) => n.namespaceInfo?.name)).toEqual(expect.arrayContaining(['default', name]));
    await expect(
      connection.workflowService.registerNamespace({ namespace: name, workflowExecutionRetentionPeriod: seconds(86_400) }),
    ).rejects.toMatchObject({ code: 6 });
    // Temporal requires a retention period.
    await expect(connection.workflowService.registerNamespace({ namespace: `${name}-no-retention` })).rejects.toMatchObject({
      code: 3,
      details: 'A valid retention period is not set on request.',
    });
  });
});
