import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypes, fetchHistory, ONE_ACTIVITY_EVENT_TYPES, withWorker } from '../src/harness/sdk';
import { startKairosCluster, type KairosCluster } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};

describe('cluster: frontend, history and matching as separate processes with nats-server', () => {
  let cluster: KairosCluster;

  beforeAll(async () => {
    cluster = await startKairosCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs the TypeScript workflow with an activity to completion', async () => {
    expect(cluster.processes.map((p) => p.child.pid)).toHaveLength(3);
    const suffix = `${Date.now()}`;
    const taskQueue = `cluster-${suffix}`;
    const workflowId = `cluster-wf-${suffix}`;
    const result = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities }, (client) =>
      client.workflow.execute('greetSeveral', { taskQueue, workflowId, args: ['Hello', 'cluster', '!'] }),
    );
    expect(result).toBe('Hello, cluster!');
    expect(eventTypes(await fetchHistory(cluster.address, workflowId))).toEqual(ONE_ACTIVITY_EVENT_TYPES);
    // Every service process is still up: the workflow crossed all three.
    for (const p of cluster.processes) expect(p.child.exitCode).toBeNull();
  });
});
