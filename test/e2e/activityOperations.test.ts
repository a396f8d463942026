import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { seconds, withWorker } from '../src/harness/sdk';
import { sleep, untilAsync } from '../src/harness/waiting';

/*
 * PauseActivity, UnpauseActivity, ResetActivity and UpdateActivityOptions, compared with the real
 * Temporal dev server: what the operator sees in DescribeWorkflowExecution, what the worker sees
 * (the attempts it is given, the pause or reset reported by its heartbeats) and the errors.
 */

const workflowsPath = require.resolve('../workflows/activityOperations.ts');

type Mode = 'fail' | 'succeed' | 'heartbeat';
/** What the activity does now and what it saw, per scenario (the scenarios run one at a time). */
const control: { mode: Mode; attempts: number[]; cancellations: { paused: boolean; reset: boolean; notFound: boolean }[] } = {
  mode: 'fail',
  attempts: [],
  cancellations: [],
};

const activities = {
  async controlled(): Promise<string> {
    const ctx = Context.current();
    control.attempts.push(ctx.info.attempt);
    if (control.mode === 'fail') throw new Error('boom');
    if (control.mode === 'succeed') return `done at attempt ${ctx.info.attempt}`;
    try {
      for (;;) {
        ctx.heartbeat('working');
        await ctx.sleep(200);
      }
    } catch (err) {
      const details = ctx.cancellationDetails;
      control.cancellations.push({ paused: !!details?.paused, reset: !!details?.reset, notFound: !!details?.notFound });
      control.mode = 'succeed';
      throw err;
    }
  },
};

type Ops = {
  client: Client;
  workflowId: string;
  /** The one pending activity as Describe shows it (undefined: none). */
  pending(): Promise<PendingSummary | undefined>;
};

interface PendingSummary {
  state: number;
  paused: boolean;
  attempt: number;
  pausedBy?: { identity?: string | null; reason?: string | null };
  lastFailure?: string | null;
  waitingForRetry: boolean;
  options: unknown;
}

/** Proto objects with Long values as plain JSON, so the two servers' answers compare. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null, (_k, v: unknown) => (v && typeof v === 'object' && 'low' in v && 'high' in v ? Number(String(v)) : v)));

function scenario(name: string, mode: Mode, body: (ops: Ops) => Promise<unknown>): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-actops-${name}-${suffix}`;
    const workflowId = `wf-actops-${name}-${suffix}`;
    control.mode = mode;
    control.attempts = [];
    control.cancellations = [];
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
      await client.workflow.start('operatedActivity', { taskQueue, workflowId, args: [name] });
      const pending = async (): Promise<PendingSummary | undefined> => {
        const d = await client.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
        const a = d.pendingActivities?.[0];
        if (!a) return undefined;
        const options = plain(a.activityOptions) as { taskQueue?: { name?: string } };
        return {
          state: a.state ?? 0,
          paused: !!a.paused,
          attempt: a.attempt ?? 0,
          pausedBy: a.pauseInfo?.manual ? { identity: a.pauseInfo.manual.identity, reason: a.pauseInfo.manual.reason } : undefined,
          lastFailure: a.lastFailure?.message,
          waitingForRetry: !!a.nextAttemptScheduleTime,
          options: { ...options, taskQueue: options.taskQueue?.name === taskQueue ? 'the workflow queue' : options.taskQueue },
        };
      };
      return body({ client, workflowId, pending });
    });
    return { outcome, workflowIds: [workflowId] };
  };
}

const STATE = { SCHEDULED: 1, STARTED: 2, CANCEL_REQUESTED: 3, PAUSED: 4, PAUSE_REQUESTED: 5 };

async function untilPending(ops: Ops, what: string, check: (a: PendingSummary) => boolean): Promise<PendingSummary> {
  let last: PendingSummary | undefined;
  await untilAsync(async () => {
    last = await ops.pending();
    return !!last && check(last);
  }, what, 20_000);
  return last!;
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (err: Error & { code?: number; details?: string }) => ({ code: err.code, message: err.details ?? err.message }),
  );

describe('activity pause, unpause, reset and new options, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('a paused retrying activity gets no new attempt until it is unpaused, then completes', async () => {
    const run = await servers.compare(
      scenario('pause', 'fail', async (ops) => {
        const ws = ops.client.workflowService;
        await untilPending(ops, 'a second attempt', (a) => a.attempt >= 2);
        await ws.pauseActivity({ namespace: 'default', execution: { workflowId: ops.workflowId }, id: 'op-1', identity: 'operator', reason: 'looking into it' });
        const paused = await untilPending(ops, 'the activity paused', (a) => a.state === STATE.PAUSED);
        const callsAtPause = control.attempts.length;
        await sleep(4500); // two retry intervals
        const later = (await ops.pending())!;
        const attemptsStopped = control.attempts.length === callsAtPause && later.attempt === paused.attempt;
        const again = await outcome(ws.pauseActivity({ namespace: 'default', execution: { workflowId: ops.workflowId }, id: 'op-1', requestId: 'another' }));
        control.mode = 'succeed';
        await ws.unpauseActivity({ namespace: 'default', execution: { workflowId: ops.workflowId }, id: 'op-1' });
        const result = await ops.client.workflow.getHandle(ops.workflowId).result();
        return {
          paused: { ...paused, attempt: undefined },
          attemptsStopped,
          pauseAgain: again,
          result: (result as string).startsWith('done at attempt'),
          resumedAt: control.attempts.at(-1) === paused.attempt,
        };
      }),
    );
    expect(run.outcome).toMatchObject({ attemptsStopped: true, result: true, resumedAt: true, paused: { state: STATE.PAUSED, paused: true, waitingForRetry: false } });
  });

  it('reset while paused (keep_paused) puts the attempt back to 1; the unpaused activity then runs attempt 1', async () => {
    const run = await servers.compare(
      scenario('reset-paused', 'fail', async (ops) => {
        const ws = ops.client.workflowService;
        const execution = { workflowId: ops.workflowId };
        await untilPending(ops, 'a third attempt', (a) => a.attempt >= 3);
        await ws.pauseActivity({ namespace: 'default', execution, type: 'controlled' });
        await untilPending(ops, 'the activity paused', (a) => a.state === STATE.PAUSED);
        await ws.resetActivity({ namespace: 'default', execution, id: 'op-1', keepPaused: true });
        const afterReset = await ops.pending();
        control.mode = 'succeed';
        await ws.unpauseActivity({ namespace: 'default', execution, id: 'op-1' });
        return { afterReset, result: await ops.client.workflow.getHandle(ops.workflowId).result() };
      }),
    );
    expect(run.outcome).toMatchObject({ afterReset: { attempt: 1, paused: true, state: STATE.PAUSED }, result: 'done at attempt 1' });
  });

  it('reset of a retry waiting for its backoff dispatches attempt 1 at once', async () => {
    const run = await servers.compare(
      scenario('reset-waiting', 'fail', async (ops) => {
        await untilPending(ops, 'a second attempt', (a) => a.attempt >= 2 && a.waitingForRetry);
        control.mode = 'succeed';
        await ops.client.workflowService.resetActivity({ namespace: 'default', execution: { workflowId: ops.workflowId }, matchAll: true });
        return ops.client.workflow.getHandle(ops.workflowId).result();
      }),
    );
    expect(run.outcome).toBe('done at attempt 1');
  });

  it('new options (timeouts, retry policy) show in Describe and the response; restore_original brings back the scheduled ones', async () => {
    const run = await servers.compare(
      scenario('options', 'fail', async (ops) => {
        const ws = ops.client.workflowService;
        const execution = { workflowId: ops.workflowId };
        await untilPending(ops, 'a second attempt', (a) => a.attempt >= 2);
        await ws.pauseActivity({ namespace: 'default', execution, id: 'op-1' });
        await untilPending(ops, 'the activity paused', (a) => a.state === STATE.PAUSED);
        const updated = await ws.updateActivityOptions({
          namespace: 'default',
          execution,
          id: 'op-1',
          activityOptions: {
            startToCloseTimeout: seconds(20),
            heartbeatTimeout: seconds(5),
            scheduleToCloseTimeout: seconds(600),
            retryPolicy: { maximumAttempts: 50, initialInterval: seconds(1), backoffCoefficient: 1.5 },
          },
          updateMask: { paths: ['start_to_close_timeout', 'heartbeat_timeout', 'schedule_to_close_timeout', 'retry_policy.maximum_attempts', 'retry_policy.initial_interval'] },
        });
        const described = (await ops.pending())!.options;
        const restored = await ws.updateActivityOptions({ namespace: 'default', execution, type: 'controlled', restoreOriginal: true });
        const describedAfterRestore = (await ops.pending())!.options;
        control.mode = 'succeed';
        await ws.unpauseActivity({ namespace: 'default', execution, unpauseAll: true });
        const result = await ops.client.workflow.getHandle(ops.workflowId).result();
        const tq = (o: unknown) => ({ ...(plain(o) as object), taskQueue: 'masked' });
        return { updated: tq(updated.activityOptions), described, restored: tq(restored.activityOptions), describedAfterRestore, result: (result as string).startsWith('done') };
      }),
    );
    expect(run.outcome).toMatchObject({
      described: { startToCloseTimeout: { seconds: '20' }, heartbeatTimeout: { seconds: '5' }, retryPolicy: { maximumAttempts: 50, initialInterval: { seconds: '1' } } },
      describedAfterRestore: { startToCloseTimeout: { seconds: '30' }, heartbeatTimeout: { seconds: '10' } },
      result: true,
    });
  });

  it('a heartbeating activity learns of its pause (cancelled, paused) and runs again once unpaused', async () => {
    const run = await servers.compare(
      scenario('heartbeat-pause', 'heartbeat', async (ops) => {
        const ws = ops.client.workflowService;
        const execution = { workflowId: ops.workflowId };
        await untilPending(ops, 'the activity heartbeating', (a) => a.state === STATE.STARTED);
        await ws.pauseActivity({ namespace: 'default', execution, id: 'op-1', reason: 'hold on' });
        const paused = await untilPending(ops, 'the attempt ended', (a) => a.state === STATE.PAUSED);
        await ws.unpauseActivity({ namespace: 'default', execution, id: 'op-1' });
        const result = await ops.client.workflow.getHandle(ops.workflowId).result();
        return { cancellations: control.cancellations, paused, result };
      }),
    );
    expect(run.outcome).toMatchObject({ cancellations: [{ paused: true, reset: false }], paused: { lastFailure: 'Activity paused', attempt: 2 }, result: 'done at attempt 2' });
  });

  it('a heartbeating activity learns of its reset (cancelled, reset) and its next attempt follows', async () => {
    const run = await servers.compare(
      scenario('heartbeat-reset', 'heartbeat', async (ops) => {
        await untilPending(ops, 'the activity heartbeating', (a) => a.state === STATE.STARTED);
        await ops.client.workflowService.resetActivity({ namespace: 'default', execution: { workflowId: ops.workflowId }, id: 'op-1' });
        const result = await ops.client.workflow.getHandle(ops.workflowId).result();
        return { cancellations: control.cancellations, attempts: control.attempts, result };
      }),
    );
    expect(run.outcome).toMatchObject({ cancellations: [{ reset: true }] });
  });

  it('refuses bad requests with Temporal codes and messages', async () => {
    const run = await servers.compare(
      scenario('bad', 'fail', async (ops) => {
        const ws = ops.client.workflowService;
        const execution = { workflowId: ops.workflowId };
        await untilPending(ops, 'a second attempt', (a) => a.attempt >= 2);
        const answers: Record<string, unknown> = {
          noWorkflowId: await outcome(ws.pauseActivity({ namespace: 'default', execution: {}, id: 'op-1' })),
          noActivity: await outcome(ws.pauseActivity({ namespace: 'default', execution })),
          unknownId: await outcome(ws.pauseActivity({ namespace: 'default', execution, id: 'nope' })),
          unknownType: await outcome(ws.pauseActivity({ namespace: 'default', execution, type: 'nope' })),
          unknownWorkflow: await outcome(ws.pauseActivity({ namespace: 'default', execution: { workflowId: 'no-such-workflow' }, id: 'op-1' })),
          unpauseNotPaused: await outcome(ws.unpauseActivity({ namespace: 'default', execution, id: 'op-1' })),
          resetUnknown: await outcome(ws.resetActivity({ namespace: 'default', execution, id: 'nope' })),
          resetNoActivity: await outcome(ws.resetActivity({ namespace: 'default', execution })),
          optionsNoMask: await outcome(ws.updateActivityOptions({ namespace: 'default', execution, id: 'op-1', activityOptions: {} })),
          optionsNoOptions: await outcome(ws.updateActivityOptions({ namespace: 'default', execution, id: 'op-1', updateMask: { paths: ['heartbeat_timeout'] } })),
          optionsMaskAndRestore: await outcome(
            ws.updateActivityOptions({ namespace: 'default', execution, id: 'op-1', restoreOriginal: true, updateMask: { paths: ['heartbeat_timeout'] } }),
          ),
          optionsBadPolicy: await outcome(
            ws.updateActivityOptions({ namespace: 'default', execution, id: 'op-1', activityOptions: { retryPolicy: { backoffCoefficient: 0.5 } }, updateMask: { paths: ['retry_policy.backoff_coefficient'] } }),
          ),
          optionsNoRetryPolicy: await outcome(ws.updateActivityOptions({ namespace: 'default', execution, id: 'op-1', activityOptions: {}, updateMask: { paths: ['retry_policy.maximum_attempts'] } })),
          optionsNoTimeouts: await outcome(
            ws.updateActivityOptions({ namespace: 'default', execution, id: 'op-1', activityOptions: {}, updateMask: { paths: ['start_to_close_timeout', 'schedule_to_close_timeout'] } }),
          ),
          optionsBadPriority: await outcome(ws.updateActivityOptions({ namespace: 'default', execution, id: 'op-1', activityOptions: { priority: { priorityKey: -1 } }, updateMask: { paths: ['priority'] } })),
          executionStandalone: await outcome(ws.pauseActivityExecution({ namespace: 'default', activityId: 'op-1' })),
          executionNoActivityId: await outcome(ws.pauseActivityExecution({ namespace: 'default', workflowId: ops.workflowId })),
          executionBadRunId: await outcome(ws.resetActivityExecution({ namespace: 'default', workflowId: ops.workflowId, activityId: 'op-1', runId: 'not-a-uuid' })),
          executionEmptyMask: await outcome(ws.updateActivityExecutionOptions({ namespace: 'default', workflowId: ops.workflowId, activityId: 'op-1', activityOptions: {}, updateMask: { paths: [] } })),
          executionBadPath: await outcome(ws.updateActivityExecutionOptions({ namespace: 'default', workflowId: ops.workflowId, activityId: 'op-1', activityOptions: {}, updateMask: { paths: ['input'] } })),
          executionUnknownId: await outcome(ws.unpauseActivityExecution({ namespace: 'default', workflowId: ops.workflowId, activityId: 'nope' })),
        };
        control.mode = 'succeed';
        await ops.client.workflow.getHandle(ops.workflowId).result();
        answers.pauseClosedById = await outcome(ws.pauseActivity({ namespace: 'default', execution, id: 'op-1' }));
        answers.pauseClosedByType = await outcome(ws.pauseActivity({ namespace: 'default', execution, type: 'controlled' }));
        answers.unpauseClosed = await outcome(ws.unpauseActivity({ namespace: 'default', execution, id: 'op-1' }));
        answers.resetClosed = await outcome(ws.resetActivity({ namespace: 'default', execution, id: 'op-1' }));
        answers.optionsClosed = await outcome(ws.updateActivityOptions({ namespace: 'default', execution, id: 'op-1', activityOptions: {}, updateMask: { paths: [] } }));
        answers.pauseWorkflow = await outcome(ws.pauseWorkflowExecution({ namespace: 'default', workflowId: ops.workflowId, reason: 'x' }));
        return answers;
      }),
    );
    expect(run.outcome).toMatchObject({ unknownId: { code: 5 }, noActivity: { code: 3 } });
  });
});

describe('workflow options and pause, compared with the real Temporal dev server (no worker versioning in use)', () => {
  const servers = useOracleServers();

  it('UpdateWorkflowExecutionOptions: priority and an auto-upgrade override are written as WorkflowExecutionOptionsUpdated; pinned overrides, bad masks and closed runs are refused; unpause finds nothing paused; workflow rules are off', async () => {
    const run = await servers.compare(
      scenario('wf-options', 'fail', async (ops) => {
        const ws = ops.client.workflowService;
        const workflowExecution = { workflowId: ops.workflowId };
        const update = (options: Record<string, unknown>, paths?: string[]) =>
          ws.updateWorkflowExecutionOptions({ namespace: 'default', workflowExecution, workflowExecutionOptions: options, updateMask: paths && { paths } }).then(
            (r) => plain(r),
            (err: Error & { code?: number; details?: string }) => ({ code: err.code, message: err.details ?? err.message }),
          );
        await untilPending(ops, 'the activity retrying', (a) => a.attempt >= 2);
        // Held while the options change, so the attempt it completes at does not depend on timing.
        await ws.pauseActivity({ namespace: 'default', execution: workflowExecution, id: 'op-1' });
        await untilPending(ops, 'the activity paused', (a) => a.state === STATE.PAUSED);
        const answers: Record<string, unknown> = {
          noMask: await update({}),
          emptyMask: await update({}, []),
          badPath: await update({}, ['nope']),
          camelPath: await update({}, ['versioningOverride']),
          unsetOverride: await update({}, ['versioning_override']),
          pinnedNoVersion: await update({ versioningOverride: { pinned: { behavior: 1 } } }, ['versioning_override']),
          autoUpgrade: await update({ versioningOverride: { autoUpgrade: true } }, ['versioning_override']),
          partial: await update({ versioningOverride: { autoUpgrade: true } }, ['versioning_override.auto_upgrade']),
          pinnedAfterAutoUpgrade: await update({ versioningOverride: { pinned: { behavior: 1 } } }, ['versioning_override']),
          pinnedVersion: await update({ versioningOverride: { pinned: { behavior: 1, version: { deploymentName: 'd', buildId: 'b' } } } }, ['versioning_override']),
          priority: await update({ priority: { priorityKey: 3 } }, ['priority']),
          priorityKeyOnly: await update({ priority: { priorityKey: 4, fairnessKey: 'ignored' } }, ['priority.priority_key']),
          samePriority: await update({ priority: { priorityKey: 4 } }, ['priority.priority_key']),
          badPriority: await update({ priority: { priorityKey: -1 } }, ['priority']),
          unpauseRunning: await outcome(ws.unpauseWorkflowExecution({ namespace: 'default', workflowId: ops.workflowId })),
          unpauseUnknown: await outcome(ws.unpauseWorkflowExecution({ namespace: 'default', workflowId: `${ops.workflowId}-none` })),
          pause: await outcome(ws.pauseWorkflowExecution({ namespace: 'default', workflowId: ops.workflowId })),
          listRules: await outcome(ws.listWorkflowRules({ namespace: 'default' })),
          createRule: await outcome(ws.createWorkflowRule({ namespace: 'default', spec: { id: 'r1', visibilityQuery: `WorkflowId = '${ops.workflowId}'` }, description: 'd' })),
          describeRule: await outcome(ws.describeWorkflowRule({ namespace: 'default', ruleId: 'r1' })),
          deleteRule: await outcome(ws.deleteWorkflowRule({ namespace: 'default', ruleId: 'r1' })),
          triggerRule: await outcome(ws.triggerWorkflowRule({ namespace: 'default', execution: workflowExecution, id: 'r1' })),
        };
        const described = await ws.describeWorkflowExecution({ namespace: 'default', execution: workflowExecution });
        answers.describedVersioning = plain(described.workflowExecutionInfo?.versioningInfo);
        control.mode = 'succeed';
        await ws.resetActivity({ namespace: 'default', execution: workflowExecution, id: 'op-1' });
        answers.result = await ops.client.workflow.getHandle(ops.workflowId).result();
        answers.closed = await update({}, []);
        answers.unpauseClosed = await outcome(ws.unpauseWorkflowExecution({ namespace: 'default', workflowId: ops.workflowId }));
        return answers;
      }),
    );
    expect(run.outcome).toMatchObject({ autoUpgrade: { workflowExecutionOptions: { versioningOverride: { autoUpgrade: true } } }, unpauseRunning: { code: 9 } });
  });
});
