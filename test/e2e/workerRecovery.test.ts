import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, fetchHistory, withWorker, workflowBundle } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/recovery.ts');

async function newWorker(address: string, taskQueue: string, activities: Record<string, (...a: any[]) => Promise<unknown>>) {
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, workflowBundle: await workflowBundle(workflowsPath), activities });
  return { worker, connection };
}

/**
 * The first worker runs the first activity and is shut down while the workflow sleeps; a second
 * worker, with an empty cache, gets the whole history, replays and finishes the workflow.
 */
const workerRestart: Scenario = async (address, { suffix }) => {
  const taskQueue = `restart-${suffix}`;
  const workflowId = `restart-wf-${suffix}`;
  let stepsDone = 0;
  const activities = { step: async (label: string) => { stepsDone++; return `${label}!`; } };
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const first = await newWorker(address, taskQueue, activities);
    const running = first.worker.run();
    const handle = await client.workflow.start('survivesWorkerRestart', { taskQueue, workflowId });
    while (stepsDone < 1) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // the workflow task after the activity completes
    first.worker.shutdown();
    await running;
    await first.connection.close();
    const second = await newWorker(address, taskQueue, activities);
    const result = await second.worker.runUntil(handle.result());
    await second.connection.close();
    return { outcome: result, workflowIds: [workflowId] };
  } finally {
    await connection.close();
  }
};

describe('worker recovery and large workflows', () => {
  const servers = useOracleServers();

  beforeAll(() => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  });

  it('a replacement worker gets the full history and finishes the workflow, like Temporal', async () => {
    const { outcome, histories } = await servers.compare(workerRestart);
    expect(outcome).toBe('one!,two!');
    // The released sticky queue means no sticky schedule-to-start timeout was needed.
    expect(Object.values(histories)[0]!.map((e) => e.eventType)).not.toContain('EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT');
  });

  it('runs 300 sequential activities (history over several pages), replaying them on a new worker midway', async () => {
    const taskQueue = `seq-${Date.now()}`;
    const workflowId = `seq-wf-${Date.now()}`;
    let stepsDone = 0;
    const activities = { step: async (label: string) => { stepsDone++; return label; } };
    const connection = await Connection.connect({ address: servers.kairos.address });
    try {
      const client = new Client({ connection });
      const first = await newWorker(servers.kairos.address, taskQueue, activities);
      const running = first.worker.run();
      const handle = await client.workflow.start('sequentialActivities', { taskQueue, workflowId, args: [300] });
      while (stepsDone < 150) await new Promise((r) => setTimeout(r, 20));
      first.worker.shutdown();
      await running;
      await first.connection.close();
      // ~900 events so far: the new worker pages through them (256 per page) and replays.
      const second = await newWorker(servers.kairos.address, taskQueue, activities);
      expect(await second.worker.runUntil(handle.result())).toBe(300);
      await second.connection.close();
    } finally {
      await connection.close();
    }
    const history = await fetchHistory(servers.kairos.address, workflowId);
    const ids = (history.events ?? []).map((e) => Number(e.eventId));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(ids.length).toBeGreaterThan(1800);
    expect(eventTypes(history).filter((t) => t === 'ActivityTaskCompleted')).toHaveLength(300);
  });

  it('runs 100 concurrent activities', async () => {
    const taskQueue = `fan-${Date.now()}`;
    const workflowId = `fan-wf-${Date.now()}`;
    const result = await withWorker({ address: servers.kairos.address, taskQueue, workflowsPath, activities: { step: async (l: string) => l } }, (client) =>
      client.workflow.execute('concurrentActivities', { taskQueue, workflowId, args: [100] }),
    );
    expect(result).toBe(100);
    const types = eventTypes(await fetchHistory(servers.kairos.address, workflowId));
    expect(types.filter((t) => t === 'ActivityTaskScheduled')).toHaveLength(100);
    expect(types.filter((t) => t === 'ActivityTaskCompleted')).toHaveLength(100);
  });
});
