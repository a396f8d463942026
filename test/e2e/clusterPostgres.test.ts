import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as PgClient } from 'pg';
import { rawWorkflowClient } from '@kairos/testing';
import { REPO_ROOT } from '../src/harness/paths';
import { sample } from '../src/harness/prometheus';
import { startPostgresCluster, type PostgresCluster } from '../src/harness/cluster';
import { eventTypes, fetchHistory, ONE_ACTIVITY_EVENT_TYPES, withWorker } from '../src/harness/sdk';
import { waitUntilServing } from '../src/harness/servers';

const run = promisify(execFile);
const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

async function shardOwners(url: string): Promise<Map<number, string>> {
  const pg = new PgClient({ connectionString: url });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ shard_id: number; owner: string; lease_expires_at: string }>('SELECT shard_id, owner, lease_expires_at FROM shards ORDER BY shard_id');
    return new Map(rows.filter((r) => Number(r.lease_expires_at) > Date.now()).map((r) => [r.shard_id, r.owner]));
  } finally {
    await pg.end();
  }
}

/** How many shards each owner holds, smallest first. */
function shares(owners: Map<number, string>): number[] {
  const counts = new Map<string, number>();
  for (const owner of owners.values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => a - b);
}

async function eventually<T>(fn: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value, (_k, v) => (v instanceof Map ? [...v] : v))}`);
    await sleep(250);
  }
}

describe('a PostgreSQL cluster: 1 frontend, 2 history, 2 matching processes and nats-server', () => {
  let cluster: PostgresCluster;

  beforeAll(async () => {
    cluster = await startPostgresCluster({ frontend: 1, history: 2, matching: 2, numShards: 8 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('shares the shards between the history instances and runs a TypeScript workflow through them, with metrics', async () => {
    const owners = await eventually(() => shardOwners(cluster.postgresUrl), (o) => o.size === 8 && shares(o).join() === '4,4', 'both history instances to hold shards');
    expect(shares(owners)).toEqual([4, 4]);

    const taskQueue = `pg-cluster-${Date.now()}`;
    const workflowIds = Array.from({ length: 20 }, (_, i) => `${taskQueue}-${i}`);
    const results = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities }, (client) =>
      Promise.all(workflowIds.map((workflowId, i) => client.workflow.execute('greetOne', { taskQueue, workflowId, args: [`w${i}`] }))),
    );
    expect(results).toEqual(workflowIds.map((_, i) => `Hello, w${i}!`));
    for (const id of workflowIds) expect(eventTypes(await fetchHistory(cluster.address, id))).toEqual(ONE_ACTIVITY_EVENT_TYPES);

    // Temporal's metric names on every service's /metrics.
    const [frontend] = cluster.of('frontend');
    const frontendMetrics = await scrape(frontend!.metricsUrl);
    expect(sample(frontendMetrics, 'service_requests', { namespace: 'default', operation: 'StartWorkflowExecution', service_name: 'frontend' })).toBeGreaterThanOrEqual(20);
    expect(sample(frontendMetrics, 'service_latency_count', { operation: 'PollWorkflowTaskQueue' })).toBeGreaterThan(0);
    expect(sample(frontendMetrics, 'persistence_requests', { operation: 'GetNamespace' })).toBeGreaterThan(0);
    let [created, updated, succeeded] = [0, 0, 0];
    for (const h of cluster.of('history')) {
      const text = await scrape(h.metricsUrl);
      created += sample(text, 'persistence_requests', { operation: 'CreateWorkflowExecution' });
      updated += sample(text, 'persistence_requests', { operation: 'UpdateWorkflowExecution' });
      // Internal requests carry the namespace id; the series name the namespace.
      expect(sample(text, 'service_requests', { namespace: 'default', service_name: 'history' })).toBeGreaterThan(0);
      succeeded += sample(text, 'workflow_success', { namespace: 'default', taskqueue: taskQueue, workflowType: 'greetOne' });
    }
    expect(created).toBeGreaterThanOrEqual(20);
    expect(updated).toBeGreaterThanOrEqual(20 * 3);
    expect(succeeded).toBe(20);
    let polled = 0;
    for (const m of cluster.of('matching')) {
      const text = await scrape(m.metricsUrl);
      polled += sample(text, 'poll_success', { namespace: 'default', taskqueue: taskQueue }) + sample(text, 'poll_success_sync', { namespace: 'default', taskqueue: taskQueue });
      expect(text).toContain('# TYPE approximate_backlog_count gauge');
    }
    expect(polled).toBeGreaterThanOrEqual(20);
    const ready = await fetch(`${frontend!.metricsUrl}/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('GetClusterInfo names the PostgreSQL store; ListTaskQueuePartitions and the legacy task queue status come from the matching instance serving the queue', async () => {
    const client = rawWorkflowClient(cluster.address);
    try {
      const info = await client.call('getClusterInfo', {});
      expect(info).toMatchObject({ clusterName: 'active', persistenceStore: 'postgres', visibilityStore: 'postgres', historyShardCount: 8 });
      const matchingAddresses = cluster.of('matching').map((m) => m.address);
      const taskQueue = `pg-partitions-${Date.now()}`;
      const partitions = await client.call('listTaskQueuePartitions', { namespace: 'default', taskQueue: { name: taskQueue } });
      for (const list of [partitions.workflowTaskQueuePartitions, partitions.activityTaskQueuePartitions]) {
        expect(list).toHaveLength(1);
        expect(list[0]!.key).toBe(taskQueue);
        expect(matchingAddresses).toContain(list[0]!.ownerHostName);
      }
      await client.call('startWorkflowExecution', { namespace: 'default', workflowId: `${taskQueue}-wf`, workflowType: { name: 'greetOne' }, taskQueue: { name: taskQueue }, requestId: `${taskQueue}-r` });
      const status = await eventually(
        async () => (await client.call('describeTaskQueue', { namespace: 'default', taskQueue: { name: taskQueue }, includeTaskQueueStatus: true })).taskQueueStatus,
        (s) => s?.backlogCountHint === 1,
        'the workflow task in the backlog',
      );
      expect(status).toMatchObject({ backlogCountHint: 1, readLevel: 1, ackLevel: 0 });
      await client.call('terminateWorkflowExecution', { namespace: 'default', workflowExecution: { workflowId: `${taskQueue}-wf` } });
    } finally {
      client.close();
    }
  });

  it('CountWorkflowExecutions with no filter and GROUP BY ExecutionStatus counts the runs both history instances wrote, as a filtered Count over the rows does', async () => {
    const client = rawWorkflowClient(cluster.address);
    // A filter every run passes: such a Count reads the rows, the unfiltered ones the count deltas.
    const EVERY = "StartTime > '1970-01-01T00:00:00Z'";
    const count = async (query: string) => {
      const response = await client.call('countWorkflowExecutions', { namespace: 'default', query });
      const groups = response.groups.map((g) => [JSON.parse(Buffer.from(g.groupValues[0]!.data).toString()) as string, Number(g.count)] as const);
      return { count: Number(response.count), groups: Object.fromEntries(groups) as Record<string, number> };
    };
    try {
      const before = await count('GROUP BY ExecutionStatus');
      const prefix = `pg-count-${Date.now()}`;
      // Spread over the 8 shards, so both history instances write rows (and their deltas).
      const ids = Array.from({ length: 12 }, (_, i) => `${prefix}-${i}`);
      for (const workflowId of ids) {
        await client.call('startWorkflowExecution', { namespace: 'default', workflowId, workflowType: { name: 'greetOne' }, taskQueue: { name: prefix }, requestId: `${workflowId}-r` });
      }
      for (const workflowId of ids.slice(0, 5)) await client.call('terminateWorkflowExecution', { namespace: 'default', workflowExecution: { workflowId } });

      const after = await count('GROUP BY ExecutionStatus');
      const plus = (status: string, n: number) => (before.groups[status] ?? 0) + n;
      expect(after.count).toBe(before.count + 12);
      expect(after.groups).toEqual({ ...before.groups, Running: plus('Running', 7), Terminated: plus('Terminated', 5) });
      expect(after).toEqual(await count(`${EVERY} GROUP BY ExecutionStatus`));
      expect((await count('')).count).toBe(after.count);
      expect((await count(EVERY)).count).toBe(after.count);
      for (const workflowId of ids.slice(5)) await client.call('terminateWorkflowExecution', { namespace: 'default', workflowExecution: { workflowId } });
    } finally {
      client.close();
    }
  });

  it('runs a Python SDK workflow through the cluster', async () => {
    const taskQueue = `pg-cluster-py-${Date.now()}`;
    const workflowId = `${taskQueue}-wf`;
    const python = join(REPO_ROOT, 'test/.venv/bin/python');
    const { stdout } = await run(python, [join(REPO_ROOT, 'test/python/run_workflow.py'), cluster.address, taskQueue, workflowId, 'Python'], {
      cwd: join(REPO_ROOT, 'test/python'),
      timeout: 120_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ result: 'Hello, Python!' });
    expect(eventTypes(await fetchHistory(cluster.address, workflowId))).toEqual(ONE_ACTIVITY_EVENT_TYPES);
  });

  it('worker heartbeats sent through one frontend are listed through another; a queue rate of 0 set through one frontend holds the queue at its matching owner', async () => {
    const second = await cluster.add('frontend');
    await waitUntilServing(second.address, { process: second.process });
    const [one, two] = [rawWorkflowClient(cluster.address), rawWorkflowClient(second.address)];
    const suffix = `${Date.now()}`;
    try {
      const key = `cluster-worker-${suffix}`;
      await one.call('recordWorkerHeartbeat', { namespace: 'default', workerHeartbeat: [{ workerInstanceKey: key, taskQueue: `q-${suffix}`, status: 1, sdkName: 'by-hand' }] });
      const listed = await two.call('listWorkers', { namespace: 'default', query: `WorkerInstanceKey = '${key}'` });
      expect(listed.workers.map((w) => [w.workerInstanceKey, w.taskQueue, w.sdkName])).toEqual([[key, `q-${suffix}`, 'by-hand']]);
      expect((await two.call('describeWorker', { namespace: 'default', workerInstanceKey: key })).workerInfo?.workerHeartbeat?.taskQueue).toBe(`q-${suffix}`);

      const taskQueue = `pg-paused-${suffix}`;
      const setRate = (c: typeof one, rateLimit: { requestsPerSecond: number } | undefined) =>
        c.call('updateTaskQueueConfig', { namespace: 'default', taskQueue, taskQueueType: 2, updateQueueRateLimit: { rateLimit, reason: 'cluster test' } });
      await setRate(two, { requestsPerSecond: 0 });
      const described = await one.call('describeTaskQueue', { namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 2, reportConfig: true });
      expect(described.effectiveRateLimit).toEqual({ requestsPerSecond: 0, rateLimitSource: 1 });
      expect(described.config?.queueRateLimit?.metadata?.reason).toBe('cluster test');
      const outcome = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities }, async (client) => {
        const handle = await client.workflow.start('greetThroughQueue', { taskQueue, workflowId: taskQueue, args: ['held'] });
        const state = async () => (await one.call('describeWorkflowExecution', { namespace: 'default', execution: { workflowId: taskQueue, runId: '' } })).pendingActivities[0]?.state;
        const scheduled = await eventually(state, (s) => s !== undefined, 'the activity scheduled');
        await sleep(2_000);
        const held = await state();
        await setRate(one, undefined);
        return { scheduled, held, result: await handle.result() };
      });
      // PENDING_ACTIVITY_STATE_SCHEDULED while a worker polls; the result once the limit is lifted.
      expect(outcome).toEqual({ scheduled: 1, held: 1, result: 'Hello, held!' });
    } finally {
      one.close();
      two.close();
    }
  });

  it('keeps completing workflows while nats-server is down, and after it is back', async () => {
    const taskQueue = `pg-cluster-nats-${Date.now()}`;
    const results = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities }, async (client) => {
      const start = (i: number) => client.workflow.execute('greetOne', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [`n${i}`] });
      const before = Array.from({ length: 20 }, (_, i) => start(i));
      await sleep(200);
      await cluster.nats.stop();
      const during = Array.from({ length: 20 }, (_, i) => start(20 + i));
      const duringResults = await Promise.all(during);
      await cluster.nats.restart();
      const after = Array.from({ length: 20 }, (_, i) => start(40 + i));
      return [...(await Promise.all(before)), ...duringResults, ...(await Promise.all(after))];
    });
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => `Hello, n${i}!`));
    for (let i = 0; i < 60; i += 7) expect(eventTypes(await fetchHistory(cluster.address, `${taskQueue}-${i}`))).toEqual(ONE_ACTIVITY_EVENT_TYPES);
  });

  it('rebalances shards when a history instance joins and when one leaves', async () => {
    const third = await cluster.add('history');
    const three = await eventually(() => shardOwners(cluster.postgresUrl), (o) => o.size === 8 && shares(o).join() === '2,3,3', 'three history instances to hold shards');
    expect(shares(three)).toEqual([2, 3, 3]);

    const taskQueue = `pg-cluster-scale-${Date.now()}`;
    const run1 = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities }, (client) =>
      Promise.all(Array.from({ length: 10 }, (_, i) => client.workflow.execute('greetOne', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [`s${i}`] }))),
    );
    expect(run1).toEqual(Array.from({ length: 10 }, (_, i) => `Hello, s${i}!`));

    // A clean stop hands its shards back at once (no lease to wait out).
    await third.kill('SIGTERM');
    const two = await eventually(() => shardOwners(cluster.postgresUrl), (o) => o.size === 8 && shares(o).join() === '4,4', 'the shards back on two instances', 20_000);
    expect(shares(two)).toEqual([4, 4]);
  });
});
