import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { connectionOptions, securityEnv, type ConnectionSecurity } from './connectionSecurity';
import { cpuSeconds, memoryMiB } from './procStats';
import { createBenchWorker } from './worker';

export type WorkloadName = 'A' | 'B' | 'C' | 'D';

export interface RunOptions {
  address: string;
  namespace: string;
  workload: WorkloadName;
  /** Workflows to complete (closed loop) or to start (open loop). */
  workflows: number;
  /** Closed loop: workflows in flight at once. */
  concurrency: number;
  /** Open loop: starts per second (0 = closed loop). */
  rate: number;
  /** Pid of the server process, to measure its CPU and memory (omit for a remote server). */
  serverPid?: number;
  /** How many histories to read back for the schedule-to-start figures and the checks. */
  historySample: number;
  /**
   * Eager workflow start: the worker runs in this process and the client shares its connection,
   * so each start asks for its first workflow task in the response.
   */
  eagerStart?: boolean;
  /** The server requires TLS and a token: the client and the worker connect with them. */
  security?: ConnectionSecurity;
}

export interface RunReport {
  workload: WorkloadName;
  mode: string;
  workflows: number;
  seconds: number;
  workflowsPerSecond: number;
  startToResultMs: { p50: number; p95: number; p99: number };
  activityScheduleToStartMs: { p50: number; p99: number } | null;
  workflowTaskScheduleToStartMs: { p50: number; p99: number } | null;
  timerLatenessMs: { p50: number; p99: number } | null;
  serverCpuSecondsPer1000Workflows: number | null;
  serverPeakRssMiB: number | null;
  workerPeakRssMiB: number;
  checkedHistories: number;
  /** Completed workflows/s in each tenth of the run (by completion order): flat means no slow-down. */
  throughputByTenth: number[];
  /** Server RSS (MiB) when each tenth of the workflows had completed: bounded means no leak. */
  serverRssByTenthMiB: number[] | null;
}

const WORKFLOW: Record<WorkloadName, { type: string; args: (i: number) => unknown[]; result: (i: number) => unknown }> = {
  A: { type: 'oneActivity', args: (i) => [`w${i}`], result: (i) => `w${i}` },
  B: { type: 'tenSequential', args: (i) => [`w${i}`], result: () => 10 },
  C: { type: 'fanOut', args: () => [100], result: () => 100 },
  D: { type: 'sleepOneSecond', args: () => [], result: () => 'woke' },
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! * 10) / 10;
}

function ms(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
}

/** Checks a history is whole and correct, and collects its latency samples. */
function inspectHistory(history: temporal.api.history.v1.IHistory, samples: { activity: number[]; workflowTask: number[]; timer: number[] }): void {
  const events = history.events ?? [];
  events.forEach((e, i) => {
    if (Number(e.eventId) !== i + 1) throw new Error(`history ids not contiguous at ${i + 1}`);
  });
  const last = events[events.length - 1];
  if (!last?.workflowExecutionCompletedEventAttributes) throw new Error('history does not end with WorkflowExecutionCompleted');
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  for (const e of events) {
    const a = e.activityTaskStartedEventAttributes;
    if (a) samples.activity.push(ms(e.eventTime) - ms(byId.get(Number(a.scheduledEventId))?.eventTime));
    const w = e.workflowTaskStartedEventAttributes;
    if (w) samples.workflowTask.push(ms(e.eventTime) - ms(byId.get(Number(w.scheduledEventId))?.eventTime));
    const t = e.timerFiredEventAttributes;
    if (t) {
      const started = byId.get(Number(t.startedEventId));
      const planned = ms(started?.eventTime) + Number(started?.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0) * 1000;
      samples.timer.push(ms(e.eventTime) - planned);
    }
  }
  const completed = events.filter((e) => e.activityTaskCompletedEventAttributes).length;
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).length;
  if (completed !== scheduled) throw new Error(`${scheduled} activities scheduled but ${completed} completed`);
}

export function startWorker(address: string, namespace: string, taskQueue: string, maxCachedWorkflows?: number, security?: ConnectionSecurity): ChildProcess {
  const args = [address, namespace, taskQueue, ...(maxCachedWorkflows ? [String(maxCachedWorkflows)] : [])];
  return fork(join(__dirname, 'worker.js'), args, { stdio: 'inherit', env: { ...process.env, ...securityEnv(security) } });
}

export async function stopWorker(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null) return;
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  worker.send('stop');
  const timer = setTimeout(() => worker.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Completions per second within each successive tenth of the completions. */
function throughputByTenth(started: number, completedAt: number[], tenth: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < 10 && (k + 1) * tenth <= completedAt.length; k++) {
    const from = k === 0 ? started : completedAt[k * tenth - 1]!;
    const to = completedAt[(k + 1) * tenth - 1]!;
    out.push(Math.round((tenth / ((to - from) / 1000)) * 10) / 10);
  }
  return out;
}

/** Runs one workload against one server and reports its figures; throws on any wrong result. */
export async function runWorkload(options: RunOptions): Promise<RunReport> {
  const spec = WORKFLOW[options.workload];
  const taskQueue = `bench-${options.workload}-${Date.now()}`;
  const { client, workerPid, stop } = options.eagerStart ? await inProcessWorker(options, taskQueue) : await forkedWorker(options, taskQueue);
  let workerPeak = 0;
  const workerSampler = setInterval(() => {
    try {
      workerPeak = Math.max(workerPeak, memoryMiB(workerPid).peakRss);
    } catch {
      /* exited */
    }
  }, 500);
  const startOptions = { taskQueue, requestEagerStart: options.eagerStart };
  try {
    // Warm-up: the worker is polling and the workflow bundle is built before the clock starts.
    await client.workflow.execute(spec.type, { ...startOptions, workflowId: `${taskQueue}-warmup`, args: spec.args(-1) });
    const cpuBefore = options.serverPid ? cpuSeconds(options.serverPid) : 0;
    const latencies: number[] = [];
    const ids: string[] = [];
    const completedAt: number[] = [];
    const tenth = Math.max(1, Math.floor(options.workflows / 10));
    const serverRssByTenth: number[] = [];
    const runOne = async (i: number) => {
      const workflowId = `${taskQueue}-${i}`;
      const t0 = performance.now();
      const result = await client.workflow.execute(spec.type, { ...startOptions, workflowId, args: spec.args(i) });
      const t1 = performance.now();
      latencies.push(t1 - t0);
      completedAt.push(t1);
      if (JSON.stringify(result) !== JSON.stringify(spec.result(i))) throw new Error(`wrong result for ${workflowId}: ${JSON.stringify(result)}`);
      ids.push(workflowId);
      if (options.serverPid && completedAt.length % tenth === 0) serverRssByTenth.push(Math.round(memoryMiB(options.serverPid).rss));
    };
    const started = performance.now();
    if (options.rate > 0) {
      const runs: Array<Promise<void>> = [];
      for (let i = 0; i < options.workflows; i++) {
        const due = started + (i * 1000) / options.rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        runs.push(runOne(i));
      }
      await Promise.all(runs);
    } else {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(options.concurrency, options.workflows) }, async () => {
          while (next < options.workflows) await runOne(next++);
        }),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = options.serverPid ? cpuSeconds(options.serverPid) - cpuBefore : null;
    const serverMemory = options.serverPid ? memoryMiB(options.serverPid) : null;
    const samples = { activity: [] as number[], workflowTask: [] as number[], timer: [] as number[] };
    const sample = ids.slice(0, options.historySample);
    for (const id of sample) inspectHistory(await client.workflow.getHandle(id).fetchHistory(), samples);
    latencies.sort((a, b) => a - b);
    const stats = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return sorted.length ? { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) } : null;
    };
    return {
      workload: options.workload,
      mode: (options.rate > 0 ? `open ${options.rate}/s` : `closed ${options.concurrency}`) + (options.eagerStart ? ' eager' : ''),
      workflows: options.workflows,
      seconds: Math.round(seconds * 100) / 100,
      workflowsPerSecond: Math.round((options.workflows / seconds) * 10) / 10,
      startToResultMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), p99: percentile(latencies, 0.99) },
      activityScheduleToStartMs: stats(samples.activity),
      workflowTaskScheduleToStartMs: stats(samples.workflowTask),
      timerLatenessMs: stats(samples.timer),
      serverCpuSecondsPer1000Workflows: cpu === null ? null : Math.round((cpu / options.workflows) * 1000 * 100) / 100,
      serverPeakRssMiB: serverMemory ? Math.round(serverMemory.peakRss) : null,
      workerPeakRssMiB: Math.round(workerPeak),
      checkedHistories: sample.length,
      throughputByTenth: throughputByTenth(started, completedAt, tenth),
      serverRssByTenthMiB: options.serverPid ? serverRssByTenth.slice(0, 10) : null,
    };
  } finally {
    clearInterval(workerSampler);
    await stop();
  }
}

/** The worker in a process of its own and a client on its own connection. */
async function forkedWorker(options: RunOptions, taskQueue: string) {
  const worker = startWorker(options.address, options.namespace, taskQueue, undefined, options.security);
  const connection = await Connection.connect({ address: options.address, ...connectionOptions(options.security) });
  return {
    client: new Client({ connection, namespace: options.namespace }),
    workerPid: worker.pid!,
    stop: async () => {
      await connection.close();
      await stopWorker(worker);
    },
  };
}

/** The worker in this process and a client sharing its native connection, as eager start requires. */
async function inProcessWorker(options: RunOptions, taskQueue: string) {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: options.address, ...connectionOptions(options.security) });
  const worker = await createBenchWorker(connection, options.namespace, taskQueue);
  const running = worker.run();
  return {
    client: new Client({ connection, namespace: options.namespace }),
    workerPid: process.pid,
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
