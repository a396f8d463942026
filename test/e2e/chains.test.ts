import { WorkflowFailedError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, TimeoutFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { normalizeHistory } from '../src/harness/normalize';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/chains.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A scenario on a fresh task queue and workflow id; `compareCurrentRun` adds the chain's last run to the histories compared. */
function scenario(name: string, compareCurrentRun: boolean, body: (client: Client, ids: { taskQueue: string; workflowId: string }) => Promise<unknown>): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-${name}-${suffix}`;
    const workflowId = `wf-${name}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities: {} }, (client) => body(client, { taskQueue, workflowId }));
    return { outcome, workflowIds: compareCurrentRun ? [workflowId] : [] };
  };
}

/** The runs of a chain, first to last, each with its normalized history (compared through the outcome). */
async function chainRuns(client: Client, workflowId: string, firstRunId: string, count: number) {
  const runs: Array<{ closeEvent: string; history: unknown }> = [];
  let runId = firstRunId;
  for (let i = 0; i < count && runId; i++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const last = history.events!.at(-1)!;
    runs.push({ closeEvent: eventTypes(history).at(-1)!, history: normalizeHistory(history) });
    const attrs =
      last.workflowExecutionCompletedEventAttributes ?? last.workflowExecutionFailedEventAttributes ?? last.workflowExecutionTimedOutEventAttributes;
    runId = attrs?.newExecutionRunId ?? '';
  }
  return runs;
}

/** Waits until the run has closed (without following the chain). */
async function waitClosed(client: Client, workflowId: string, runId: string): Promise<void> {
  for (;;) {
    const { status } = await client.workflow.getHandle(workflowId, runId).describe();
    if (status.name !== 'RUNNING') return;
    await sleep(200);
  }
}

describe('cron schedules, start delays and retries after run timeouts (TypeScript SDK), compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('a cron workflow runs at each scheduled time, each run seeing the last result, until terminated', async () => {
    const run = await servers.compare(
      scenario('cron', false, async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('cronCounter', { taskQueue, workflowId, cronSchedule: '@every 2s' });
        const first = handle.firstExecutionRunId;
        // The first run closes about two seconds in, the second about four; each names the next.
        await waitClosed(client, workflowId, first);
        const runs1 = await chainRuns(client, workflowId, first, 1);
        const secondRunId = (await client.workflow.getHandle(workflowId, first).fetchHistory()).events!.at(-1)!.workflowExecutionCompletedEventAttributes!.newExecutionRunId!;
        await waitClosed(client, workflowId, secondRunId);
        const runs = await chainRuns(client, workflowId, first, 2);
        // Each run's result, from its WorkflowExecutionCompleted (the SDK's result() follows the chain).
        const results = await Promise.all(
          [first, secondRunId].map(async (runId) => {
            const completed = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events!.at(-1)!.workflowExecutionCompletedEventAttributes!;
            return defaultPayloadConverter.fromPayload(completed.result!.payloads![0]!);
          }),
        );
        // Terminating ends the chain: no run follows a terminated one.
        await client.workflow.getHandle(workflowId).terminate('enough');
        const current = await client.workflow.getHandle(workflowId).describe();
        return { results, runs, firstRunSeenAlone: runs1.length, status: current.status.name };
      }),
    );
    expect(run.outcome).toMatchObject({ results: [1, 2], firstRunSeenAlone: 1, status: 'TERMINATED' });
  });

  it('a bad cron schedule is INVALID_ARGUMENT, and so is a cron schedule with a start delay', async () => {
    const run = await servers.compare(
      scenario('cron-invalid', false, async (client, { taskQueue, workflowId }) => {
        const errors: string[] = [];
        for (const options of [{ cronSchedule: 'not a schedule' }, { cronSchedule: '61 * * * *' }, { cronSchedule: '* * * * *', startDelay: '1s' }]) {
          try {
            await client.workflow.start('cronCounter', { taskQueue, workflowId, ...options });
            errors.push('started');
          } catch (err) {
            errors.push(((err as Error).cause as Error | undefined)?.message ?? (err as Error).message);
          }
        }
        return errors;
      }),
    );
    expect(run.outcome).toEqual([
      '3 INVALID_ARGUMENT: invalid CronSchedule.',
      '3 INVALID_ARGUMENT: invalid CronSchedule.',
      '3 INVALID_ARGUMENT: CronSchedule and WorkflowStartDelay may not be used together.',
    ]);
  });

  it('a start delay holds the first workflow task back; a signal meanwhile waits for it', async () => {
    const run = await servers.compare(
      scenario('start-delay', true, async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.signalWithStart('waitsForRelease', { taskQueue, workflowId, startDelay: '2s', signal: 'release' });
        await sleep(500);
        const early = (await handle.fetchHistory()).events!.length;
        return { early, result: await handle.result() };
      }),
    );
    // Started and Signaled only, until the delay ends.
    expect(run.outcome).toEqual({ early: 2, result: 'released on attempt 1' });
  });

  it('a run that times out is retried by its retry policy; the last attempt reports the retry state', async () => {
    const run = await servers.compare(
      scenario('run-timeout-retry', true, async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('sleepsForever', {
          taskQueue,
          workflowId,
          workflowRunTimeout: '1s',
          retry: { maximumAttempts: 2, initialInterval: '1s' },
        });
        let failure: unknown;
        try {
          await handle.result();
        } catch (err) {
          const cause = (err as WorkflowFailedError).cause;
          failure = { error: (err as Error).name, retryState: (err as WorkflowFailedError).retryState, cause: cause instanceof TimeoutFailure ? cause.timeoutType : cause?.message };
        }
        return { failure, runs: await chainRuns(client, workflowId, handle.firstExecutionRunId, 3) };
      }),
    );
    expect(run.outcome).toMatchObject({ failure: { error: 'WorkflowFailedError', retryState: 'MAXIMUM_ATTEMPTS_REACHED' } });
    expect((run.outcome as { runs: unknown[] }).runs.map((r) => (r as { closeEvent: string }).closeEvent)).toEqual(['WorkflowExecutionTimedOut', 'WorkflowExecutionTimedOut']);
  });

  it('the execution timeout spans the chain: a retried run ends at the first run’s deadline', async () => {
    const run = await servers.compare(
      scenario('execution-timeout-chain', true, async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('sleepsForever', {
          taskQueue,
          workflowId,
          workflowRunTimeout: '2s',
          workflowExecutionTimeout: '4s',
          retry: { initialInterval: '1s' },
        });
        let failure: unknown;
        try {
          await handle.result();
        } catch (err) {
          failure = { error: (err as Error).name, retryState: (err as WorkflowFailedError).retryState };
        }
        return { failure, runs: (await chainRuns(client, workflowId, handle.firstExecutionRunId, 5)).map((r) => r.closeEvent) };
      }),
    );
    expect(run.outcome).toEqual({ failure: { error: 'WorkflowFailedError', retryState: 'TIMEOUT' }, runs: ['WorkflowExecutionTimedOut', 'WorkflowExecutionTimedOut'] });
  });
});
