import { Connection } from '@temporalio/client';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { healthStatus, NOT_SERVING, SERVING } from '../src/harness/health';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/activities.ts');
describe('start-dev recovers by itself from a locked store', () => {
  it('answers UNAVAILABLE while another process holds the SQLite write lock past the busy timeout, reports NOT_SERVING, and serves again soon after', async () => {
    // Kairos's own behaviour (the Temporal dev server also answers UNAVAILABLE and heals).
    const kairos = await startKairosDev({ kairosOnly: true });
    // No retry interceptor: the test sees each answer as it is.
    const raw = await Connection.connect({ address: kairos.address, interceptors: [] });
    const intruder = new Database(kairos.dbFile);
    const taskQueue = `store-outage-${Date.now()}`;
    const start = (workflowId: string) =>
      raw.workflowService.startWorkflowExecution({
        namespace: 'default',
        workflowId,
        workflowType: { name: 'greetOne' },
        taskQueue: { name: taskQueue },
        requestId: workflowId,
        input: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"outage"') }] },
      });
    try {
      expect(await healthStatus(kairos.address)).toBe(SERVING);
      // Another process takes the write lock and keeps it longer than Kairos's 5 s busy timeout.
      intruder.exec('BEGIN IMMEDIATE');
      const refused = await start(`outage-during-${Date.now()}`).then(
        () => undefined,
        (err: { code?: number; details?: string }) => err,
      );
      expect(refused?.code).toBe(14); // UNAVAILABLE, which the SDKs retry
      // The shard lease could not be renewed meanwhile: health says so.
      let sawNotServing = false;
      for (let i = 0; i < 15 && !sawNotServing; i++) sawNotServing = (await healthStatus(kairos.address)) === NOT_SERVING;
      expect(sawNotServing).toBe(true);
      intruder.exec('COMMIT');

      // Within 10 s of the lock being released it serves again, without a restart.
      const releasedAt = Date.now();
      const healedBy = releasedAt + 10_000;
      let status: number | undefined;
      while ((status = await healthStatus(kairos.address)) !== SERVING && Date.now() < healedBy) await new Promise((r) => setTimeout(r, 250));
      expect(status).toBe(SERVING);
      console.log(`serving again ${Date.now() - releasedAt} ms after the lock was released`);
      const result = await withWorker({ address: kairos.address, taskQueue, workflowsPath, activities: { greet: async (name: string) => `hello ${name}` } }, async (client) =>
        client.workflow.execute('greetOne', { taskQueue, workflowId: `outage-after-${Date.now()}`, args: ['after'] }),
      );
      expect(result).toBe('hello after');
    } finally {
      if (intruder.inTransaction) intruder.exec('ROLLBACK');
      intruder.close();
      await raw.close();
      await kairos.stop();
    }
  });
});
