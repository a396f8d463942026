import type { ClusterCosts } from './counters';
import type { ClusterRun } from './runCluster';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;

function costCells(c: ClusterCosts | undefined): Array<string | number> {
  if (!c) return ['-', '-', '-', '-', '-', '-', '-', '-', '-', '-'];
  return [c.cpuMs.frontend, c.cpuMs.history, c.cpuMs.matching, c.cpuMs.kairos, c.postgresCpuMs, c.natsCpuMs, c.postgresCommits, `${c.executionWrites}/${c.shardLockedWrites}`, c.walKiB, `${c.natsInMsgs}/${c.natsOutMsgs}`];
}

/** The `--cluster` tables: per run (throughput, latency, costs per workflow per service), idle costs per second, and the ratio to start-dev. */
export function clusterTables(runs: ClusterRun[]): { text: string; ratio: number | null } {
  const header = ['server', 'workload', 'wf/s', 'p50 ms', 'p99 ms', 'frontend cpu ms/wf', 'history cpu ms/wf', 'matching cpu ms/wf', 'kairos cpu ms/wf', 'postgres cpu ms/wf', 'nats cpu ms/wf', 'pg commits/wf', 'execution writes/shard-locked per wf', 'WAL KiB/wf', 'nats msgs in/out per wf', 'driver cores', 'load avg 1m'];
  const lines = runs.map(({ server, report: r, perWorkflow, loadAverage }) => {
    // start-dev is one process: its CPU goes in the Kairos total only.
    const cells = server === 'start-dev' ? ['-', '-', '-', r.serverCpuMsPerWorkflow ?? '-', '-', '-', '-', '-', '-', '-'] : costCells(perWorkflow);
    return row([server, r.workload, r.workflowsPerSecond, r.startToResultMs.p50, r.startToResultMs.p99, ...cells, r.driverCores, loadAverage[0]!.toFixed(2)]);
  });
  const idle = runs.filter((r) => r.idlePerSecond).map((r) => row(['cluster idle, per second', ...costCells(r.idlePerSecond)]));
  const net = runs.filter((r) => r.perWorkflowNetOfIdle).map((r) => row(['cluster, per workflow net of idle', ...costCells(r.perWorkflowNetOfIdle)]));
  const wfs = (s: ClusterRun['server']) => runs.filter((r) => r.server === s).map((r) => r.report.workflowsPerSecond);
  const [c, d] = [wfs('cluster'), wfs('start-dev')];
  const ratio = c.length && d.length ? Math.round((median(c) / median(d)) * 100) / 100 : null;
  const text = [
    row(header),
    ...lines,
    '',
    row(['idle (per second) / marginal (per workflow)', 'frontend cpu ms', 'history cpu ms', 'matching cpu ms', 'kairos cpu ms', 'postgres cpu ms', 'nats cpu ms', 'pg commits', 'execution writes/shard-locked', 'WAL KiB', 'nats msgs in/out']),
    ...idle,
    ...net,
    ...(ratio !== null ? ['', `cluster / start-dev throughput (medians over ${c.length} and ${d.length} runs): ${ratio} (goal ≥ 0.6)`] : []),
  ];
  return { text: text.join('\n'), ratio };
}
