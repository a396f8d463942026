import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PhaseHooks } from '../raw/processes';
import type { RawRunReport } from '../raw/runRaw';
import { startKairos } from '../servers';
import { costs, netOfIdle, sample, type ClusterCosts, type ClusterSample } from './counters';
import { startBenchCluster, type ClusterShape } from './kairosCluster';

/** Runs the raw driver against a server; the hooks bracket its measured phase. */
export type RawRunner = (server: { name: string; address: string; pid?: number }, hooks?: PhaseHooks) => Promise<RawRunReport>;

export interface ClusterRun {
  server: 'cluster' | 'start-dev';
  report: RawRunReport;
  /** Cluster only: costs per workflow of the measured phase, and per second of idle before it. */
  perWorkflow?: ClusterCosts;
  idlePerSecond?: ClusterCosts;
  /** perWorkflow less the idle costs of the measured phase's duration: the marginal cost of a workflow. */
  perWorkflowNetOfIdle?: ClusterCosts;
  settings: string;
  loadAverage: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One run on a fresh cluster: idle costs first (heartbeats, directory reads), then the workload. */
async function clusterRun(shape: ClusterShape, run: RawRunner, idleSeconds: number, keepLogs: boolean): Promise<ClusterRun> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-cluster-bench-'));
  try {
    const cluster = await startBenchCluster(dir, shape);
    // Registered after the cluster's own exit handlers (they stop PostgreSQL, which needs its directory).
    const removeAtExit = () => rmSync(dir, { recursive: true, force: true });
    process.once('exit', removeAtExit);
    try {
      await sleep(2_000); // past start-up's shard acquisition
      const idleFrom = await sample(cluster);
      await sleep(idleSeconds * 1_000);
      const idleTo = await sample(cluster);
      let before: Promise<ClusterSample> | undefined;
      let after: Promise<ClusterSample> | undefined;
      const report = await run(
        { name: 'cluster', address: cluster.address },
        { beforeMeasure: () => void (before = sample(cluster)), afterMeasure: () => void (after = sample(cluster)) },
      );
      if (!before || !after) throw new Error('the driver did not report its measured phase');
      const perWorkflow = costs(await before, await after, report.workflows);
      // The shared table's server columns: every Kairos process of the cluster together.
      report.serverCpuSecondsPer1000Workflows = perWorkflow.cpuMs.kairos;
      report.serverCpuMsPerWorkflow = perWorkflow.cpuMs.kairos;
      report.serverCpuMsPerActivity = report.activitiesPerWorkflow ? Math.round((perWorkflow.cpuMs.kairos / report.activitiesPerWorkflow) * 1000) / 1000 : null;
      report.serverCores = Math.round(((perWorkflow.cpuMs.kairos * report.workflows) / 1000 / report.seconds) * 100) / 100;
      const idlePerSecond = costs(idleFrom, idleTo, (idleTo.atMs - idleFrom.atMs) / 1000);
      const perWorkflowNetOfIdle = netOfIdle(perWorkflow, idlePerSecond, report.seconds, report.workflows);
      return { server: 'cluster', report, perWorkflow, idlePerSecond, perWorkflowNetOfIdle, settings: cluster.settings, loadAverage: loadavg() };
    } finally {
      await cluster.stop();
      process.removeListener('exit', removeAtExit);
    }
  } finally {
    // The logs stay only when asked for (PostgreSQL's data directory goes in any case).
    if (keepLogs) {
      rmSync(join(dir, 'pgdata'), { recursive: true, force: true });
      process.stderr.write(`cluster logs kept in ${dir}\n`);
    } else rmSync(dir, { recursive: true, force: true });
  }
}

async function startDevRun(run: RawRunner): Promise<ClusterRun> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-bench-'));
  try {
    const server = await startKairos({}, dir);
    const atExit = () => {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', atExit);
    try {
      const report = await run({ name: 'start-dev', address: server.address, pid: server.pid });
      return { server: 'start-dev', report, settings: server.settings, loadAverage: loadavg() };
    } finally {
      await server.stop();
      process.removeListener('exit', atExit);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `--cluster`: each round runs the workload on a fresh cluster and, unless `startDev` is false,
 * on a fresh start-dev, alternating which goes first; every process and directory of a run is
 * gone before the next starts, so neither run pays for the other's idle processes.
 */
export async function runClusterComparison(options: { shape: ClusterShape; rounds: number; startDev: boolean; idleSeconds: number; keepLogs?: boolean; run: RawRunner }): Promise<ClusterRun[]> {
  // Ctrl-C or a kill: exit through process.exit, so the exit handlers stop PostgreSQL (pg_ctl
  // detached it), kill the instances and remove the directories.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const runs: ClusterRun[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order: Array<'cluster' | 'start-dev'> = options.startDev ? (round % 2 ? ['start-dev', 'cluster'] : ['cluster', 'start-dev']) : ['cluster'];
    for (const server of order) {
      const result = server === 'cluster' ? await clusterRun(options.shape, options.run, options.idleSeconds, options.keepLogs ?? false) : await startDevRun(options.run);
      process.stderr.write(`${server}: ${result.report.workflowsPerSecond} wf/s, p99 ${result.report.startToResultMs.p99} ms, load average ${result.loadAverage.map((x) => x.toFixed(2)).join(' ')}\n`);
      runs.push(result);
    }
  }
  return runs;
}
