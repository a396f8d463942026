import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oracleEnabled } from '../src/harness/oracle';
import { freePort } from '../src/harness/ports';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev, startTemporalDev, type KairosDev, type TemporalDev } from '../src/harness/servers';

// After a workload whose runs close every way a run can close, start-dev's /metrics serves the
// families Temporal's dev server serves, with Temporal's label keys and values: namespace by name,
// operation as Temporal spells it, task queue, workflow type. The same workload on the real
// Temporal dev server shows each family and label key exists there too.
const workflowsPath = require.resolve('../workflows/closeOutcomes.ts');
const activities = { greet: async (name: string) => `hello ${name}`, echo: async (text: string) => text };

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    series.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return series;
}

/** The sum over the series of `name` whose labels include every given one. */
function total(series: Series[], name: string, labels: Record<string, string>): number {
  return series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

/** Runs that complete, continue as new, fail, time out, are terminated and are cancelled. */
async function closeRunsEveryWay(client: Client, taskQueue: string): Promise<void> {
  const id = (what: string) => `${taskQueue}-${what}`;
  await client.workflow.execute('greetOne', { taskQueue, workflowId: id('complete'), args: ['metrics'] });
  await client.workflow.execute('countdown', { taskQueue, workflowId: id('continue'), args: [1] });
  await expect(client.workflow.execute('alwaysFails', { taskQueue, workflowId: id('fail') })).rejects.toThrow();
  await expect(client.workflow.execute('sleepsForever', { taskQueue, workflowId: id('timeout'), workflowExecutionTimeout: '2s' })).rejects.toThrow();
  const terminated = await client.workflow.start('sleepsForever', { taskQueue, workflowId: id('terminate') });
  await terminated.terminate('metrics test');
  const cancelled = await client.workflow.start('sleepsForever', { taskQueue, workflowId: id('cancel') });
  await cancelled.cancel();
  await expect(cancelled.result()).rejects.toThrow();
}

/** Scrapes until `ready` holds (counters of a close are bumped just after the close commits). */
async function scrapeUntil(url: string, ready: (series: Series[]) => boolean): Promise<Series[]> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const series = parse(await response.text());
    if (ready(series) || attempt >= 40) return series;
    await sleep(250);
  }
}

const OUTCOMES: Array<[family: string, workflowType: string]> = [
  ['workflow_success', 'greetOne'],
  ['workflow_success', 'countdown'],
  ['workflow_continued_as_new', 'countdown'],
  ['workflow_failed', 'alwaysFails'],
  ['workflow_timeout', 'sleepsForever'],
  ['workflow_terminate', 'sleepsForever'],
  ['workflow_cancel', 'sleepsForever'],
];

const outcomesCounted = (taskQueue: string) => (series: Series[]) =>
  OUTCOMES.every(([family, workflowType]) => total(series, family, { namespace: 'default', taskqueue: taskQueue, workflowType }) >= 1);

/** The families compared with Temporal's, as the workload above makes both servers emit them. */
const COMPARED_FAMILIES = [
  'service_requests',
  'service_latency_count',
  'persistence_requests',
  'persistence_latency_count',
  'poll_success',
  'service_pending_requests',
  'task_schedule_to_start_latency_count',
  ...new Set(OUTCOMES.map(([family]) => family)),
];

describe('start-dev metrics as Temporal names and labels them', () => {
  let kairos: KairosDev;
  let kairosSeries: Series[];
  // Temporal's Prometheus reporter turns '-' in label values into '_': a name without any reads the same on both.
  const taskQueue = `metrics_temporal_${Date.now()}`;

  beforeAll(async () => {
    const metricsPort = await freePort();
    kairos = await startKairosDev({ kairosOnly: true, inMemory: true, extraArgs: ['--metrics-port', String(metricsPort)] });
    await withWorker({ address: kairos.address, taskQueue, workflowsPath, activities }, (client) => closeRunsEveryWay(client, taskQueue));
    kairosSeries = await scrapeUntil(`http://127.0.0.1:${metricsPort}/metrics`, outcomesCounted(taskQueue));
  }, 120_000);

  afterAll(async () => {
    await kairos?.stop();
  });

  it('counts each closed run under Temporal workflow outcome counter, with namespace name, task queue and workflow type', () => {
    for (const [family, workflowType] of OUTCOMES) {
      const labels = { namespace: 'default', operation: 'CompletionStats', service_name: 'history', taskqueue: taskQueue, workflowType };
      expect({ family, workflowType, count: total(kairosSeries, family, labels) }).toEqual({ family, workflowType, count: 1 });
    }
  });

  it('labels requests, store calls and polls with the namespace name and Temporal operation names', () => {
    expect(total(kairosSeries, 'service_requests', { namespace: 'default', operation: 'StartWorkflowExecution', service_name: 'frontend' })).toBe(6);
    expect(total(kairosSeries, 'service_latency_count', { namespace: 'default', operation: 'RespondWorkflowTaskCompleted', service_name: 'frontend' })).toBeGreaterThan(0);
    expect(total(kairosSeries, 'service_requests', { namespace: 'default', operation: 'TerminateWorkflowExecution', service_name: 'frontend' })).toBe(1);
    expect(total(kairosSeries, 'persistence_requests', { operation: 'CreateWorkflowExecution', service_name: 'history' })).toBeGreaterThanOrEqual(6);
    expect(total(kairosSeries, 'persistence_requests', { operation: 'UpdateWorkflowExecution', service_name: 'history' })).toBeGreaterThan(0);
    expect(total(kairosSeries, 'persistence_requests', { operation: 'GetNamespace', service_name: 'frontend' })).toBeGreaterThan(0);
    // Every persistence operation is spelled as Temporal's are (GetWorkflowExecution, not getExecution).
    for (const s of kairosSeries.filter((x) => x.name === 'persistence_requests')) expect(s.labels.operation).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(total(kairosSeries, 'poll_success', { namespace: 'default', taskqueue: taskQueue, task_type: 'Workflow', service_name: 'matching' })).toBeGreaterThan(0);
    // Gauge of requests in flight: none once the workload is done.
    expect(kairosSeries).toContainEqual({ name: 'service_pending_requests', labels: { namespace: 'default', operation: 'StartWorkflowExecution', service_name: 'frontend' }, value: 0 });
    // Recorded by history as each task starts: at least one workflow task per run.
    const scheduleToStart = { namespace: 'default', operation: 'RecordWorkflowTaskStarted', partition: '__normal__', taskqueue: taskQueue, task_type: 'Workflow', service_name: 'history' };
    expect(total(kairosSeries, 'task_schedule_to_start_latency_count', scheduleToStart)).toBeGreaterThanOrEqual(7);
    // No series names a namespace by its id.
    for (const s of kairosSeries) if (s.labels.namespace !== undefined) expect(s.labels.namespace).toMatch(/^(default|_unknown_)$/);
  });

  it.runIf(oracleEnabled())(
    'the real Temporal dev server serves the same families with the same label keys after the same workload',
    async () => {
      let temporal: TemporalDev | undefined;
      try {
        temporal = await startTemporalDev();
        await withWorker({ address: temporal.address, taskQueue, workflowsPath, activities }, (client) => closeRunsEveryWay(client, taskQueue));
        const temporalSeries = await scrapeUntil(temporal.metricsUrl, outcomesCounted(taskQueue));
        for (const family of COMPARED_FAMILIES) {
          const keys = (series: Series[]) => new Set(series.filter((s) => s.name === family).flatMap((s) => Object.keys(s.labels)));
          const [ours, theirs] = [keys(kairosSeries), keys(temporalSeries)];
          expect({ family, served: ours.size > 0 }).toEqual({ family, served: true });
          expect({ family, served: theirs.size > 0 }).toEqual({ family, served: true });
          // Kairos's label keys are Temporal's (Temporal adds some Kairos has no use for, e.g. namespace_state).
          expect({ family, extra: [...ours].filter((k) => !theirs.has(k)) }).toEqual({ family, extra: [] });
        }
        // The outcome counters carry the same label values on both.
        for (const [family, workflowType] of OUTCOMES) {
          const labels = { namespace: 'default', operation: 'CompletionStats', service_name: 'history', taskqueue: taskQueue, workflowType };
          expect({ family, workflowType, count: total(temporalSeries, family, labels) }).toEqual({ family, workflowType, count: 1 });
        }
        expect(total(temporalSeries, 'service_requests', { namespace: 'default', operation: 'StartWorkflowExecution', service_name: 'frontend' })).toBe(6);
      } finally {
        await temporal?.stop();
      }
    },
    180_000,
  );
});
