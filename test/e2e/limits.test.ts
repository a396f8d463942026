import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { TerminatedFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareAcrossServers, type Scenario } from '../src/harness/oracle';
import { workPath } from '../src/harness/paths';
import { eventTypes, fetchHistory, withWorker, seconds } from '../src/harness/sdk';
import { startKairosDev, startTemporalDev, type KairosDev, type TestServer } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/limits.ts');
const activities = { echo: async (v: string) => v.slice(0, 10) };

/** Small limits on both servers, so each limit is reached in a few events. */
const LIMITS = {
  historyCountLimitError: 40,
  historyCountLimitWarn: 20,
  historyCountSuggestContinueAsNew: 15,
  pendingActivitiesLimit: 3,
  blobSizeLimitError: 2_000,
  blobSizeLimitWarn: 1_000,
};
const TEMPORAL_DYNAMIC_CONFIG = {
  'limit.historyCount.error': LIMITS.historyCountLimitError,
  'limit.historyCount.warn': LIMITS.historyCountLimitWarn,
  'limit.historyCount.suggestContinueAsNew': LIMITS.historyCountSuggestContinueAsNew,
  'limit.numPendingActivities.error': LIMITS.pendingActivitiesLimit,
  'limit.blobSize.error': LIMITS.blobSizeLimitError,
  'limit.blobSize.warn': LIMITS.blobSizeLimitWarn,
};

function run(workflowType: string, args: unknown[], settle?: (client: Client, workflowId: string) => Promise<unknown>): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `limits-${workflowType}-${suffix}`;
    const workflowId = `limits-wf-${workflowType}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
      const handle = await client.workflow.start(workflowType, { taskQueue, workflowId, args });
      if (settle) return settle(client, workflowId);
      try {
        return { result: await handle.result() };
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        return { failed: err.cause?.constructor.name, message: err.cause?.message };
      }
    });
    return { outcome, workflowIds: [workflowId] };
  };
}

/** Waits until the first workflow task failure is in the history, then terminates the run. */
async function firstTaskFailureThenTerminate(client: Client, workflowId: string): Promise<unknown> {
  for (let i = 0; i < 200; i++) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const failed = history.events?.find((e) => e.workflowTaskFailedEventAttributes);
    if (failed) {
      await client.workflow.getHandle(workflowId).terminate('seen');
      return { cause: failed.workflowTaskFailedEventAttributes!.cause, message: failed.workflowTaskFailedEventAttributes!.failure?.message };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no workflow task failure');
}

/** A raw gRPC worker sends ScheduleActivityTask with a 5 KB input (over the 2,000-byte limit). */
const oversizedCommand: Scenario = async (address, { suffix }) => {
  const connection = await Connection.connect({ address });
  try {
    const service = connection.workflowService;
    const taskQueue = `oversized-${suffix}`;
    const workflowId = `oversized-wf-${suffix}`;
    await service.startWorkflowExecution({ namespace: 'default', workflowId, workflowType: { name: 'Raw' }, taskQueue: { name: taskQueue }, requestId: `r-${suffix}`, identity: 'raw' });
    const task = await connection.withDeadline(Date.now() + 30_000, () =>
      service.pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: 'raw' }),
    );
    const outcome = await service
      .respondWorkflowTaskCompleted({
        namespace: 'default',
        taskToken: task.taskToken,
        identity: 'raw',
        commands: [
          {
            commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
            scheduleActivityTaskCommandAttributes: {
              activityId: '1',
              activityType: { name: 'echo' },
              taskQueue: { name: taskQueue },
              startToCloseTimeout: seconds(10),
              input: { payloads: [{ metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.alloc(5_000, 120) }] },
            },
          },
        ],
      })
      .then(
        () => 'accepted',
        (err: { code: number; details: string }) => ({ code: err.code, message: err.details }),
      );
    return { outcome, workflowIds: [workflowId] };
  } finally {
    await connection.close();
  }
};

describe('limits, compared with the real Temporal dev server under the same limits', () => {
  let kairos: KairosDev;
  let temporalDev: TestServer;

  beforeAll(async () => {
    const config = workPath(`limits-${process.pid}-${Date.now()}.json`);
    writeFileSync(config, JSON.stringify({ namespaceLimits: { default: LIMITS } }));
    kairos = await startKairosDev({ extraArgs: ['--config', config] });
    temporalDev = await startTemporalDev({ dynamicConfig: TEMPORAL_DYNAMIC_CONFIG });
  });

  afterAll(async () => {
    await kairos?.stop();
    await temporalDev?.stop();
  });

  it('suggests continue-as-new once the history passes the suggestion threshold', async () => {
    const { outcome } = await compareAcrossServers(kairos, temporalDev, run('manyActivities', [4]));
    expect(outcome).toEqual({ result: { done: 4, suggested: true } });
  });

  it('terminates a run whose history passes the event count limit', async () => {
    const { outcome, histories } = await compareAcrossServers(kairos, temporalDev, run('manyActivities', [20]));
    expect(outcome).toEqual({ failed: 'TerminatedFailure', message: 'Workflow history count exceeds limit.' });
    expect(Object.values(histories)[0]!.at(-1)?.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED');
  });

  it('fails the workflow task when it would pass the pending activities limit', async () => {
    const { outcome } = await compareAcrossServers(kairos, temporalDev, run('fanOut', [5], firstTaskFailureThenTerminate));
    expect(outcome).toEqual({
      cause: temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_ACTIVITIES_LIMIT_EXCEEDED,
      message: 'PendingActivitiesLimitExceeded: the number of pending activities, 3, has reached the per-workflow limit of 3',
    });
  });

  it('advertises the blob limit so the SDK itself refuses an oversized activity input', async () => {
    const { outcome } = await compareAcrossServers(kairos, temporalDev, run('bigInput', [5_000], firstTaskFailureThenTerminate));
    expect(outcome).toMatchObject({ message: '[TMPRL1103] Attempted to upload payloads with size that exceeded the error limit.' });
  });

  it('terminates a run whose command carries a payload over the blob size limit (client without its own check)', async () => {
    const { outcome, histories } = await compareAcrossServers(kairos, temporalDev, oversizedCommand);
    expect(outcome).toEqual({ code: 3, message: 'BadScheduleActivityAttributes: ScheduleActivityTaskCommandAttributes.Input exceeds size limit.' });
    expect(Object.values(histories)[0]!.map((e) => e.eventType).slice(-2)).toEqual([
      'EVENT_TYPE_WORKFLOW_TASK_FAILED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED',
    ]);
  });

  it('refuses a workflow start whose input is over the blob size limit', async () => {
    const connection = await Connection.connect({ address: kairos.address });
    try {
      const client = new Client({ connection });
      await expect(
        client.workflow.start('bigInput', { taskQueue: 'limits-start', workflowId: `big-start-${Date.now()}`, args: ['y'.repeat(5_000)] }),
      ).rejects.toMatchObject({ cause: { code: 3, details: 'Blob data size exceeds limit.' } });
    } finally {
      await connection.close();
    }
  });

  it('logs a warning with the workflow id when a history passes the warn limit', async () => {
    const suffix = `${Date.now()}`;
    await run('manyActivities', [4])(kairos.address, { suffix });
    const log = kairos.processes[0]!.tail(400);
    expect(log).toContain('history event count exceeds warn limit');
    expect(log).toContain(`limits-wf-manyActivities-${suffix}`);
  });

  it('terminate always succeeds, even for a run already over the history limit', async () => {
    // The run grows to 41 events under a generous limit; then Kairos restarts with a limit of 40.
    const generous = workPath(`limits-generous-${process.pid}-${Date.now()}.json`);
    writeFileSync(generous, JSON.stringify({ namespaceLimits: { default: { historyCountLimitError: 1_000 } } }));
    const strict = workPath(`limits-strict-${process.pid}-${Date.now()}.json`);
    writeFileSync(strict, JSON.stringify({ namespaceLimits: { default: { historyCountLimitError: 40 } } }));
    const dbFile = workPath(`limits-over-${process.pid}-${Date.now()}.db`);
    const suffix = `${Date.now()}`;
    const taskQueue = `limits-grow-${suffix}`;
    const workflowId = `limits-grow-wf-${suffix}`;
    let server = await startKairosDev({ dbFile, extraArgs: ['--config', generous] });
    try {
      await withWorker({ address: server.address, taskQueue, workflowsPath, activities }, async (client) => {
        const handle = await client.workflow.start('growThenSleep', { taskQueue, workflowId, args: [6] });
        for (let i = 0; i < 200; i++) {
          if (eventTypes(await handle.fetchHistory()).includes('TimerStarted')) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('the workflow never started its timer');
      });
      expect((await fetchHistory(server.address, workflowId)).events!.length).toBeGreaterThan(40);
      await server.stop();
      server = await startKairosDev({ dbFile, extraArgs: ['--config', strict] });
      const connection = await Connection.connect({ address: server.address });
      try {
        const handle = new Client({ connection }).workflow.getHandle(workflowId);
        await handle.terminate('operator says stop');
        await expect(handle.result()).rejects.toMatchObject({ cause: expect.any(TerminatedFailure) });
      } finally {
        await connection.close();
      }
      const last = (await fetchHistory(server.address, workflowId)).events!.at(-1)!;
      expect(last.workflowExecutionTerminatedEventAttributes?.reason).toBe('operator says stop');
    } finally {
      await server.stop();
    }
  });
});
