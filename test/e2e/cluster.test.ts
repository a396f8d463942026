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

  it("serves Temporal's HTTP API from the frontend's setting (services.frontend.httpPort)", async () => {
    const namespaces = await fetch(`${cluster.httpUrl}/api/v1/namespaces`);
    expect(namespaces.status).toBe(200);
    const listed = (await namespaces.json()) as { namespaces: Array<{ namespaceInfo: { name: string } }> };
    expect(listed.namespaces.map((n) => n.namespaceInfo.name)).toContain('default');
    // A start over HTTP goes through the cluster: history answers, and so does a describe.
    const workflowId = `cluster-http-${Date.now()}`;
    const start = await fetch(`${cluster.httpUrl}/api/v1/namespaces/default/workflows/${workflowId}`, {
      method: 'POST',
      body: JSON.stringify({ workflowType: { name: 'greetSeveral' }, taskQueue: { name: `cluster-http-${Date.now()}` }, input: ['Hello', 'http', '!'] }),
    });
    expect(start.status).toBe(200);
    const described = (await (await fetch(`${cluster.httpUrl}/api/v1/namespaces/default/workflows/${workflowId}`)).json()) as {
      workflowExecutionInfo: { status: string; execution: { workflowId: string } };
    };
    expect(described.workflowExecutionInfo).toMatchObject({ status: 'WORKFLOW_EXECUTION_STATUS_RUNNING', execution: { workflowId } });
  });
});
