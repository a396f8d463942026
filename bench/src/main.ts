#!/usr/bin/env node
// Benchmark harness: drives the official TypeScript SDK (client here, worker in its own process)
// against any server, or against Kairos and the real Temporal dev server side by side.
//   node bench/dist/main.js --address 127.0.0.1:7233 [--server-pid PID] --workload A,B,C,D
//   node bench/dist/main.js --side-by-side --workload A --workflows 300 --concurrency 20
// Options: --namespace default, --workflows N, --concurrency C (closed loop), --rate R (open loop,
// starts per second), --find-rate (open loop at rising rates until p99 passes --max-p99 ms or
// throughput falls below 90 % of the rate; reports the highest sustainable rate),
// --history-sample N, --json FILE, --repeat N (side by side: N rounds, the order of the servers
// alternating, then medians with min/max and the ratio of medians), --open-workflows N (instead
// of a workload: the servers' memory with N workflows open), --schedules N [--schedule-interval S]
// [--duration S] (instead of a workload: N schedules firing every S seconds for the duration; firing
// lateness and server CPU per firing), --eager-start (the worker runs in the harness and every
// start asks for eager execution: its first workflow task comes back in the start response),
// --secure-side-by-side (instead of Temporal: Kairos plaintext beside Kairos requiring TLS and a
// JWT on every call, docs/security.md's production set-up).
// --raw: instead of the SDK, the raw-gRPC driver (src/raw: the worker protocol spoken directly, a
// stateless decider, no sandbox) runs workload A, B or C closed loop, so the server is the
// bottleneck (against --address/--server-pid, or --side-by-side with --repeat as above). With
// --pollers P (workflow and activity pollers each, per driver process, default 32: a poll is
// answered only after the server commits the task's start, so few pollers cap throughput),
// --warmup N (workflows before the clock starts, default 50; 1,500 with --cluster), --driver-processes K (K forked
// driver processes sharing the workflows, concurrency and history sample; default 1, in this
// process), --sticky (a run's later workflow tasks on the driver's own sticky queue with partial
// histories, as the SDK workers do; without it every task carries the whole history),
// --eager-activities (activities asked for eagerly, as the SDK workers do: their tasks come back
// in the workflow task's completion reply instead of through an activity poll), --eager-start
// (every start asks for eager execution and the driver answers the first workflow task from the
// start's reply, as the SDKs' eager start). --python: workload
// A with the official Python SDK (bench/python/workload_a.py: client and worker in one Python
// process; test/.venv/bin/python or $KAIROS_BENCH_PYTHON), with --side-by-side/--repeat as above. Its table
// adds server CPU per workflow and per activity, and the driver's own CPU. The sampled histories
// must be exactly as expected; --allow-task-timeouts accepts (and counts) workflow-task attempts
// that timed out, which an overloaded dev server produces.
// --raw --cluster [--history 2 --matching 2 --frontend 1 --num-shards 4 --pg-synchronous-commit
// off|on --idle-seconds 5 --no-start-dev --keep-logs --cpu-prof-dir DIR]: Kairos in cluster mode on this machine (src/cluster: a
// PostgreSQL with fsync on, a nats-server, one `kairos server start` process per instance), fresh
// for each run, then a fresh start-dev (--repeat N: N rounds, the order alternating); reports per
// workflow the CPU of each service's instances together, of PostgreSQL (postmaster and children)
// and of nats-server, PostgreSQL commits, execution writes (and those holding their shard's row)
// and WAL, NATS messages, the same per second while idle and per workflow net of them, and the
// cluster / start-dev throughput ratio (the raw driver's flags above apply to both).
// --pg-commit-ceiling [--clients 16 --duration 10 --num-shards 4 --pg-synchronous-commit off|on]:
// instead of a workload, that PostgreSQL's commits per second under pgbench, for single-row
// INSERTs and for writes shaped like Kairos's execution writes (the shard row locked to commit).
// State and start-up modes (stateScale/modes.ts; each starts its own servers): --state-scale N
// (List/Count over N closed workflows: Kairos SQLite, Kairos on PostgreSQL, the dev server),
// --open-workflows-restart N (RSS and restart time with N open workflows), --cold-start.
// Every result and sampled history is checked.
import { writeFileSync } from 'node:fs';
import { measureOpenWorkflows, type OpenWorkflowsReport } from './openWorkflows';
import { measureScheduleFiring, type ScheduleFiringReport } from './schedules';
import type { ConnectionSecurity } from './connectionSecurity';
import { startKairos, startTemporal, type BenchServer } from './servers';
import { runWorkload, type RunReport, type WorkloadName } from './workloads';
import { runPythonWorkloadA } from './pythonWorkload';
import { runRawWorkload, type RawRunReport } from './raw/runRaw';
import { rawWorkload } from './raw/workloads';
import type { PhaseHooks } from './raw/processes';
import { runClusterComparison } from './cluster/runCluster';
import { clusterTables } from './cluster/report';
import { measureCommitCeiling } from './cluster/commitCeiling';
import { runStateModes } from './stateScale/modes';

/** A server the harness drives: one it started, or one named by --address. */
type BenchTarget = { name: string; address: string; pid?: number; security?: ConnectionSecurity };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flagOn = (name: string) => process.argv.includes(`--${name}`);

const DEFAULT_WORKFLOWS: Record<WorkloadName, number> = { A: 300, B: 50, C: 10, D: 1000 };
const DEFAULT_CONCURRENCY: Record<WorkloadName, number> = { A: 20, B: 10, C: 2, D: 1000 };
// The raw driver costs far less per workflow than an SDK worker, so its runs are larger.
const RAW_DEFAULT_WORKFLOWS: Partial<Record<WorkloadName, number>> = { A: 1000, B: 200, C: 20 };
const RAW_DEFAULT_CONCURRENCY: Partial<Record<WorkloadName, number>> = { A: 50, B: 20, C: 4 };

function table(rows: Array<{ server: string; report: RunReport }>): string {
  const header = ['server', 'workload', 'mode', 'wf/s', 'p50 ms', 'p95 ms', 'p99 ms', 'act s2s p50/p99', 'wft s2s p50/p99', 'timer late p50/p99', 'cpu s/1k wf', 'server peak MiB', 'worker peak MiB'];
  const pair = (x: { p50: number; p99: number } | null) => (x ? `${x.p50}/${x.p99}` : '-');
  const lines = rows.map(({ server, report: r }) => [
    server, r.workload, r.mode, String(r.workflowsPerSecond), String(r.startToResultMs.p50), String(r.startToResultMs.p95), String(r.startToResultMs.p99),
    pair(r.activityScheduleToStartMs), pair(r.workflowTaskScheduleToStartMs), pair(r.timerLatenessMs),
    String(r.serverCpuSecondsPer1000Workflows ?? '-'), String(r.serverPeakRssMiB ?? '-'), String(r.workerPeakRssMiB),
  ]);
  return [header, ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round(((sorted[mid - 1]! + sorted[mid]!) / 2) * 100) / 100;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Medians over repetitions, with min–max, per server and workload. */
function medianTable(rows: Array<{ server: string; report: RunReport }>): { text: string; summary: Array<Record<string, unknown>> } {
  const groups = new Map<string, RunReport[]>();
  for (const { server, report } of rows) {
    const key = `${server} ${report.workload}`;
    groups.set(key, [...(groups.get(key) ?? []), report]);
  }
  const summary: Array<Record<string, unknown>> = [];
  const lines = [['server', 'workload', 'runs', 'wf/s median (min–max)', 'p50 ms median (min–max)', 'p99 ms median', 'cpu s/1k wf median (min–max)', 'server peak MiB max']];
  for (const [key, reports] of groups) {
    const [server, workload] = key.split(' ');
    const field = (f: (r: RunReport) => number | null) => reports.map(f).filter((x): x is number => x !== null);
    const span = (xs: number[]) => (xs.length ? `${median(xs)} (${Math.min(...xs)}–${Math.max(...xs)})` : '-');
    const wfs = field((r) => r.workflowsPerSecond);
    const p50 = field((r) => r.startToResultMs.p50);
    const cpu = field((r) => r.serverCpuSecondsPer1000Workflows);
    const rss = field((r) => r.serverPeakRssMiB);
    summary.push({ server, workload, runs: reports.length, wfs, p50, cpu, medianWfs: median(wfs), medianP50: median(p50), medianCpu: cpu.length ? median(cpu) : null });
    lines.push([server!, workload!, String(reports.length), span(wfs), span(p50), String(median(field((r) => r.startToResultMs.p99))), span(cpu), rss.length ? String(Math.max(...rss)) : '-']);
  }
  return { text: lines.map((l) => `| ${l.join(' | ')} |`).join('\n'), summary };
}

/** Kairos's memory against Temporal's with many open workflows (each server fresh, side by side or one given). */
async function openWorkflowsRun(servers: Array<{ name: string; address: string; pid?: number }>, namespace: string, workflows: number): Promise<void> {
  const reports: Array<{ server: string; report: OpenWorkflowsReport }> = [];
  for (const server of servers) {
    if (!server.pid) throw new Error('--open-workflows measures the server process: give --server-pid or use --side-by-side');
    const report = await measureOpenWorkflows({ address: server.address, namespace, workflows, concurrency: Number(arg('concurrency') ?? 50), serverPid: server.pid });
    process.stderr.write(`${server.name}: ${JSON.stringify(report)}\n`);
    reports.push({ server: server.name, report });
  }
  const header = ['server', 'open workflows', 'start s', 'server idle RSS MiB', 'server RSS open MiB', 'server peak MiB', 'worker peak MiB'];
  const lines = reports.map(({ server, report: r }) => [server, r.openWorkflows, r.startSeconds, r.serverIdleRssMiB, r.serverOpenRssMiB, r.serverPeakRssMiB, r.workerPeakRssMiB].map(String));
  console.log([header, ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n'));
  const k = reports.find((r) => r.server === 'kairos')?.report;
  const t = reports.find((r) => r.server === 'temporal')?.report;
  if (k && t) console.log(`\nKairos / Temporal server RSS with ${workflows} open workflows: ${round2(k.serverOpenRssMiB / t.serverOpenRssMiB)}`);
  const out = arg('json');
  if (out) writeFileSync(out, JSON.stringify({ openWorkflows: reports }, null, 2));
}

/** Schedules firing on each server (fresh, side by side, or the one given): lateness and CPU per firing. */
async function schedulesRun(servers: Array<{ name: string; address: string; pid?: number }>, namespace: string, schedules: number): Promise<void> {
  const reports: Array<{ server: string; report: ScheduleFiringReport }> = [];
  for (const server of servers) {
    const report = await measureScheduleFiring({
      address: server.address,
      namespace,
      schedules,
      intervalSeconds: Number(arg('schedule-interval') ?? 1),
      durationSeconds: Number(arg('duration') ?? 60),
      serverPid: server.pid,
    });
    process.stderr.write(`${server.name}: ${JSON.stringify(report)}\n`);
    reports.push({ server: server.name, report });
  }
  const header = ['server', 'schedules', 'every s', 'for s', 'fired / due', 'lateness p50 ms', 'p99 ms', 'max ms', 'server CPU s', 'CPU ms / firing', 'server peak MiB'];
  const lines = reports.map(({ server, report: r }) =>
    [server, r.schedules, r.intervalSeconds, r.durationSeconds, `${r.firings} / ${r.expectedFirings}`, r.latenessMs.p50, r.latenessMs.p99, r.latenessMs.max, r.serverCpuSeconds ?? '-', r.serverCpuMsPerFiring ?? '-', r.serverPeakRssMiB ?? '-'].map(String),
  );
  console.log([header, ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n'));
  const out = arg('json');
  if (out) writeFileSync(out, JSON.stringify({ schedules: reports }, null, 2));
}

/**
 * Open loop at rising rates (×1.5 from --start-rate, default 5/s): the highest rate whose run kept
 * up (≥ 90 % of the rate completed per second) with p99 start-to-result under --max-p99 ms.
 */
async function findSustainableRate(
  server: BenchTarget,
  workload: WorkloadName,
  namespace: string,
  rows: Array<{ server: string; report: RunReport }>,
): Promise<number> {
  const maxP99 = Number(arg('max-p99') ?? 2_000);
  let rate = Number(arg('start-rate') ?? 5);
  let best = 0;
  for (let step = 0; step < 12; step++) {
    const report = await runWorkload({
      address: server.address,
      namespace,
      workload,
      workflows: Number(arg('workflows') ?? Math.max(50, Math.round(rate * 10))),
      concurrency: 0,
      rate,
      serverPid: server.pid,
      historySample: Number(arg('history-sample') ?? 20),
      eagerStart: flagOn('eager-start'),
      security: server.security,
    });
    rows.push({ server: server.name, report });
    const keptUp = report.workflowsPerSecond >= rate * 0.9 && report.startToResultMs.p99 <= maxP99;
    process.stderr.write(`${server.name} ${workload} at ${rate}/s: ${report.workflowsPerSecond} wf/s, p99 ${report.startToResultMs.p99} ms ${keptUp ? 'ok' : 'saturated'}\n`);
    if (!keptUp) break;
    best = rate;
    rate = Math.round(rate * 1.5 * 10) / 10;
  }
  return best;
}

/** One run of a workload through the raw-gRPC driver (closed loop only). */
async function runRaw(server: BenchTarget, workload: WorkloadName, namespace: string, phaseHooks?: PhaseHooks): Promise<RawRunReport> {
  rawWorkload(workload);
  if (server.security) throw new Error('--raw speaks plaintext gRPC only');
  const report = await runRawWorkload({
    address: server.address,
    namespace,
    workload: workload as 'A' | 'B' | 'C',
    workflows: Number(arg('workflows') ?? RAW_DEFAULT_WORKFLOWS[workload]),
    concurrency: Number(arg('concurrency') ?? RAW_DEFAULT_CONCURRENCY[workload]),
    pollers: Number(arg('pollers') ?? 32),
    historySample: Number(arg('history-sample') ?? 100),
    warmup: Number(arg('warmup') ?? (flagOn('cluster') ? CLUSTER_DEFAULT_WARMUP : 50)),
    driverProcesses: Number(arg('driver-processes') ?? 1),
    serverPid: server.pid,
    sticky: flagOn('sticky'),
    eagerActivities: flagOn('eager-activities'),
    eagerStart: flagOn('eager-start'),
    allowTaskTimeouts: flagOn('allow-task-timeouts'),
    phaseHooks,
  });
  process.stderr.write(`${server.name} ${workload} raw: ${report.workflowsPerSecond} wf/s, p50 ${report.startToResultMs.p50} ms, server ${report.serverCores ?? '-'} cores, driver ${report.driverCores} cores, by tenth ${report.throughputByTenth.join(' ')}\n`);
  return report;
}

/** The raw driver's own columns: where the CPU went. */
function rawTable(rows: Array<{ server: string; report: RunReport }>): string {
  const raw = rows.filter((r): r is { server: string; report: RawRunReport } => (r.report as RawRunReport).driver === 'raw');
  const header = ['server', 'workload', 'mode', 'pollers', 'wf/s', 'server cpu ms/wf', 'server cpu ms/activity', 'server cores', 'driver cpu s/1k wf', 'driver cores', 'wft histories whole/partial/reread', 'checked histories', 'wft timeouts in them'];
  const lines = raw.map(({ server, report: r }) =>
    [server, r.workload, r.mode, r.pollers, r.workflowsPerSecond, r.serverCpuMsPerWorkflow ?? '-', r.serverCpuMsPerActivity ?? '-', r.serverCores ?? '-', r.driverCpuSecondsPer1000Workflows, r.driverCores, `${r.workflowTaskHistories.whole}/${r.workflowTaskHistories.partial}/${r.workflowTaskHistories.reread}`, r.checkedHistories, r.sampledWorkflowTaskTimeouts].map(String),
  );
  return [header, ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

/** One run of a workload at the concurrency or rate given on the command line. */
async function runClosedOrOpen(server: BenchTarget, workload: WorkloadName, namespace: string): Promise<RunReport> {
  if (flagOn('raw')) return runRaw(server, workload, namespace);
  if (flagOn('python')) {
    if (workload !== 'A') throw new Error('--python runs workload A only');
    return runPythonWorkloadA({ address: server.address, namespace, workflows: Number(arg('workflows') ?? 300), concurrency: Number(arg('concurrency') ?? 20), serverPid: server.pid });
  }
  const report = await runWorkload({
    address: server.address,
    namespace,
    workload,
    workflows: Number(arg('workflows') ?? DEFAULT_WORKFLOWS[workload]),
    concurrency: Number(arg('concurrency') ?? DEFAULT_CONCURRENCY[workload]),
    rate: Number(arg('rate') ?? 0),
    serverPid: server.pid,
    historySample: Number(arg('history-sample') ?? 100),
    eagerStart: flagOn('eager-start'),
    security: server.security,
  });
  process.stderr.write(`${server.name} ${workload}: ${report.workflowsPerSecond} wf/s, p50 ${report.startToResultMs.p50} ms, by tenth ${report.throughputByTenth.join(' ')}\n`);
  return report;
}

/**
 * --cluster's warm-up (both servers): each of the cluster's five processes compiles the hot path
 * with V8's optimizing compiler on its own share of the traffic, and after 50 workflows history's
 * processes still spend a third of their CPU compiling (about 3 ms per workflow over 1,500
 * measured ones); after 1,500 the compiler is down to a few per cent, as in a server that has been
 * up a while. Start-dev warms up the same way in one process.
 */
const CLUSTER_DEFAULT_WARMUP = 1500;

/** --cluster: a fresh cluster and a fresh start-dev per round, through the raw driver. */
async function clusterMain(workloads: WorkloadName[], namespace: string): Promise<void> {
  if (!flagOn('raw')) throw new Error('--cluster runs the raw driver: give --raw too');
  if (namespace !== 'default' || flagOn('side-by-side') || arg('address')) throw new Error('--cluster starts its own servers with the default namespace');
  const commit = arg('pg-synchronous-commit') ?? 'off';
  if (commit !== 'on' && commit !== 'off') throw new Error('--pg-synchronous-commit is on or off');
  const count = (name: string, fallback: number) => Number(arg(name) ?? fallback);
  const runs = [];
  for (const workload of workloads) {
    runs.push(
      ...(await runClusterComparison({
        shape: {
          counts: { frontend: count('frontend', 1), history: count('history', 2), matching: count('matching', 2) },
          numShards: count('num-shards', 4),
          synchronousCommit: commit,
          ...(arg('cpu-prof-dir') ? { cpuProfileDir: arg('cpu-prof-dir') } : {}),
        },
        rounds: Number(arg('repeat') ?? 1),
        startDev: !flagOn('no-start-dev'),
        idleSeconds: count('idle-seconds', 5),
        keepLogs: flagOn('keep-logs'),
        run: (server, hooks) => runRaw(server, workload, namespace, hooks),
      })),
    );
  }
  const { text, ratio } = clusterTables(runs);
  console.log(text);
  console.log(`\nRaw driver (server CPU vs the driver's own):\n${rawTable(runs.map((r) => ({ server: r.server, report: r.report })))}`);
  const out = arg('json');
  if (out) writeFileSync(out, JSON.stringify({ command: process.argv.slice(2).join(' '), runs, ratio }, null, 2));
}

async function main(): Promise<void> {
  if (await runStateModes(arg)) return;
  const workloads = (arg('workload') ?? 'A').split(',') as WorkloadName[];
  if (flagOn('cluster')) return clusterMain(workloads, arg('namespace') ?? 'default');
  if (flagOn('pg-commit-ceiling')) {
    const commit = arg('pg-synchronous-commit') ?? 'off';
    if (commit !== 'on' && commit !== 'off') throw new Error('--pg-synchronous-commit is on or off');
    const ceiling = await measureCommitCeiling({ clients: Number(arg('clients') ?? 16), seconds: Number(arg('duration') ?? 10), shards: Number(arg('num-shards') ?? 4), synchronousCommit: commit });
    console.log(JSON.stringify(ceiling, null, 2));
    return;
  }
  const notRaw = ['find-rate', 'rate', 'open-workflows', 'schedules', 'secure-side-by-side'].filter(flagOn);
  if (flagOn('raw') && notRaw.length) throw new Error(`--raw runs closed loop only; it does not take --${notRaw.join(', --')}`);
  const namespace = arg('namespace') ?? 'default';
  const rows: Array<{ server: string; report: RunReport }> = [];
  const servers: Array<{ server: BenchTarget }> = [];
  let started: BenchServer[] = [];
  if (flagOn('side-by-side')) {
    started = [await startKairos(), await startTemporal()];
    servers.push(...started.map((server) => ({ server })));
  } else if (flagOn('secure-side-by-side')) {
    started = [await startKairos(), await startKairos({ secure: true, namespace })];
    servers.push(...started.map((server) => ({ server })));
  } else {
    const pid = arg('server-pid');
    servers.push({ server: { name: 'server', address: arg('address') ?? '127.0.0.1:7233', pid: pid ? Number(pid) : undefined } });
  }
  const sustainable: Array<{ server: string; workload: WorkloadName; rate: number }> = [];
  const repeat = Number(arg('repeat') ?? 1);
  const openWorkflows = arg('open-workflows');
  try {
    const schedules = arg('schedules');
    if (schedules) {
      await schedulesRun(servers.map((s) => s.server), namespace, Number(schedules));
      return;
    }
    if (openWorkflows) {
      await openWorkflowsRun(servers.map((s) => s.server), namespace, Number(openWorkflows));
      return;
    }
    for (let round = 0; round < repeat; round++) {
      for (const workload of workloads) {
        // Alternate which server goes first, so that neither always runs on a warmer machine.
        for (const { server } of round % 2 ? [...servers].reverse() : servers) {
          if (flagOn('find-rate')) {
            sustainable.push({ server: server.name, workload, rate: await findSustainableRate(server, workload, namespace, rows) });
          } else {
            rows.push({ server: server.name, report: await runClosedOrOpen(server, workload, namespace) });
          }
        }
      }
    }
  } finally {
    for (const s of started) await s.stop();
  }
  console.log(table(rows));
  if (flagOn('raw')) console.log(`\nRaw driver (server CPU vs the driver's own):\n${rawTable(rows)}`);
  const medians = repeat > 1 ? medianTable(rows) : undefined;
  if (medians) console.log(`\nMedians over ${repeat} rounds:\n${medians.text}`);
  for (const { server, report } of rows) {
    if (report.workflows >= 1_000) {
      const first = report.throughputByTenth[0]!;
      const last = report.throughputByTenth[report.throughputByTenth.length - 1]!;
      console.log(`\n${server} ${report.workload}, ${report.workflows} workflows: wf/s by tenth ${report.throughputByTenth.join(', ')} (last/first ${round2(last / first)}); server RSS MiB by tenth ${report.serverRssByTenthMiB?.join(', ') ?? '-'}`);
    }
  }
  if (sustainable.length) console.log(`\nHighest sustainable open-loop rate (starts/s): ${JSON.stringify(sustainable)}`);
  const ratios = workloads.map((w) => {
    const of = (server: string) => rows.filter((r) => r.server === server && r.report.workload === w).map((r) => r.report);
    const k = of('kairos');
    const t = of('temporal');
    if (!k.length || !t.length) return undefined;
    // With repetitions: the ratio of medians, and the worst Kairos round against the median anchor.
    const med = (rs: RunReport[], f: (r: RunReport) => number | null) => median(rs.map(f).filter((x): x is number => x !== null));
    const tWfs = med(t, (r) => r.workflowsPerSecond);
    const kCpu = med(k, (r) => r.serverCpuSecondsPer1000Workflows);
    const tCpu = med(t, (r) => r.serverCpuSecondsPer1000Workflows);
    return {
      workload: w,
      rounds: Math.min(k.length, t.length),
      throughputRatio: round2(med(k, (r) => r.workflowsPerSecond) / tWfs),
      worstKairosThroughputRatio: round2(Math.min(...k.map((r) => r.workflowsPerSecond)) / tWfs),
      p50Ratio: round2(med(k, (r) => r.startToResultMs.p50) / med(t, (r) => r.startToResultMs.p50)),
      cpuRatio: Number.isFinite(kCpu / tCpu) ? round2(kCpu / tCpu) : null,
    };
  }).filter(Boolean);
  if (ratios.length) console.log(`\nKairos / Temporal: ${JSON.stringify(ratios)}`);
  const secureRatios = workloads.map((w) => {
    const wfs = (server: string) => median(rows.filter((r) => r.server === server && r.report.workload === w).map((r) => r.report.workflowsPerSecond));
    const plain = wfs('kairos');
    const secure = wfs('kairos-tls-jwt');
    return Number.isFinite(plain) && Number.isFinite(secure) ? { workload: w, throughputRatio: round2(secure / plain), fewerWorkflowsPerSecondPercent: round2((1 - secure / plain) * 100) } : undefined;
  }).filter(Boolean);
  if (secureRatios.length) console.log(`\nKairos with TLS and a JWT / plaintext: ${JSON.stringify(secureRatios)}`);
  const json = { servers: started.map((s) => ({ name: s.name, settings: s.settings })), runs: rows, medians: medians?.summary, ratios, sustainable };
  const out = arg('json');
  if (out) writeFileSync(out, JSON.stringify(json, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
