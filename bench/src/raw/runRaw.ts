import { cpuSeconds, memoryMiB } from '../procStats';
import type { RunReport } from '../workloads';
import type { HistorySamples, MeasuredPhase } from './driver';
import { shares, type PhasePlan } from './phasePlan';
import { runForked, runInProcess, type DriversOutcome, type PhaseHooks } from './processes';
import { rawWorkload, type RawWorkloadName } from './workloads';

export interface RawRunOptions {
  address: string;
  namespace: string;
  workload: RawWorkloadName;
  workflows: number;
  /** Closed loop: workflows in flight at once (over all driver processes). */
  concurrency: number;
  /** Workflow-task pollers per driver process, and as many activity pollers. */
  pollers: number;
  /** Histories of measured workflows to read back and check (over all processes). */
  historySample: number;
  /** Workflows run and checked before the clock starts (over all processes). */
  warmup: number;
  /** 1: the driver runs in this process; K > 1: K forked processes, each with its share. */
  driverProcesses: number;
  /** The server's pid: its CPU and memory are read from /proc. */
  serverPid?: number;
  /** Sticky execution (partial histories after a run's first task) instead of the stateless decider's whole histories. */
  sticky?: boolean;
  /** Activities asked for eagerly (their tasks in the completion reply), as the SDKs do. */
  eagerActivities?: boolean;
  /** Starts ask for eager execution (the first workflow task in the start's reply), as the SDKs' eager start. */
  eagerStart?: boolean;
  /** Accept (and count) workflow-task attempts that timed out in the sampled histories. */
  allowTaskTimeouts?: boolean;
  /** Also called right before and right after the measured phase (e.g. to read a cluster's counters). */
  phaseHooks?: PhaseHooks;
}

/** The SDK harness's report (so the tables and ratios are shared) plus what only the raw driver knows. */
export interface RawRunReport extends RunReport {
  driver: 'raw';
  driverProcesses: number;
  pollers: number;
  activitiesPerWorkflow: number;
  serverCpuMsPerWorkflow: number | null;
  serverCpuMsPerActivity: number | null;
  /** Server CPU seconds per wall second of the measured phase (1 = one core busy). */
  serverCores: number | null;
  driverCpuSecondsPer1000Workflows: number;
  driverCores: number;
  /** Workflow-task attempts that timed out in the sampled histories (0 unless allowed: the check fails otherwise). */
  sampledWorkflowTaskTimeouts: number;
  /** Workflow tasks by how their history came: whole, partial (sticky), read again after a gap. */
  workflowTaskHistories: { whole: number; partial: number; reread: number };
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function percentile(sorted: number[], p: number): number {
  return sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!) : NaN;
}

function p50p99(xs: number[]): { p50: number; p99: number } | null {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) } : null;
}

function throughputByTenth(startedAt: number, completedAt: number[]): number[] {
  const tenth = Math.max(1, Math.floor(completedAt.length / 10));
  const out: number[] = [];
  for (let k = 0; k < 10 && (k + 1) * tenth <= completedAt.length; k++) {
    const from = k === 0 ? startedAt : completedAt[k * tenth - 1]!;
    out.push(round(tenth / ((completedAt[(k + 1) * tenth - 1]! - from) / 1000)));
  }
  return out;
}

/**
 * Workload A, B or C through the raw-gRPC driver (one process or several), closed loop; throws on
 * any wrong result or sampled history.
 */
export async function runRawWorkload(options: RawRunOptions): Promise<RawRunReport> {
  const workload = rawWorkload(options.workload);
  const k = Math.max(1, options.driverProcesses);
  const stamp = Date.now();
  const [workflows, concurrency, warmup, sample] = [options.workflows, options.concurrency, options.warmup, options.historySample].map((n) => shares(n, k));
  const plans: PhasePlan[] = Array.from({ length: k }, (_, i) => ({
    driver: { address: options.address, namespace: options.namespace, workload: options.workload, pollers: options.pollers, taskQueue: `bench-raw-${workload.name}-${stamp}-${i}`, sticky: options.sticky, eagerActivities: options.eagerActivities, eagerStart: options.eagerStart, allowTaskTimeouts: options.allowTaskTimeouts },
    prefix: `bench-raw-${workload.name}-${stamp}-${i}`,
    workflows: workflows![i]!,
    concurrency: Math.max(1, concurrency![i]!),
    warmup: warmup![i]!,
    historySample: sample![i]!,
  }));
  let serverCpu: number | null = null;
  const hooks = {
    beforeMeasure: () => {
      if (options.serverPid) serverCpu = cpuSeconds(options.serverPid);
      options.phaseHooks?.beforeMeasure();
    },
    afterMeasure: () => {
      options.phaseHooks?.afterMeasure();
      if (options.serverPid && serverCpu !== null) serverCpu = cpuSeconds(options.serverPid) - serverCpu;
    },
  };
  const outcome = k === 1 ? await runInProcess(plans[0]!, hooks) : await runForked(plans, hooks);
  return report(options, outcome, serverCpu, workload.activities);
}

function report(options: RawRunOptions, outcome: DriversOutcome, serverCpu: number | null, activities: number): RawRunReport {
  const phases: MeasuredPhase[] = outcome.phases;
  const startedAt = Math.min(...phases.map((p) => p.startedAtMs));
  const seconds = (Math.max(...phases.map((p) => p.finishedAtMs)) - startedAt) / 1000;
  const latencies = phases.flatMap((p) => p.latenciesMs).sort((a, b) => a - b);
  const completedAt = phases.flatMap((p) => p.completedAtMs).sort((a, b) => a - b);
  const driverCpu = phases.reduce((s, p) => s + p.driverCpuSeconds, 0);
  const samples: HistorySamples[] = outcome.samples;
  const n = options.workflows;
  const serverMemory = options.serverPid ? memoryMiB(options.serverPid) : null;
  return {
    driver: 'raw',
    workload: options.workload,
    mode: `raw closed ${options.concurrency}` + (options.sticky ? ' sticky' : '') + (options.eagerActivities ? ' eager-act' : '') + (options.eagerStart ? ' eager-start' : '') + (options.driverProcesses > 1 ? ` ×${options.driverProcesses} proc` : ''),
    workflows: n,
    seconds: round(seconds, 2),
    workflowsPerSecond: round(n / seconds),
    startToResultMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), p99: percentile(latencies, 0.99) },
    activityScheduleToStartMs: p50p99(samples.flatMap((s) => s.activityScheduleToStartMs)),
    workflowTaskScheduleToStartMs: p50p99(samples.flatMap((s) => s.workflowTaskScheduleToStartMs)),
    timerLatenessMs: null,
    serverCpuSecondsPer1000Workflows: serverCpu === null ? null : round((serverCpu / n) * 1000, 2),
    serverPeakRssMiB: serverMemory ? Math.round(serverMemory.peakRss) : null,
    workerPeakRssMiB: Math.round(outcome.driverPeakRssMiB),
    checkedHistories: samples.reduce((s, x) => s + x.checked, 0),
    throughputByTenth: throughputByTenth(startedAt, completedAt),
    serverRssByTenthMiB: null,
    driverProcesses: options.driverProcesses,
    pollers: options.pollers,
    activitiesPerWorkflow: activities,
    serverCpuMsPerWorkflow: serverCpu === null ? null : round((serverCpu / n) * 1000, 2),
    serverCpuMsPerActivity: serverCpu === null ? null : round((serverCpu / (n * activities)) * 1000, 3),
    serverCores: serverCpu === null ? null : round(serverCpu / seconds, 2),
    driverCpuSecondsPer1000Workflows: round((driverCpu / n) * 1000, 2),
    driverCores: round(driverCpu / seconds, 2),
    sampledWorkflowTaskTimeouts: samples.reduce((s, x) => s + x.timedOutWorkflowTasks, 0),
    workflowTaskHistories: {
      whole: phases.reduce((s, p) => s + p.workflowTaskHistories.whole, 0),
      partial: phases.reduce((s, p) => s + p.workflowTaskHistories.partial, 0),
      reread: phases.reduce((s, p) => s + p.workflowTaskHistories.reread, 0),
    },
  };
}
