import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev } from '../src/harness/servers';
import { untilAsync } from '../src/harness/waiting';

/**
 * A schedule survives a SIGKILL of start-dev between two firings: its next wake-up is a durable
 * timer, so after the restart the nominal times missed while the server was down are fired once
 * each if they are inside the catch-up window, and counted as missed otherwise — as on Temporal.
 */

const workflowsPath = require.resolve('../workflows/schedules.ts');
const INTERVAL_MS = 3000;

/** The nominal times (ms) of the workflows a schedule started, one entry per run. */
async function startedNominalTimes(client: Client, scheduleId: string): Promise<number[]> {
  const times: number[] = [];
  for await (const w of client.workflow.list({ query: `TemporalScheduledById = '${scheduleId}'` })) {
    const stamp = /-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/.exec(w.workflowId)?.[1];
    if (!stamp) throw new Error(`unexpected scheduled workflow id ${w.workflowId}`);
    times.push(Date.parse(stamp));
  }
  return times.sort((a, b) => a - b);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('schedules across a SIGKILL of start-dev', () => {
  it('fires every nominal time once: those missed while down inside the catch-up window after the restart, none twice', async () => {
    const server = await startKairosDev();
    try {
      const suffix = `${Date.now()}`;
      const taskQueue = `sched-crash-${suffix}`;
      const scheduleId = `sched-crash-${suffix}`;
      await withWorker({ address: server.address, taskQueue, workflowsPath, activities: {} }, async (client) => {
        const handle = await client.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: INTERVAL_MS }] },
          action: { type: 'startWorkflow', workflowType: 'scheduledEcho', args: ['tick'], taskQueue, workflowId: `wf-crash-${suffix}` },
          policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '1 minute' },
        });
        await untilAsync(async () => (await startedNominalTimes(client, scheduleId)).length >= 1, 'the first firing', 20_000);
        await server.kill('SIGKILL');
        await sleep(2 * INTERVAL_MS + 500); // two firings fall in the downtime
        await server.restart();
        await untilAsync(async () => (await startedNominalTimes(client, scheduleId)).length >= 5, 'five firings', 40_000);
        await handle.pause('done');
        const times = await startedNominalTimes(client, scheduleId);
        // Consecutive nominal times, each once: nothing lost in the downtime, nothing repeated.
        expect(new Set(times).size).toBe(times.length);
        for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(INTERVAL_MS);
        const described = await handle.describe();
        expect(described.info.numActionsTaken).toBe(times.length);
        expect(Number(described.raw.info?.missedCatchupWindow ?? 0)).toBe(0);
      });
    } finally {
      await server.stop();
    }
  });

  it('counts nominal times missed by more than the catch-up window instead of firing them', async () => {
    const server = await startKairosDev();
    try {
      const suffix = `${Date.now()}`;
      const taskQueue = `sched-catchup-${suffix}`;
      const scheduleId = `sched-catchup-${suffix}`;
      await withWorker({ address: server.address, taskQueue, workflowsPath, activities: {} }, async (client) => {
        const handle = await client.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: INTERVAL_MS }] },
          action: { type: 'startWorkflow', workflowType: 'scheduledEcho', args: ['tick'], taskQueue, workflowId: `wf-catchup-${suffix}` },
          // Temporal's minimum catch-up window.
          policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '10 seconds' },
        });
        await untilAsync(async () => (await startedNominalTimes(client, scheduleId)).length >= 1, 'the first firing', 20_000);
        const before = await startedNominalTimes(client, scheduleId);
        await server.kill('SIGKILL');
        const downAt = Date.now();
        await sleep(16_000);
        await server.restart();
        const upAt = Date.now();
        await untilAsync(async () => Number((await handle.describe()).raw.info?.missedCatchupWindow ?? 0) > 0, 'missed firings counted', 20_000);
        await untilAsync(async () => (await startedNominalTimes(client, scheduleId)).some((t) => t > upAt), 'a firing after the restart', 20_000);
        await handle.pause('done');
        const times = await startedNominalTimes(client, scheduleId);
        // Nominal times more than the window before the restart were never started.
        const tooOld = times.filter((t) => t > before.at(-1)! && t < upAt - 10_000 && t > downAt);
        expect(tooOld).toEqual([]);
        expect(new Set(times).size).toBe(times.length);
      });
    } finally {
      await server.stop();
    }
  });
});
