import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../src/harness/cluster';
import { healthStatus, NOT_SERVING, SERVING } from '../src/harness/health';
import { withWorker } from '../src/harness/sdk';
import { sleep } from '../src/harness/waiting';

const workflowsPath = require.resolve('../workflows/activities.ts');
const HISTORY_SERVICE = 'kairos.historyservice.v1.HistoryService';
/** Longer than the 10 s shard lease: the history instance certainly loses its shards. */
const OUTAGE_MS = 15_000;

/** Polls `address`'s health for `service` until it is `status`; returns how long that took. */
async function waitForHealth(address: string, service: string, status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last: number | undefined;
  while ((last = await healthStatus(address, service)) !== status) {
    if (Date.now() - started > timeoutMs) throw new Error(`${service || 'server'} health still ${last} after ${timeoutMs} ms (waiting for ${status})`);
    await sleep(250);
  }
  return Date.now() - started;
}

describe('a cluster history instance through a PostgreSQL outage', () => {
  let cluster: PostgresCluster;

  beforeAll(async () => {
    cluster = await startPostgresCluster({ frontend: 1, history: 1, matching: 1 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('stays live, is not ready while it has lost its shards, and takes them back by itself once the store is back', async () => {
    const [history] = cluster.of('history');
    const address = history!.address;
    await waitForHealth(address, HISTORY_SERVICE, SERVING, 30_000);

    await cluster.postgres.interrupt();
    const outageStarted = Date.now();
    let notReadyAfter: number;
    try {
      notReadyAfter = await waitForHealth(address, HISTORY_SERVICE, NOT_SERVING, OUTAGE_MS);
      // Alive all along: a liveness probe would not restart it.
      expect(await healthStatus(address)).toBe(SERVING);
      // The HTTP readiness a TLS deployment probes instead says the same.
      expect((await fetch(`${history!.metricsUrl}/health/ready`)).status).toBe(503);
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));
      expect(await healthStatus(address, HISTORY_SERVICE)).toBe(NOT_SERVING);
    } finally {
      await cluster.postgres.resume();
    }
    const readyAgainAfter = await waitForHealth(address, HISTORY_SERVICE, SERVING, 30_000);
    expect((await fetch(`${history!.metricsUrl}/health/ready`)).status).toBe(200);
    console.log(`history not ready ${notReadyAfter} ms into the outage; ready again ${readyAgainAfter} ms after PostgreSQL was back`);

    // It serves again without a restart: a workflow runs through the same processes.
    const taskQueue = `pg-outage-${Date.now()}`;
    const result = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities: { greet: async (name: string) => `hello ${name}` } }, (client) =>
      client.workflow.execute('greetOne', { taskQueue, workflowId: `pg-outage-${Date.now()}`, args: ['again'] }),
    );
    expect(result).toBe('hello again');
    for (const instance of cluster.instances) expect(instance.process.child.exitCode, instance.process.name).toBeNull();
  }, 240_000);
});
