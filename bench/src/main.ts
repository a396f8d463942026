#!/usr/bin/env node
// Benchmark harness: drives the official TypeScript SDK (client here, worker in its own process)
// against any server, or against Kairos and the real Temporal dev server side by side.
//   node bench/dist/main.js --address 127.0.0.1:7233 [--server-pid PID] --workload A,B,C,D
//   node bench/dist/main.js --side-by-side --workload A --workflows 300 --concurrency 20
// Options: --namespace default, --workflows N, --concurrency C (closed loop), --rate R (open loop,
// starts per second), --find-rate (open loop at rising rates until p99 passes --max-p99 ms or
// throughput falls below 90 % of the rate; reports the highest sustainable rate),
// --history-sample N, --json FILE. Every result and sampled history is checked.
import { writeFileSync } from 'node:fs';
import { startKairos, startTemporal, type BenchServer } from './servers';
import { runWorkload, type RunReport, type WorkloadName } from './workloads';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flagOn = (name: string) => process.argv.includes(`--${name}`);

const DEFAULT_WORKFLOWS: Record<WorkloadName, number> = { A: 300, B: 50, C: 10, D: 1000 };
const DEFAULT_CONCURRENCY: Record<WorkloadName, number> = { A: 20, B: 10, C: 2, D: 1000 };

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

/**
 * Open loop at rising rates (×1.5 from --start-rate, default 5/s): the highest rate whose run kept
 * up (≥ 90 % of the rate completed per second) with p99 start-to-result under --max-p99 ms.
 */
async function findSustainableRate(
  server: { name: string; address: string; pid?: number },
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

async function main(): Promise<void> {
  const workloads = (arg('workload') ?? 'A').split(',') as WorkloadName[];
  const namespace = arg('namespace') ?? 'default';
  const rows: Array<{ server: string; report: RunReport }> = [];
  const servers: Array<{ server: BenchServer | { name: string; address: string; pid?: number } }> = [];
  let started: BenchServer[] = [];
  if (flagOn('side-by-side')) {
    started = [await startKairos(), await startTemporal()];
    servers.push(...started.map((server) => ({ server })));
  } else {
    const pid = arg('server-pid');
    servers.push({ server: { name: 'server', address: arg('address') ?? '127.0.0.1:7233', pid: pid ? Number(pid) : undefined } });
  }
  const sustainable: Array<{ server: string; workload: WorkloadName; rate: number }> = [];
  try {
    for (const workload of workloads) {
      for (const { server } of servers) {
        if (flagOn('find-rate')) {
          const best = await findSustainableRate(server, workload, namespace, rows);
          sustainable.push({ server: server.name, workload, rate: best });
          continue;
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
        });
        rows.push({ server: server.name, report });
        process.stderr.write(`${server.name} ${workload}: ${report.workflowsPerSecond} wf/s, p50 ${report.startToResultMs.p50} ms\n`);
      }
    }
  } finally {
    for (const s of started) await s.stop();
  }
  console.log(table(rows));
  if (sustainable.length) console.log(`\nHighest sustainable open-loop rate (starts/s): ${JSON.stringify(sustainable)}`);
  const ratios = workloads.map((w) => {
    const k = rows.find((r) => r.server === 'kairos' && r.report.workload === w)?.report;
    const t = rows.find((r) => r.server === 'temporal' && r.report.workload === w)?.report;
    if (!k || !t) return undefined;
    return {
      workload: w,
      throughputRatio: Math.round((k.workflowsPerSecond / t.workflowsPerSecond) * 100) / 100,
      p50Ratio: Math.round((k.startToResultMs.p50 / t.startToResultMs.p50) * 100) / 100,
      cpuRatio: k.serverCpuSecondsPer1000Workflows && t.serverCpuSecondsPer1000Workflows ? Math.round((k.serverCpuSecondsPer1000Workflows / t.serverCpuSecondsPer1000Workflows) * 100) / 100 : null,
    };
  }).filter(Boolean);
  if (ratios.length) console.log(`\nKairos / Temporal: ${JSON.stringify(ratios)}`);
  const json = { servers: started.map((s) => ({ name: s.name, settings: s.settings })), runs: rows, ratios, sustainable };
  const out = arg('json');
  if (out) writeFileSync(out, JSON.stringify(json, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
