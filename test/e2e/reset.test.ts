import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { normalizeHistory } from '../src/harness/normalize';
import { eventTypes, waitForEvents, withWorker } from '../src/harness/sdk';
import { untilAsync } from '../src/harness/waiting';

const workflowsPath = require.resolve('../workflows/reset.ts');
const { ResetReapplyExcludeType } = temporal.api.enums.v1;

type Ids = { taskQueue: string; workflowId: string };

/** A scenario on a fresh task queue and workflow id, with a worker running throughout. */
function scenario(name: string, body: (client: Client, ids: Ids) => Promise<unknown>): Scenario {
  return async (address, { suffix }) => {
    const ids = { taskQueue: `tq-reset-${name}-${suffix}`, workflowId: `wf-reset-${name}-${suffix}` };
    const outcome = await withWorker({ address, taskQueue: ids.taskQueue, workflowsPath, activities: {} }, (client) => body(client, ids));
    return { outcome, workflowIds: [ids.workflowId] };
  };
}

/** ResetWorkflowExecution through the SDK client's raw service. */
async function reset(
  client: Client,
  workflowId: string,
  finishEventId: number,
  options: { runId?: string; requestId?: string; exclude?: number[]; reason?: string } = {},
): Promise<temporal.api.workflowservice.v1.IResetWorkflowExecutionResponse> {
  return client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId, runId: options.runId },
    workflowTaskFinishEventId: Long.fromNumber(finishEventId),
    requestId: options.requestId ?? `reset-${Math.random()}`,
    reason: options.reason ?? 'reset by the test',
    resetReapplyExcludeTypes: options.exclude,
  });
}

/** Waits until the run has written `count` WorkflowTaskCompleted events. */
async function completedTasks(client: Client, workflowId: string, runId: string | undefined, count: number): Promise<void> {
  await waitForEvents(client.workflow.getHandle(workflowId, runId), 'WorkflowTaskCompleted', count);
}

function sameTime(a: { seconds?: unknown; nanos?: number | null } | null | undefined, b: { seconds?: unknown; nanos?: number | null } | null | undefined): boolean {
  return Boolean(a && b) && String(a!.seconds) === String(b!.seconds) && (a!.nanos ?? 0) === (b!.nanos ?? 0);
}

/** The runs of a workflow id that ListWorkflowExecutions shows, by role, with their status. */
async function listedRuns(client: Client, workflowId: string, roles: Record<string, string>): Promise<string[]> {
  const listed: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) listed.push(`${roles[execution.runId] ?? 'other'}: ${execution.status.name}`);
  return listed.sort();
}

/** A run's history as the oracle compares it. */
async function runHistory(client: Client, workflowId: string, runId: string) {
  return normalizeHistory(await client.workflow.getHandle(workflowId, runId).fetchHistory());
}

/** Starts collectItems and signals `items`, each in its own workflow task (so 4 events each: ids 8, 12, ...). */
async function collectWithSignals(client: Client, ids: Ids, items: string[]) {
  const handle = await client.workflow.start('collectItems', { taskQueue: ids.taskQueue, workflowId: ids.workflowId });
  await completedTasks(client, ids.workflowId, undefined, 1);
  for (const [i, item] of items.entries()) {
    await handle.signal('addItem', item);
    await completedTasks(client, ids.workflowId, undefined, i + 2);
  }
  return handle;
}

/**
 * Resets, waits for the new run's first workflow task after the reset, finishes it and reports the
 * result, the old run's history and what Describe says of both runs.
 */
async function resetAndFinish(client: Client, ids: Ids, baseRunId: string, finishEventId: number, options: { exclude?: number[] } = {}) {
  const { runId } = await reset(client, ids.workflowId, finishEventId, { runId: baseRunId, ...options });
  const handle = client.workflow.getHandle(ids.workflowId, runId!);
  await completedTasks(client, ids.workflowId, runId!, (eventTypes(await handle.fetchHistory()).filter((t) => t === 'WorkflowTaskCompleted').length) + 1);
  const [base, after] = [await client.workflow.getHandle(ids.workflowId, baseRunId).describe(), await handle.describe()];
  await handle.signal('finish');
  const result = await handle.result();
  return {
    result,
    baseHistory: await runHistory(client, ids.workflowId, baseRunId),
    baseStatus: base.status.name,
    baseNamesNewRun: base.raw.workflowExtendedInfo?.resetRunId === runId,
    // (Temporal: the start event's time, which a reset copies.)
    newRunKeepsOriginalStart: sameTime(after.raw.workflowExtendedInfo?.originalStartTime, base.raw.workflowExtendedInfo?.originalStartTime),
    newRunLastResetIsItsStart: sameTime(after.raw.workflowExtendedInfo?.lastResetTime, after.raw.workflowExecutionInfo?.startTime),
    newRunFirstRunId: after.raw.workflowExecutionInfo?.firstRunId === base.raw.workflowExecutionInfo?.firstRunId,
    newRunResetPoints: after.raw.workflowExecutionInfo?.autoResetPoints?.points?.map((p) => ({ runIsNew: p.runId === runId, id: Number(p.firstWorkflowTaskCompletedId), resettable: p.resettable })),
    baseResetPoints: base.raw.workflowExecutionInfo?.autoResetPoints?.points?.map((p) => ({ runIsBase: p.runId === baseRunId, id: Number(p.firstWorkflowTaskCompletedId), resettable: p.resettable })),
    pendingActivities: after.raw.pendingActivities?.length ?? 0,
    // Visibility: both runs listed, the new one running (then completed), the base one closed.
    listed: await listedRuns(client, ids.workflowId, { [baseRunId]: 'base', [runId!]: 'new' }),
  };
}

describe('ResetWorkflowExecution, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('resets to a middle workflow task: the run is terminated, the signal after the reset point is reapplied', async () => {
    const run = await servers.compare(
      scenario('middle', async (client, ids) => {
        const handle = await collectWithSignals(client, ids, ['a', 'b']);
        return resetAndFinish(client, ids, handle.firstExecutionRunId, 8);
      }),
    );
    expect(run.outcome).toMatchObject({ result: ['a', 'b'], baseStatus: 'TERMINATED', baseNamesNewRun: true });
  });

  it('excluding signals leaves the later signal out of the new run', async () => {
    const run = await servers.compare(
      scenario('exclude-signal', async (client, ids) => {
        const handle = await collectWithSignals(client, ids, ['a', 'b']);
        return resetAndFinish(client, ids, handle.firstExecutionRunId, 8, { exclude: [ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL] });
      }),
    );
    expect(run.outcome).toMatchObject({ result: ['a'] });
  });

  it('resets to the first and to the last workflow task', async () => {
    const run = await servers.compare(
      scenario('first-last', async (client, ids) => {
        const handle = await collectWithSignals(client, ids, ['a']);
        const toLast = await reset(client, ids.workflowId, 8, { runId: handle.firstExecutionRunId });
        await completedTasks(client, ids.workflowId, toLast.runId!, 2);
        const toFirst = await resetAndFinish(client, ids, toLast.runId!, 4);
        return { lastRun: await runHistory(client, ids.workflowId, toLast.runId!), toFirst };
      }),
    );
    expect(run.outcome).toMatchObject({ toFirst: { result: ['a'] } });
  });

  it('resets to a workflow task that was scheduled but not started: the server starts it, then fails it', async () => {
    const run = await servers.compare(
      scenario('unstarted', async (client, ids) => {
        const handle = await collectWithSignals(client, ids, ['a']);
        return resetAndFinish(client, ids, handle.firstExecutionRunId, 3);
      }),
    );
    expect(run.outcome).toMatchObject({ result: ['a'] });
  });

  it('reapplies an update completed after the reset point (as an admitted update the workflow runs again), or leaves it out when excluded', async () => {
    const run = await servers.compare(
      scenario('update', async (client, ids) => {
        const handle = await client.workflow.start('collectItems', { taskQueue: ids.taskQueue, workflowId: ids.workflowId });
        await completedTasks(client, ids.workflowId, undefined, 1);
        const count = await handle.executeUpdate('addItemUpdate', { args: ['u'], updateId: `update-${ids.workflowId}` });
        await handle.signal('addItem', 's');
        await completedTasks(client, ids.workflowId, undefined, 3);
        const reapplied = await resetAndFinish(client, ids, handle.firstExecutionRunId, 4);
        const excluded = await reset(client, ids.workflowId, 4, { runId: handle.firstExecutionRunId, exclude: [ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE] });
        const excludedRun = client.workflow.getHandle(ids.workflowId, excluded.runId!);
        await completedTasks(client, ids.workflowId, excluded.runId!, 1);
        await excludedRun.signal('finish');
        return { count, reapplied, excluded: await excludedRun.result() };
      }),
    );
    expect(run.outcome).toMatchObject({ count: 1, reapplied: { result: ['s', 'u'] }, excluded: ['s'] });
  });

  it('resets a completed run: its signals come back and the new run completes again', async () => {
    const run = await servers.compare(
      scenario('completed', async (client, ids) => {
        const handle = await collectWithSignals(client, ids, ['a', 'b']);
        await handle.signal('finish');
        await handle.result();
        const { runId } = await reset(client, ids.workflowId, 4, { runId: handle.firstExecutionRunId });
        const result = await client.workflow.getHandle(ids.workflowId, runId!).result();
        const base = await client.workflow.getHandle(ids.workflowId, handle.firstExecutionRunId).describe();
        return { result, baseStatus: base.status.name, baseHistory: await runHistory(client, ids.workflowId, handle.firstExecutionRunId) };
      }),
    );
    expect(run.outcome).toMatchObject({ result: ['a', 'b'], baseStatus: 'COMPLETED' });
  });

  it('keeps an activity and a timer pending at the reset point pending in the new run', async () => {
    const run = await servers.compare(
      scenario('pending', async (client, ids) => {
        const handle = await client.workflow.start('pendingWork', { taskQueue: ids.taskQueue, workflowId: ids.workflowId });
        await completedTasks(client, ids.workflowId, undefined, 1);
        await handle.signal('addItem', 'a');
        await completedTasks(client, ids.workflowId, undefined, 2);
        return resetAndFinish(client, ids, handle.firstExecutionRunId, 10);
      }),
    );
    expect(run.outcome).toMatchObject({ result: ['a'], pendingActivities: 1 });
  });

  it('keeps a child started before the reset point: the old parent leaves it running and its completion reaches the new run', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const ids = { taskQueue: `tq-reset-child-${suffix}`, workflowId: `wf-reset-child-${suffix}` };
      const childId = `${ids.workflowId}-child`;
      const outcome = await withWorker({ address, taskQueue: ids.taskQueue, workflowsPath, activities: {} }, async (client) => {
        const parent = await client.workflow.start('parentOfWaitingChild', { taskQueue: ids.taskQueue, workflowId: ids.workflowId });
        await completedTasks(client, ids.workflowId, undefined, 2); // the second task saw ChildWorkflowExecutionStarted
        await parent.signal('addItem', 'a');
        await completedTasks(client, ids.workflowId, undefined, 3);
        const { runId } = await reset(client, ids.workflowId, 13, { runId: parent.firstExecutionRunId });
        await completedTasks(client, ids.workflowId, runId!, 3);
        const childWhileReset = (await client.workflow.getHandle(childId).describe()).status.name;
        await client.workflow.getHandle(childId).signal('finish');
        const result = await client.workflow.getHandle(ids.workflowId, runId!).result();
        return { childWhileReset, result, baseHistory: await runHistory(client, ids.workflowId, parent.firstExecutionRunId) };
      });
      return { outcome, workflowIds: [ids.workflowId, childId] };
    });
    expect(run.outcome).toMatchObject({ childWhileReset: 'RUNNING', result: ['a', 'child done'] });
  });

  it('reapplies the completion of a child started before the reset point that completed after it', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const ids = { taskQueue: `tq-reset-child-done-${suffix}`, workflowId: `wf-reset-child-done-${suffix}` };
      const childId = `${ids.workflowId}-child`;
      const outcome = await withWorker({ address, taskQueue: ids.taskQueue, workflowsPath, activities: {} }, async (client) => {
        const parent = await client.workflow.start('parentOfWaitingChild', { taskQueue: ids.taskQueue, workflowId: ids.workflowId });
        await completedTasks(client, ids.workflowId, undefined, 2); // 9: the task that saw ChildWorkflowExecutionStarted
        await client.workflow.getHandle(childId).signal('finish');
        const before = await parent.result();
        const { runId } = await reset(client, ids.workflowId, 9, { runId: parent.firstExecutionRunId });
        const after = await client.workflow.getHandle(ids.workflowId, runId!).result();
        return { before, after, baseHistory: await runHistory(client, ids.workflowId, parent.firstExecutionRunId) };
      });
      return { outcome, workflowIds: [ids.workflowId, childId] };
    });
    expect(run.outcome).toMatchObject({ before: ['child done'], after: ['child done'] });
  });

  it('resets the last run of a continue-as-new chain', async () => {
    const run = await servers.compare(
      scenario('continued', async (client, ids) => {
        await client.workflow.start('continueThenCollect', { taskQueue: ids.taskQueue, workflowId: ids.workflowId, args: [1] });
        const current = client.workflow.getHandle(ids.workflowId);
        const first = (await current.describe()).runId;
        await untilAsync(async () => (await current.describe()).runId !== first, 'the continued run', 30_000);
        const lastRunId = (await current.describe()).runId;
        await completedTasks(client, ids.workflowId, lastRunId, 1);
        await current.signal('addItem', 'a');
        await completedTasks(client, ids.workflowId, lastRunId, 2);
        return resetAndFinish(client, ids, lastRunId, 4);
      }),
    );
    expect(run.outcome).toMatchObject({ result: ['a'] });
  });

  it('a request id used again resets again (Temporal dedups only against the current run create request id)', async () => {
    const run = await servers.compare(
      scenario('duplicate', async (client, ids) => {
        const handle = await collectWithSignals(client, ids, ['a']);
        const first = await reset(client, ids.workflowId, 8, { requestId: 'same-request' });
        const second = await reset(client, ids.workflowId, 8, { requestId: 'same-request' });
        const firstRun = client.workflow.getHandle(ids.workflowId, first.runId!);
        const secondRun = client.workflow.getHandle(ids.workflowId, second.runId!);
        await completedTasks(client, ids.workflowId, second.runId!, 2);
        await secondRun.signal('finish');
        return {
          distinct: first.runId !== second.runId,
          firstStatus: (await firstRun.describe()).status.name,
          result: await secondRun.result(),
          baseStatus: (await client.workflow.getHandle(ids.workflowId, handle.firstExecutionRunId).describe()).status.name,
        };
      }),
    );
    expect(run.outcome).toMatchObject({ result: ['a'], firstStatus: 'TERMINATED' });
  });

  it('refuses bad requests with the dev server codes and words', async () => {
    const run = await servers.compare(
      scenario('bad', async (client, ids) => {
        await collectWithSignals(client, ids, ['a']);
        const outcomes: Record<string, unknown> = {};
        const attempt = async (name: string, request: Record<string, unknown>) => {
          try {
            await client.workflowService.resetWorkflowExecution({ namespace: 'default', reason: 'r', ...request });
            outcomes[name] = 'accepted';
          } catch (err) {
            outcomes[name] = { code: (err as { code?: number }).code, details: (err as { details?: string }).details };
          }
        };
        const execution = { workflowId: ids.workflowId };
        await attempt('event 1', { workflowExecution: execution, requestId: 'r1', workflowTaskFinishEventId: 1 });
        await attempt('event 0', { workflowExecution: execution, requestId: 'r1', workflowTaskFinishEventId: 0 });
        await attempt('beyond the last event', { workflowExecution: execution, requestId: 'r1', workflowTaskFinishEventId: 9 });
        await attempt('a signal event', { workflowExecution: execution, requestId: 'r1', workflowTaskFinishEventId: 5 });
        await attempt('inside a batch', { workflowExecution: execution, requestId: 'r1', workflowTaskFinishEventId: 2 });
        await attempt('unknown reapply type', { workflowExecution: execution, requestId: 'r1', workflowTaskFinishEventId: 4, resetReapplyType: 9 });
        // (Temporal's frontend masks an INTERNAL error's text with a hash; Kairos says what it is: the code is compared.)
        outcomes['unknown reapply type'] = (outcomes['unknown reapply type'] as { code?: number }).code;
        await attempt('no request id', { workflowExecution: execution, workflowTaskFinishEventId: 4 });
        await attempt('no execution', { requestId: 'r1', workflowTaskFinishEventId: 4 });
        await attempt('no workflow id', { workflowExecution: { workflowId: '' }, requestId: 'r1', workflowTaskFinishEventId: 4 });
        await attempt('bad run id', { workflowExecution: { ...execution, runId: 'abc' }, requestId: 'r1', workflowTaskFinishEventId: 4 });
        await attempt('unknown workflow', { workflowExecution: { workflowId: `${ids.workflowId}-nope` }, requestId: 'r1', workflowTaskFinishEventId: 4 });
        await attempt('unknown run', { workflowExecution: { ...execution, runId: '1c1c1c1c-0000-4000-8000-000000000000' }, requestId: 'r1', workflowTaskFinishEventId: 4 });
        await client.workflow.getHandle(ids.workflowId).signal('finish');
        await client.workflow.getHandle(ids.workflowId).result();
        return outcomes;
      }),
    );
    expect(run.outcome).toMatchObject({ 'event 1': { code: 3 }, 'unknown workflow': { code: 5 }, 'unknown reapply type': 13 });
  });
});
