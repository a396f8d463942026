import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { oracleEnabled } from '../src/harness/oracle';
import { freePort } from '../src/harness/ports';
import { withWorker } from '../src/harness/sdk';
import { startPostgresCluster, type PostgresCluster } from '../src/harness/cluster';
import { startKairosDev, startTemporalDev, type KairosDev, type TemporalDev } from '../src/harness/servers';

// After a workload whose runs close every way a run can close, start-dev's /metrics, and the
// /metrics of a cluster's frontend, history and matching processes taken together, serve the
// families Temporal's server serves (docs/metrics.md), with Temporal's label keys and values:
// namespace by name, operation as Temporal spells it, task queue, workflow type. The same
// workload on the real Temporal dev server shows each family and label key exists there too.
const workflowsPath = require.resolve('../workflows/closeOutcomes.ts');
const activities = { greet: async (name: string) => `hello ${name}`, echo: async (text: string) => text };

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The families a scrape declares (`# TYPE name kind`), series or not. */
function declared(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]!));
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

/** Runs that complete, continue as new, fail, time out, are terminated and are cancelled; and one NotFound. */
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
  // The caller's error: service_error_with_type, not service_errors.
  await expect(client.workflow.getHandle(id('missing')).describe()).rejects.toThrow();
}

async function scrape(url: string): Promise<{ series: Series[]; families: Set<string> }> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { series: parse(text), families: declared(text) };
}

/** Scrapes (every URL, joined) until `ready` holds: counters of a close are bumped just after the close commits. */
async function scrapeUntil(urls: string[], ready: (series: Series[]) => boolean): Promise<{ series: Series[]; families: Set<string> }> {
  for (let attempt = 0; ; attempt++) {
    const scrapes = await Promise.all(urls.map(scrape));
    const joined = { series: scrapes.flatMap((s) => s.series), families: new Set(scrapes.flatMap((s) => [...s.families])) };
    if (ready(joined.series) || attempt >= 40) return joined;
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

/**
 * The families the workload makes Temporal's dev server and Kairos both serve: requests, errors
 * and latencies per operation; persistence calls; run outcomes; history task, schedule-to-start
 * and poll figures; backlogs; history size; the shard controller and the membership ring.
 */
const COMPARED_FAMILIES = [
  'service_requests',
  'service_latency_count',
  'service_pending_requests',
  'service_error_with_type',
  'persistence_requests',
  'persistence_latency_count',
  ...new Set(OUTCOMES.map(([family]) => family)),
  'task_schedule_to_start_latency_count',
  'task_requests',
  'task_latency_count',
  'task_latency_processing_count',
  'task_latency_queue_count',
  'poll_success',
  'poll_timeouts',
  'approximate_backlog_count',
  'approximate_backlog_age_seconds',
  'history_size_count',
  'history_count_count',
  'sharditem_created_count',
  'sharditem_acquisition_latency_count',
  'acquire_shards_count',
  'acquire_shards_latency_count',
  'numshards_gauge',
  'membership_changed_count',
];

/**
 * Families the dev server emits only on what the workload cannot cause (an unexpected server or
 * store failure, a shard changing hands), each with the family whose label keys Temporal gives it
 * (the same metrics handler in its source, plus error_type where it says so).
 */
const NOT_REACHED_ON_THE_DEV_SERVER: Record<string, { keysOf: string; plus?: string[] }> = {
  service_errors: { keysOf: 'service_requests' },
  persistence_errors: { keysOf: 'persistence_requests' },
  persistence_error_with_type: { keysOf: 'persistence_requests', plus: ['error_type'] },
  sharditem_removed_count: { keysOf: 'sharditem_created_count' },
};

const outcomesCounted = (taskQueue: string) => (series: Series[]) =>
  OUTCOMES.every(([family, workflowType]) => total(series, family, { namespace: 'default', taskqueue: taskQueue, workflowType }) >= 1);

/** Whether every compared family has a series (the shard and task series are recorded just after the calls that cause them). */
const everyFamilyServed = (series: Series[]) => COMPARED_FAMILIES.every((family) => series.some((s) => s.name === family));

const labelKeys = (series: Series[], family: string) => new Set(series.filter((s) => s.name === family).flatMap((s) => Object.keys(s.labels)));

/** What both Kairos deployments show after the workload, checked the same way. */
function expectTemporalSeries(series: Series[], families: Set<string>, taskQueue: string): void {
  for (const family of COMPARED_FAMILIES) expect({ family, served: series.some((s) => s.name === family) }).toEqual({ family, served: true });
  // Not reachable by the workload: declared, so they are there when a failure comes.
  for (const family of Object.keys(NOT_REACHED_ON_THE_DEV_SERVER)) {
    if (family !== 'sharditem_removed_count') expect({ family, declared: families.has(family) }).toEqual({ family, declared: true });
  }
  for (const [family, workflowType] of OUTCOMES) {
    const labels = { namespace: 'default', operation: 'CompletionStats', service_name: 'history', taskqueue: taskQueue, workflowType };
    expect({ family, workflowType, count: total(series, family, labels) }).toEqual({ family, workflowType, count: 1 });
  }
  expect(total(series, 'service_requests', { namespace: 'default', operation: 'StartWorkflowExecution', service_name: 'frontend' })).toBe(6);
  expect(total(series, 'service_latency_count', { namespace: 'default', operation: 'RespondWorkflowTaskCompleted', service_name: 'frontend' })).toBeGreaterThan(0);
  expect(total(series, 'service_requests', { namespace: 'default', operation: 'TerminateWorkflowExecution', service_name: 'frontend' })).toBe(1);
  expect(total(series, 'service_error_with_type', { namespace: 'default', operation: 'DescribeWorkflowExecution', error_type: 'serviceerror_NotFound', service_name: 'frontend' })).toBe(1);
  expect(total(series, 'service_errors', { service_name: 'frontend' })).toBe(0);
  // Persistence calls carry the namespace they are made for, "system" for the server's upkeep.
  expect(total(series, 'persistence_requests', { namespace: 'default', operation: 'CreateWorkflowExecution', service_name: 'history' })).toBeGreaterThanOrEqual(6);
  expect(total(series, 'persistence_requests', { namespace: 'default', operation: 'UpdateWorkflowExecution', service_name: 'history' })).toBeGreaterThan(0);
  expect(total(series, 'persistence_requests', { namespace: 'default', operation: 'GetNamespace', service_name: 'frontend' })).toBeGreaterThan(0);
  expect(total(series, 'persistence_requests', { namespace: 'system', operation: 'GetOrCreateShard', service_name: 'history' })).toBeGreaterThan(0);
  for (const s of series.filter((x) => x.name === 'persistence_requests')) {
    // Spelled as Temporal's operations are (GetWorkflowExecution, not getExecution).
    expect(s.labels.operation).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(s.labels.namespace).toMatch(/^(default|system|_unknown_)$/);
  }
  expect(total(series, 'poll_success', { namespace: 'default', taskqueue: taskQueue, task_type: 'Workflow', service_name: 'matching' })).toBeGreaterThan(0);
  // Gauge of requests in flight: none once the workload is done.
  expect(series).toContainEqual({ name: 'service_pending_requests', labels: { namespace: 'default', operation: 'StartWorkflowExecution', service_name: 'frontend' }, value: 0 });
  // Recorded by history as each task starts: at least one workflow task per run.
  const scheduleToStart = { namespace: 'default', operation: 'RecordWorkflowTaskStarted', partition: '__normal__', taskqueue: taskQueue, task_type: 'Workflow', service_name: 'history' };
  expect(total(series, 'task_schedule_to_start_latency_count', scheduleToStart)).toBeGreaterThanOrEqual(7);
  // History queue tasks under Temporal's task types: a workflow task for each of the 7 runs, the run timeout, the backoff of the continued run.
  const transfer = { archetype: 'workflow', namespace: 'default', operation: 'TransferActiveTaskWorkflowTask', task_type: 'TransferActiveTaskWorkflowTask', service_name: 'history' };
  expect(total(series, 'task_requests', { ...transfer, task_priority: 'high' })).toBeGreaterThanOrEqual(7);
  expect(total(series, 'task_latency_queue_count', { ...transfer, task_priority: 'high', queue_reader_id: '0' })).toBeGreaterThanOrEqual(7);
  const runTimeout = { archetype: 'workflow', namespace: 'default', operation: 'TimerActiveTaskWorkflowRunTimeout', task_type: 'TimerActiveTaskWorkflowRunTimeout', service_name: 'history' };
  expect(total(series, 'task_latency_count', { ...runTimeout, task_priority: 'low' })).toBe(1);
  expect(total(series, 'task_latency_processing_count', { archetype: 'workflow', namespace: 'default', operation: 'TimerActiveTaskWorkflowBackoffTimer', service_name: 'history' })).toBe(1);
  // History size: every write of each run, each update, each close.
  expect(total(series, 'history_size_count', { namespace: 'default', operation: 'CompletionStats', service_name: 'history' })).toBe(7);
  expect(total(series, 'history_count_count', { namespace: 'default', operation: 'CompletionStats', service_name: 'history' })).toBe(7);
  expect(total(series, 'history_count_count', { namespace: 'default', operation: 'SessionStats', service_name: 'history' })).toBeGreaterThan(total(series, 'history_count_count', { namespace: 'default', operation: 'ExecutionStats' }));
  const backlog = { namespace: 'default', taskqueue: taskQueue, task_type: 'Workflow', service_name: 'matching' };
  expect(series.filter((s) => s.name === 'approximate_backlog_age_seconds' && Object.entries(backlog).every(([k, v]) => s.labels[k] === v))).toHaveLength(1);
  expect(total(series, 'numshards_gauge', { operation: 'ShardController', service_name: 'history' })).toBeGreaterThan(0);
  expect(total(series, 'sharditem_created_count', { operation: 'ShardController', service_name: 'history' })).toBeGreaterThan(0);
  expect(total(series, 'membership_changed_count', { operation: 'ShardController', service_name: 'history' })).toBeGreaterThanOrEqual(1);
  // No series names a namespace by its id.
  for (const s of series) if (s.labels.namespace !== undefined) expect(s.labels.namespace).toMatch(/^(default|system|_unknown_)$/);
}

describe('metrics as Temporal names and labels them', () => {
  // Temporal's Prometheus reporter turns '-' in label values into '_': a name without any reads the same on both.
  const taskQueue = `metrics_temporal_${Date.now()}`;
  let dev: { series: Series[]; families: Set<string> };
  let cluster: { series: Series[]; families: Set<string> };

  beforeAll(async () => {
    let kairos: KairosDev | undefined;
    try {
      const metricsPort = await freePort();
      kairos = await startKairosDev({ kairosOnly: true, inMemory: true, extraArgs: ['--metrics-port', String(metricsPort)] });
      await withWorker({ address: kairos.address, taskQueue, workflowsPath, activities }, (client) => closeRunsEveryWay(client, taskQueue));
      dev = await scrapeUntil([`http://127.0.0.1:${metricsPort}/metrics`], (series) => outcomesCounted(taskQueue)(series) && everyFamilyServed(series));
    } finally {
      await kairos?.stop();
    }
  }, 120_000);

  beforeAll(async () => {
    let pg: PostgresCluster | undefined;
    try {
      pg = await startPostgresCluster({ frontend: 1, history: 1, matching: 1, numShards: 4 });
      await withWorker({ address: pg.address, taskQueue, workflowsPath, activities }, (client) => closeRunsEveryWay(client, taskQueue));
      // A second history instance joins: the ring changes and the first one hands over shards.
      const first = pg.of('history')[0]!;
      await pg.add('history');
      const moved = (series: Series[]) => total(series, 'sharditem_removed_count', {}) >= 1 && total(series, 'membership_changed_count', {}) >= 2;
      await scrapeUntil([`${first.metricsUrl}/metrics`], moved);
      const urls = pg.instances.map((i) => `${i.metricsUrl}/metrics`);
      // Until the newcomer holds the shards handed over: every shard held once.
      const settled = (series: Series[]) => moved(series) && total(series, 'numshards_gauge', {}) === 4;
      cluster = await scrapeUntil(urls, (series) => outcomesCounted(taskQueue)(series) && everyFamilyServed(series) && settled(series));
    } finally {
      await pg?.stop();
    }
  }, 240_000);

  it('start-dev serves every family with Temporal label keys and values', () => {
    expectTemporalSeries(dev.series, dev.families, taskQueue);
  });

  it('a cluster of frontend, history and matching processes serves them too, with shard hand-overs and membership changes', () => {
    expectTemporalSeries(cluster.series, cluster.families, taskQueue);
    // The first history instance gave shards to the one that joined; both saw the ring change.
    expect(total(cluster.series, 'sharditem_removed_count', { operation: 'ShardController', service_name: 'history' })).toBeGreaterThanOrEqual(1);
    expect(total(cluster.series, 'membership_changed_count', { operation: 'ShardController', service_name: 'history' })).toBeGreaterThanOrEqual(3);
    expect(total(cluster.series, 'numshards_gauge', { operation: 'ShardController', service_name: 'history' })).toBe(4);
    // Each process serves its own service's families.
    for (const s of cluster.series.filter((x) => x.name.startsWith('task_latency') || x.name.startsWith('history_'))) expect(s.labels.service_name).toBe('history');
    for (const s of cluster.series.filter((x) => x.name.startsWith('approximate_backlog') || x.name.startsWith('poll_'))) expect(s.labels.service_name).toBe('matching');
  });

  it.runIf(oracleEnabled())(
    'the real Temporal dev server serves the same families with the same label keys after the same workload',
    async () => {
      let temporal: TemporalDev | undefined;
      try {
        temporal = await startTemporalDev();
        await withWorker({ address: temporal.address, taskQueue, workflowsPath, activities }, (client) => closeRunsEveryWay(client, taskQueue));
        const { series: temporalSeries } = await scrapeUntil([temporal.metricsUrl], (series) => outcomesCounted(taskQueue)(series) && everyFamilyServed(series));
        for (const family of COMPARED_FAMILIES) {
          const theirs = labelKeys(temporalSeries, family);
          expect({ family, served: theirs.size > 0 }).toEqual({ family, served: true });
          // Kairos's label keys are Temporal's (Temporal adds some Kairos has no use for, e.g. namespace_state).
          for (const [where, ours] of [['start-dev', labelKeys(dev.series, family)], ['cluster', labelKeys(cluster.series, family)]] as const) {
            expect({ family, where, extra: [...ours].filter((k) => !theirs.has(k)) }).toEqual({ family, where, extra: [] });
          }
        }
        for (const [family, { keysOf, plus = [] }] of Object.entries(NOT_REACHED_ON_THE_DEV_SERVER)) {
          const theirs = new Set([...labelKeys(temporalSeries, keysOf), ...plus]);
          const ours = labelKeys(cluster.series, family);
          expect({ family, extra: [...ours].filter((k) => !theirs.has(k)) }).toEqual({ family, extra: [] });
        }
        // The same label values where both have the same series.
        for (const [family, workflowType] of OUTCOMES) {
          const labels = { namespace: 'default', operation: 'CompletionStats', service_name: 'history', taskqueue: taskQueue, workflowType };
          expect({ family, workflowType, count: total(temporalSeries, family, labels) }).toEqual({ family, workflowType, count: 1 });
        }
        expect(total(temporalSeries, 'service_requests', { namespace: 'default', operation: 'StartWorkflowExecution', service_name: 'frontend' })).toBe(6);
        expect(total(temporalSeries, 'service_error_with_type', { namespace: 'default', operation: 'DescribeWorkflowExecution', error_type: 'serviceerror_NotFound', service_name: 'frontend' })).toBe(1);
        expect(total(temporalSeries, 'history_size_count', { namespace: 'default', operation: 'CompletionStats', service_name: 'history' })).toBe(7);
        expect(total(temporalSeries, 'persistence_requests', { namespace: 'default', operation: 'CreateWorkflowExecution', service_name: 'history' })).toBe(6);
        expect(total(temporalSeries, 'persistence_requests', { namespace: 'system', operation: 'GetOrCreateShard', service_name: 'history' })).toBeGreaterThan(0);
        const transfer = { archetype: 'workflow', namespace: 'default', operation: 'TransferActiveTaskWorkflowTask', task_type: 'TransferActiveTaskWorkflowTask', task_priority: 'high' };
        expect(total(temporalSeries, 'task_requests', transfer)).toBeGreaterThanOrEqual(7);
        const runTimeout = { archetype: 'workflow', namespace: 'default', operation: 'TimerActiveTaskWorkflowRunTimeout', task_priority: 'low' };
        expect(total(temporalSeries, 'task_latency_count', runTimeout)).toBe(1);
        expect(total(temporalSeries, 'membership_changed_count', { operation: 'ShardController', service_name: 'history' })).toBeGreaterThanOrEqual(1);
      } finally {
        await temporal?.stop();
      }
    },
    180_000,
  );
});
