import { createHash } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { startKairosDev } from '../src/harness/servers';
import { untilAsync } from '../src/harness/waiting';
import { withWorker } from '../src/harness/sdk';

/**
 * Batch operations (StartBatchOperation, Describe, List, Stop) compared with the real Temporal dev
 * server: the touched workflows' histories event by event, what Describe and List report, and the
 * refusals' codes and words. Targets are started without a worker, so their histories hold only
 * what the batch wrote. Temporal allows one running batch per namespace by default, so each
 * scenario waits for its batch to finish.
 */

type WorkflowService = Connection['workflowService'];
const NS = 'default';

/** No client retries: RESOURCE_EXHAUSTED must reach the test. */
async function connect(address: string): Promise<Connection> {
  return Connection.connect({ address, interceptors: [] });
}

/** Temporal's batcher request ids: a name-based UUID v5 (SHA-1, nil namespace) of `job:part:...`. */
function temporalBatchRequestId(...parts: string[]): string {
  const hash = createHash('sha1').update(Buffer.alloc(16)).update(parts.join(':')).digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Starts `n` workflows `<prefix>-<i>` (no worker) and waits until visibility lists them all. */
async function startTargets(svc: WorkflowService, prefix: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map((workflowId) =>
        svc.startWorkflowExecution({ namespace: NS, workflowId, workflowType: { name: 'batchTarget' }, taskQueue: { name: `tq-${prefix}` }, requestId: `start-${workflowId}`, identity: 'batch-test' }),
      ),
    );
  }
  await untilAsync(async () => Number((await svc.countWorkflowExecutions({ namespace: NS, query: `WorkflowId STARTS_WITH '${prefix}-'` })).count) === n, `${n} targets listed`, 30_000);
  return ids;
}

async function waitBatchDone(svc: WorkflowService, jobId: string): Promise<void> {
  await untilAsync(async () => (await svc.describeBatchOperation({ namespace: NS, jobId })).state !== 1 /* RUNNING */, `batch ${jobId} to finish`, 60_000);
}

/** What Describe reports, times reduced to their presence. */
async function described(svc: WorkflowService, jobId: string) {
  const d = await svc.describeBatchOperation({ namespace: NS, jobId });
  return {
    operationType: d.operationType,
    jobId: d.jobId,
    state: d.state,
    startTime: !!d.startTime,
    closeTime: !!d.closeTime,
    total: Number(d.totalOperationCount),
    complete: Number(d.completeOperationCount),
    failure: Number(d.failureOperationCount),
    identity: d.identity,
    reason: d.reason,
    query: d.query,
    executions: (d.executions ?? []).map((e) => ({ type: e.type, businessId: e.businessId, runId: e.runId })),
  };
}

/** The job's entry in ListBatchOperations. */
async function listed(svc: WorkflowService, jobId: string) {
  await untilAsync(async () => ((await svc.listBatchOperations({ namespace: NS })).operationInfo ?? []).some((o) => o.jobId === jobId && o.state !== 1), `${jobId} listed closed`, 20_000);
  const info = (await svc.listBatchOperations({ namespace: NS })).operationInfo!.find((o) => o.jobId === jobId)!;
  return { state: info.state, operationType: info.operationType, startTime: !!info.startTime, closeTime: !!info.closeTime };
}

/** A refusal as plain data: code, message (run ids masked) and the error detail's type. */
async function refusal(call: () => Promise<unknown>) {
  try {
    await call();
    return 'OK';
  } catch (err) {
    const e = err as { code?: number; details?: string; metadata?: { get(key: string): unknown[] } };
    const raw = e.metadata?.get('grpc-status-details-bin')?.[0] as Buffer | undefined;
    const detail = raw ? /temporal\.api\.errordetails\.v1\.(\w+)/.exec(raw.toString('latin1'))?.[1] : undefined;
    return { code: e.code, message: (e.details ?? '').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<run-id>'), detail };
  }
}

/** A scenario with a raw WorkflowService connection. */
function scenario(body: (svc: WorkflowService, suffix: string) => Promise<{ outcome: unknown; workflowIds: string[] }>): Scenario {
  return async (address, { suffix }) => {
    const connection = await connect(address);
    try {
      return await body(connection.workflowService, suffix);
    } finally {
      await connection.close();
    }
  };
}

describe('batch operations, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('terminate over a visibility query: each open target terminated with the batch reason; Describe and List', async () => {
    const run = await servers.compare(
      scenario(async (svc, suffix) => {
        const prefix = `bt-${suffix}`;
        const ids = await startTargets(svc, prefix, 5);
        // One target already closed: the query's running filter leaves it out.
        await svc.terminateWorkflowExecution({ namespace: NS, workflowExecution: { workflowId: ids[4] }, reason: 'before the batch', identity: 'batch-test' });
        const jobId = `job-term-${suffix}`;
        await svc.startBatchOperation({ namespace: NS, jobId, reason: 'batch says stop', visibilityQuery: `WorkflowId STARTS_WITH '${prefix}-'`, terminationOperation: { identity: 'operator' } });
        await waitBatchDone(svc, jobId);
        return { outcome: { describe: await described(svc, jobId), list: await listed(svc, jobId) }, workflowIds: ids };
      }),
    );
    expect(run.outcome).toMatchObject({ describe: { state: 2 /* COMPLETED */, total: 4, complete: 4, failure: 0, identity: 'operator' } });
    for (const [id, events] of Object.entries(run.histories)) {
      const last = events.at(-1) as { eventType: string; workflowExecutionTerminatedEventAttributes?: { reason: string } };
      expect(last.eventType, id).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED');
    }
  });

  it('signal over a visibility query: one signal per target, its request id derived from the job id as Temporal derives it', async () => {
    const run = await servers.compare(
      scenario(async (svc, suffix) => {
        const prefix = `bs-${suffix}`;
        const ids = await startTargets(svc, prefix, 6);
        const jobId = `job-sig-${suffix}`;
        const input = { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"n":42}') }] };
        await svc.startBatchOperation({ namespace: NS, jobId, reason: 'wake up', visibilityQuery: `WorkflowId STARTS_WITH '${prefix}-'`, signalOperation: { signal: 'poke', input, identity: 'signaller' } });
        await waitBatchDone(svc, jobId);
        const requestIds: Record<string, string> = {};
        for (const workflowId of ids) {
          const runId = (await svc.describeWorkflowExecution({ namespace: NS, execution: { workflowId } })).workflowExecutionInfo!.execution!.runId!;
          const events = (await svc.getWorkflowExecutionHistory({ namespace: NS, execution: { workflowId } })).history!.events!;
          const signalled = events.filter((e) => e.workflowExecutionSignaledEventAttributes);
          const expected = temporalBatchRequestId(jobId, 'signal', workflowId, runId, 'poke');
          requestIds[workflowId] = signalled.length === 1 && signalled[0]!.workflowExecutionSignaledEventAttributes!.requestId === expected ? 'as Temporal derives it' : 'other';
        }
        return { outcome: { describe: await described(svc, jobId), list: await listed(svc, jobId), requestIds }, workflowIds: ids };
      }),
    );
    expect(Object.values((run.outcome as { requestIds: Record<string, string> }).requestIds)).toEqual(Array(6).fill('as Temporal derives it'));
    expect(run.outcome).toMatchObject({ describe: { state: 2, total: 6, complete: 6, identity: 'signaller', reason: 'wake up' } });
  });

  it('cancel over a list of executions (one unknown, counted done as Temporal counts NOT_FOUND)', async () => {
    const run = await servers.compare(
      scenario(async (svc, suffix) => {
        const prefix = `bc-${suffix}`;
        const ids = await startTargets(svc, prefix, 3);
        const jobId = `job-cancel-${suffix}`;
        await svc.startBatchOperation({
          namespace: NS,
          jobId,
          reason: 'wind down',
          executions: [{ workflowId: ids[0] }, { workflowId: ids[1] }, { workflowId: `nobody-${suffix}` }],
          cancellationOperation: { identity: 'canceller' },
        });
        await waitBatchDone(svc, jobId);
        return { outcome: { describe: await described(svc, jobId), list: await listed(svc, jobId) }, workflowIds: ids };
      }),
    );
    expect(run.outcome).toMatchObject({ describe: { state: 2, total: 3, complete: 3, failure: 0, executions: [{ businessId: expect.stringMatching(/^bc-/) }, {}, {}] } });
    const cancelled = Object.values(run.histories).filter((events) => events.some((e) => (e as { eventType: string }).eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED'));
    expect(cancelled).toHaveLength(2);
  });

  it('delete over a visibility query: the targets are gone, others stay', async () => {
    const run = await servers.compare(
      scenario(async (svc, suffix) => {
        const prefix = `bd-${suffix}`;
        const ids = await startTargets(svc, prefix, 3);
        const jobId = `job-delete-${suffix}`;
        await svc.startBatchOperation({ namespace: NS, jobId, reason: 'clean up', visibilityQuery: `WorkflowId = '${ids[0]}' OR WorkflowId = '${ids[1]}'`, deletionOperation: { identity: 'deleter' } });
        await waitBatchDone(svc, jobId);
        const gone = [];
        for (const workflowId of ids.slice(0, 2)) {
          await untilAsync(async () => (await refusal(() => svc.describeWorkflowExecution({ namespace: NS, execution: { workflowId } }))) !== 'OK', `${workflowId} deleted`, 60_000);
          gone.push(await refusal(() => svc.describeWorkflowExecution({ namespace: NS, execution: { workflowId } })));
        }
        return { outcome: { describe: await described(svc, jobId), gone }, workflowIds: [ids[2]!] };
      }),
    );
    expect(run.outcome).toMatchObject({ describe: { state: 2, total: 2, complete: 2, operationType: 16 /* DELETE_WORKFLOW */ } });
  });

  it('reset over a visibility query: each target reset to its first workflow task, its signal reapplied, then finishing as before', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const prefix = `br-${suffix}`;
      const taskQueue = `tq-${prefix}`;
      const ids = [0, 1, 2].map((i) => `${prefix}-${i}`);
      const workflowsPath = require.resolve('../workflows/reset.ts');
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities: {} }, async (client) => {
        const svc = client.workflowService;
        const completedTasks = async (workflowId: string) =>
          ((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).length;
        for (const workflowId of ids) {
          const handle = await client.workflow.start('collectItems', { taskQueue, workflowId });
          await untilAsync(async () => (await completedTasks(workflowId)) >= 1, `${workflowId} first task`, 20_000);
          await handle.signal('addItem', 'before');
          await untilAsync(async () => (await completedTasks(workflowId)) >= 2, `${workflowId} signal task`, 20_000);
        }
        await untilAsync(async () => Number((await svc.countWorkflowExecutions({ namespace: NS, query: `WorkflowId STARTS_WITH '${prefix}-'` })).count) === 3, 'targets listed', 30_000);
        const jobId = `job-reset-${suffix}`;
        await svc.startBatchOperation({
          namespace: NS,
          jobId,
          reason: 'batch reset',
          visibilityQuery: `WorkflowId STARTS_WITH '${prefix}-' AND ExecutionStatus = 'Running'`,
          resetOperation: { identity: 'resetter', options: { firstWorkflowTask: {} } },
        });
        await waitBatchDone(svc, jobId);
        const results = [];
        for (const workflowId of ids) {
          // The new run has taken its task (the reapplied signal) before it is told to finish.
          const tookItsTask = async () => {
            const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
            const failedAt = events.findIndex((e) => e.workflowTaskFailedEventAttributes);
            return failedAt >= 0 && events.slice(failedAt).some((e) => e.workflowTaskCompletedEventAttributes);
          };
          await untilAsync(tookItsTask, `${workflowId} new run's task`, 20_000);
          const handle = client.workflow.getHandle(workflowId);
          await handle.signal('finish');
          results.push(await handle.result());
        }
        return { describe: await described(svc, jobId), results };
      });
      return { outcome, workflowIds: ids };
    });
    expect(run.outcome).toMatchObject({ describe: { state: 2, total: 3, complete: 3, failure: 0, operationType: 17 /* RESET_WORKFLOW */ }, results: [['before'], ['before'], ['before']] });
    for (const events of Object.values(run.histories)) {
      const failed = events.find((e) => (e as { eventType: string }).eventType === 'EVENT_TYPE_WORKFLOW_TASK_FAILED') as { workflowTaskFailedEventAttributes?: { cause?: string; identity?: string } } | undefined;
      expect(failed?.workflowTaskFailedEventAttributes).toMatchObject({ cause: 'WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW' });
    }
  });

  it('unpause activities over a visibility query: every paused activity runs again and its workflow completes', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const prefix = `bu-${suffix}`;
      const taskQueue = `tq-${prefix}`;
      const ids = [0, 1].map((i) => `${prefix}-${i}`);
      const failing = { on: true };
      const activities = {
        async controlled(): Promise<string> {
          if (failing.on) throw new Error('not yet');
          return 'done';
        },
      };
      const workflowsPath = require.resolve('../workflows/activityOperations.ts');
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const svc = client.workflowService;
        const pendingState = async (workflowId: string) => (await svc.describeWorkflowExecution({ namespace: NS, execution: { workflowId } })).pendingActivities?.[0];
        for (const workflowId of ids) {
          await client.workflow.start('operatedActivity', { taskQueue, workflowId, args: [workflowId] });
          await untilAsync(async () => ((await pendingState(workflowId))?.attempt ?? 0) >= 2, `${workflowId} retrying`, 20_000);
          await svc.pauseActivity({ namespace: NS, execution: { workflowId }, id: 'op-1', identity: 'operator', reason: 'hold' });
          await untilAsync(async () => (await pendingState(workflowId))?.paused === true, `${workflowId} paused`, 20_000);
        }
        failing.on = false;
        await untilAsync(async () => Number((await svc.countWorkflowExecutions({ namespace: NS, query: `WorkflowId STARTS_WITH '${prefix}-'` })).count) === 2, 'targets listed', 30_000);
        const jobId = `job-unpause-${suffix}`;
        await svc.startBatchOperation({
          namespace: NS,
          jobId,
          reason: 'go on',
          visibilityQuery: `WorkflowId STARTS_WITH '${prefix}-'`,
          unpauseActivitiesOperation: { identity: 'operator', matchAll: true },
        });
        await waitBatchDone(svc, jobId);
        const results = await Promise.all(ids.map((workflowId) => client.workflow.getHandle(workflowId).result()));
        return { describe: await described(svc, jobId), results };
      });
      // Retry attempts depend on timing: the outcome is compared, not the histories.
      return { outcome, workflowIds: [] };
    });
    expect(run.outcome).toMatchObject({ describe: { state: 2, total: 2, complete: 2, failure: 0 }, results: ['done', 'done'] });
  });

  it('refuses bad requests with Temporal codes and words', async () => {
    const run = await servers.compare(
      scenario(async (svc, suffix) => {
        const job = `job-bad-${suffix}`;
        const base = { namespace: NS, jobId: job, reason: 'r', visibilityQuery: `WorkflowId = 'none-${suffix}'`, terminationOperation: {} };
        const outcome: Record<string, unknown> = {};
        for (const q of ['WorkflowId = ', '()', "WorkflowId = 'a' AND AND x", "WorkflowId = 'a' OR", "WorkflowId = 'unterminated", 'a b c', "WorkflowId == 'x'", 'ORDER BY StartTime', "WorkflowId = 'a' )", "WorkflowId = 'é' AND AND"]) {
          outcome[`query ${q}`] = await refusal(() => svc.startBatchOperation({ ...base, visibilityQuery: q }));
        }
        outcome.noReason = await refusal(() => svc.startBatchOperation({ ...base, reason: '' }));
        outcome.noJobId = await refusal(() => svc.startBatchOperation({ ...base, jobId: '' }));
        outcome.noOperation = await refusal(() => svc.startBatchOperation({ ...base, terminationOperation: undefined }));
        outcome.noTargets = await refusal(() => svc.startBatchOperation({ ...base, visibilityQuery: '' }));
        outcome.twoSelectors = await refusal(() => svc.startBatchOperation({ ...base, executions: [{ workflowId: 'x' }] }));
        outcome.wrongTargetType = await refusal(() => svc.startBatchOperation({ ...base, visibilityQuery: '', targetExecutions: [{ type: 2, businessId: 'x' }] }));
        outcome.noSignalName = await refusal(() => svc.startBatchOperation({ ...base, terminationOperation: undefined, signalOperation: { signal: '' } }));
        outcome.unknownNamespace = await refusal(() => svc.startBatchOperation({ ...base, namespace: `nowhere-${suffix}` }));
        outcome.describeNoJob = await refusal(() => svc.describeBatchOperation({ namespace: NS }));
        outcome.describeUnknown = await refusal(() => svc.describeBatchOperation({ namespace: NS, jobId: `nojob-${suffix}` }));
        outcome.stopUnknown = await refusal(() => svc.stopBatchOperation({ namespace: NS, jobId: `nojob-${suffix}`, reason: 'stop' }));
        outcome.stopNoReason = await refusal(() => svc.stopBatchOperation({ namespace: NS, jobId: `nojob-${suffix}` }));
        outcome.stopNoJob = await refusal(() => svc.stopBatchOperation({ namespace: NS, reason: 'stop' }));
        // A batch over nothing completes at once; its job id cannot be used again.
        outcome.first = await refusal(() => svc.startBatchOperation(base));
        await waitBatchDone(svc, job);
        outcome.describeEmpty = await described(svc, job);
        outcome.duplicate = await refusal(() => svc.startBatchOperation(base));
        outcome.stopClosed = await refusal(() => svc.stopBatchOperation({ namespace: NS, jobId: job, reason: 'stop' }));
        // A query refused only when the batch lists its targets: the batch fails.
        const unknownAttribute = `job-unknown-attr-${suffix}`;
        outcome.unknownAttribute = await refusal(() => svc.startBatchOperation({ ...base, jobId: unknownAttribute, visibilityQuery: 'NoSuchAttribute = 1' }));
        await waitBatchDone(svc, unknownAttribute);
        outcome.describeUnknownAttribute = await described(svc, unknownAttribute);
        return { outcome, workflowIds: [] };
      }),
    );
    expect(run.outcome).toMatchObject({
      'query WorkflowId = ': { code: 3, message: 'invalid visibility query: syntax error at position 40' },
      duplicate: { code: 6, detail: 'WorkflowExecutionAlreadyStartedFailure' },
      describeUnknownAttribute: { state: 3 /* FAILED */ },
    });
  });

  it('one running batch per namespace (RESOURCE_EXHAUSTED); Stop ends a running batch, which then reports FAILED', async () => {
    const run = await servers.compare(
      scenario(async (svc, suffix) => {
        const prefix = `bl-${suffix}`;
        const ids = await startTargets(svc, prefix, 400);
        const jobId = `job-long-${suffix}`;
        await svc.startBatchOperation({ namespace: NS, jobId, reason: 'slowly', visibilityQuery: `WorkflowId STARTS_WITH '${prefix}-'`, signalOperation: { signal: 'tick', identity: 'ticker' } });
        // Temporal counts running batches in visibility, written a moment after the start.
        await untilAsync(async () => ((await svc.listBatchOperations({ namespace: NS })).operationInfo ?? []).some((o) => o.jobId === jobId && o.state === 1), `${jobId} listed running`, 10_000);
        const second = await refusal(() => svc.startBatchOperation({ namespace: NS, jobId: `job-second-${suffix}`, reason: 'r', visibilityQuery: `WorkflowId STARTS_WITH '${prefix}-'`, cancellationOperation: {} }));
        // Some targets signalled (Temporal's estimate comes with its first heartbeat, 2.5 s in), not all.
        await untilAsync(async () => (await described(svc, jobId)).total > 0, `${jobId} under way`, 20_000);
        const running = await described(svc, jobId);
        const stop = await refusal(() => svc.stopBatchOperation({ namespace: NS, jobId, reason: 'enough', identity: 'stopper' }));
        const stopped = await described(svc, jobId);
        const stopAgain = await refusal(() => svc.stopBatchOperation({ namespace: NS, jobId, reason: 'enough', identity: 'stopper' }));
        let signalled = 0;
        for (const workflowId of ids) {
          const events = (await svc.getWorkflowExecutionHistory({ namespace: NS, execution: { workflowId } })).history!.events!;
          const n = events.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
          if (n > 1) throw new Error(`${workflowId} signalled ${n} times`);
          signalled += n;
        }
        return {
          outcome: {
            second,
            running: { state: running.state, closeTime: running.closeTime, operationType: running.operationType, identity: running.identity },
            stop,
            // Not the total: Temporal records its estimate only with the batcher's first heartbeat.
            stopped: { state: stopped.state, closeTime: stopped.closeTime, reason: stopped.reason },
            stopAgain,
            someButNotAllSignalled: signalled > 0 && signalled < ids.length,
            list: await listed(svc, jobId),
          },
          workflowIds: [],
        };
      }),
    );
    expect(run.outcome).toMatchObject({
      second: { code: 8, message: 'Max concurrent batch operations is reached', detail: 'ResourceExhaustedFailure' },
      stop: 'OK',
      stopped: { state: 3 /* FAILED */, closeTime: true, reason: 'slowly' },
      someButNotAllSignalled: true,
    });
  });
});

describe('batch operations across a SIGKILL of start-dev (Kairos)', () => {
  it('signals each of 1,000 workflows exactly once though start-dev is killed mid-way and restarted', async () => {
    const server = await startKairosDev({ kairosOnly: true });
    let connection = await connect(server.address);
    try {
      const suffix = `${Date.now().toString(36)}`;
      const prefix = `dur-${suffix}`;
      const ids = await startTargets(connection.workflowService, prefix, 1000);
      const jobId = `job-durable-${suffix}`;
      await connection.workflowService.startBatchOperation({ namespace: NS, jobId, reason: 'durable', visibilityQuery: `WorkflowId STARTS_WITH '${prefix}-'`, signalOperation: { signal: 'once', identity: 'durable' } });
      await untilAsync(async () => Number((await connection.workflowService.describeBatchOperation({ namespace: NS, jobId })).completeOperationCount) >= 200, '200 targets signalled', 30_000, 50);
      await server.kill('SIGKILL');
      await connection.close();
      await server.restart();
      connection = await connect(server.address);
      const svc = connection.workflowService;
      const midway = await described(svc, jobId);
      expect(midway.state).toBe(1); // still running: the kill came before the end
      await waitBatchDone(svc, jobId);
      expect(await described(svc, jobId)).toMatchObject({ state: 2, total: 1000, complete: 1000, failure: 0 });
      const counts = new Map<number, number>();
      for (const workflowId of ids) {
        const events = (await svc.getWorkflowExecutionHistory({ namespace: NS, execution: { workflowId } })).history!.events!;
        const n = events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'once').length;
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      expect(Object.fromEntries(counts)).toEqual({ 1: 1000 });
    } finally {
      await connection.close();
      await server.stop();
    }
  }, 180_000);
});
