import { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { eventTypes, withWorker } from '../src/harness/sdk';
import { startKairosDev } from '../src/harness/servers';
import { sleep, until } from '../src/harness/waiting';

const workflowsPath = require.resolve('../workflows/pause.ts');
const WORKFLOWS = 20;
const STEPS = 100;
const PAUSES = 3;
const PAUSE_MS = 15_000;

describe('start-dev paused (SIGSTOP) during a workload', () => {
  it(`re-runs no activity whose completion was sent while it was paused (${PAUSES} pauses of ${PAUSE_MS / 1000} s)`, async () => {
    // Kairos's own behaviour; the Temporal dev server measured 0 re-runs in the same probe.
    const kairos = await startKairosDev({ kairosOnly: true });
    const calls = new Map<string, number[]>();
    let executed = 0;
    const activities = {
      step: async (workflowNumber: number, step: number) => {
        const key = `${workflowNumber}:${step}`;
        calls.set(key, [...(calls.get(key) ?? []), Context.current().info.attempt]);
        executed++;
        return 1;
      },
    };
    const taskQueue = `pause-${Date.now()}`;
    const pauses: string[] = [];
    try {
      const { results, workflowTaskTimeouts } = await withWorker({ address: kairos.address, taskQueue, workflowsPath, activities }, async (client) => {
        const handles = await Promise.all(
          Array.from({ length: WORKFLOWS }, (_, n) => client.workflow.start('manySteps', { taskQueue, workflowId: `${taskQueue}-${n}`, args: [n, STEPS] })),
        );
        const all = Promise.all(handles.map((h) => h.result()));
        const server = kairos.processes[0]!.child;
        for (let p = 1; p <= PAUSES; p++) {
          const before = executed;
          await until(() => executed >= before + 150, `150 more activities before pause ${p}`, 120_000, 50);
          server.kill('SIGSTOP');
          const pausedAt = executed;
          await sleep(PAUSE_MS);
          server.kill('SIGCONT');
          pauses.push(`pause ${p} after ${pausedAt} activities`);
        }
        const results = await all;
        const histories = await Promise.all(handles.map((h) => h.fetchHistory()));
        const workflowTaskTimeouts = histories.map(eventTypes).flat().filter((t) => t === 'WorkflowTaskTimedOut').length;
        return { results, workflowTaskTimeouts };
      });
      expect(pauses).toHaveLength(PAUSES);
      expect(results).toEqual(Array.from({ length: WORKFLOWS }, () => STEPS));
      const reRun = [...calls].filter(([, attempts]) => attempts.length > 1 || attempts[0] !== 1).map(([key, attempts]) => `${key} attempts ${attempts}`);
      expect(reRun).toEqual([]);
      expect(calls.size).toBe(WORKFLOWS * STEPS);
      console.log(`pause test: ${pauses.join('; ')}; ${executed} activity runs; ${workflowTaskTimeouts} workflow-task timeouts`);
    } finally {
      await kairos.stop();
    }
  }, 300_000);
});
