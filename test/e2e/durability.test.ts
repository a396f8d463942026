import { afterAll, describe, expect, it } from 'vitest';
import { eventTypes, fetchHistory, withWorker } from '../src/harness/sdk';
import { startKairosDev, type KairosDev } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/durability.ts');

const timersWorkflowsPath = require.resolve('../workflows/durableTimers.ts');

describe('durability: start-dev on a file survives SIGKILL', () => {
  let kairos: KairosDev | undefined;

  afterAll(async () => {
    await kairos?.stop();
  });

  it('completes a workflow whose server was killed while its activity ran, without duplicate events', async () => {
    kairos = await startKairosDev();
    const server = kairos;
    let activityStarted!: () => void;
    const started = new Promise<void>((resolve) => (activityStarted = resolve));
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const activities = {
      async waitForGate(label: string) {
        activityStarted();
        await gate;
        return `${label} done`;
      },
    };
    const suffix = `${Date.now()}`;
    const taskQueue = `durability-${suffix}`;
    const workflowId = `durability-wf-${suffix}`;

    const result = await withWorker({ address: server.address, taskQueue, workflowsPath, activities }, async (client) => {
      const handle = await client.workflow.start('gatedActivity', { taskQueue, workflowId, args: ['crash'] });
      await started;
      // A crash: no shutdown, no flushing. The workflow and the activity's started state must be on disk.
      await server.kill('SIGKILL');
      await server.restart();
      openGate();
      return await handle.result();
    });

    expect(result).toBe('crash done');
    const history = await fetchHistory(server.address, workflowId);
    const ids = (history.events ?? []).map((e) => Number(e.eventId));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    const types = eventTypes(history);
    for (const once of ['WorkflowExecutionStarted', 'ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowExecutionCompleted']) {
      expect(types.filter((t) => t === once), once).toHaveLength(1);
    }
    expect(types[types.length - 1]).toBe('WorkflowExecutionCompleted');
    const scheduledAt = types.indexOf('ActivityTaskScheduled');
    expect(types.slice(scheduledAt, scheduledAt + 3)).toEqual(['ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCompleted']);
  });

  it('fires a user timer and an activity retry back-off once each after SIGKILLs while they were pending', async () => {
    const server = await startKairosDev();
    try {
      let attempts = 0;
      let failedOnce!: () => void;
      const firstFailure = new Promise<void>((resolve) => (failedOnce = resolve));
      const activities = {
        async flaky(key: string) {
          attempts++;
          if (attempts === 1) {
            failedOnce();
            throw new Error('first attempt fails');
          }
          return `${key} ok after ${attempts}`;
        },
      };
      const suffix = `${Date.now()}`;
      const taskQueue = `timers-crash-${suffix}`;
      const workflowId = `timers-crash-wf-${suffix}`;
      const result = await withWorker({ address: server.address, taskQueue, workflowsPath: timersWorkflowsPath, activities }, async (client) => {
        const handle = await client.workflow.start('timersAcrossCrash', { taskQueue, workflowId, args: ['k'] });
        await new Promise((r) => setTimeout(r, 700)); // the 2 s timer is now pending on the server
        await server.kill('SIGKILL');
        await server.restart();
        await firstFailure; // the retry back-off (2 s) is now pending
        await server.kill('SIGKILL');
        await server.restart();
        return handle.result();
      });
      expect(result).toBe('k ok after 2');
      const types = eventTypes(await fetchHistory(server.address, workflowId));
      expect(types.filter((t) => t === 'TimerStarted')).toHaveLength(1);
      expect(types.filter((t) => t === 'TimerFired')).toHaveLength(1);
      expect(types.filter((t) => t.startsWith('ActivityTask'))).toEqual(['ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCompleted']);
      const history = await fetchHistory(server.address, workflowId);
      const started = history.events!.find((e) => e.activityTaskStartedEventAttributes)!.activityTaskStartedEventAttributes!;
      expect(started.attempt).toBe(2);
      expect(started.lastFailure?.message).toBe('first attempt fails');
    } finally {
      await server.stop();
    }
  });
});
