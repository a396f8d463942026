import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { cpuSeconds, memoryMiB } from '../procStats';
import { freePort } from '../servers';
import { launchKairosDev, type LaunchedServer } from './launch';
import { openTimerWorkflows } from './timerWorker';

export interface OpenRestartReport {
  openWorkflows: number;
  openSeconds: number;
  /** Server RSS once every workflow is open and the server is quiet. */
  rssOpenMiB: number;
  peakRssWhileOpeningMiB: number;
  databaseMiB: number;
  restarts: Array<{
    /** Launch → DescribeNamespace answered. */
    servingMs: number;
    /** Launch → DescribeWorkflowExecution of an open workflow answered (history serves its shard). */
    workflowServedMs: number;
    /** RSS once quiet after the restart. */
    rssMiB: number;
    peakRssMiB: number;
  }>;
  /** Count of running workflows after the last restart (must equal openWorkflows). */
  runningAfterRestart: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

/** Waits until the process uses less than 5 % of a core over two seconds (or the deadline). */
async function waitQuiet(pid: number, deadline: number): Promise<void> {
  for (;;) {
    const before = cpuSeconds(pid);
    await sleep(2_000);
    if (cpuSeconds(pid) - before < 0.1 || Date.now() > deadline) return;
  }
}

async function describeUntilServed(address: string, namespace: string, workflowId: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    for (;;) {
      try {
        await connection.workflowService.describeWorkflowExecution({ namespace, execution: { workflowId } });
        return;
      } catch {
        await sleep(10);
      }
    }
  } finally {
    await connection.close();
  }
}

/**
 * Goal 6(b): Kairos start-dev with N workflows open (each on a day-long timer): RSS once quiet,
 * then `restarts` restarts timed from launch to serving, each checked to still hold N running.
 */
export async function openWorkflowsRestart(workflows: number, concurrency: number, restarts: number, namespace: string): Promise<OpenRestartReport> {
  const workDir = mkdtempSync(join(tmpdir(), 'state-scale-open-'));
  const db = join(workDir, 'kairos.db');
  const port = await freePort();
  const launch = () => launchKairosDev(db, port, join(workDir, 'server.log'));
  let server: LaunchedServer | undefined;
  try {
    server = await launch();
    log(`open-workflows-restart: serving after ${server.servingMs} ms; opening ${workflows} workflows`);
    const prefix = 'bench-open';
    const opened = await openTimerWorkflows(server.address, namespace, workflows, concurrency, prefix);
    log(`opened in ${opened.seconds} s; waiting for quiet`);
    await waitQuiet(server.pid, Date.now() + 120_000);
    const memory = memoryMiB(server.pid);
    const report: OpenRestartReport = {
      openWorkflows: workflows,
      openSeconds: opened.seconds,
      rssOpenMiB: Math.round(memory.rss),
      peakRssWhileOpeningMiB: Math.round(memory.peakRss),
      databaseMiB: 0,
      restarts: [],
      runningAfterRestart: 0,
    };
    log(`RSS open ${report.rssOpenMiB} MiB (peak ${report.peakRssWhileOpeningMiB})`);
    for (let i = 0; i < restarts; i++) {
      await server.stop();
      server = undefined;
      const started = performance.now();
      server = await launch();
      await describeUntilServed(server.address, namespace, `${prefix}-${(i * 7919) % workflows}`);
      const workflowServedMs = Math.round(performance.now() - started);
      await waitQuiet(server.pid, Date.now() + 120_000);
      const after = memoryMiB(server.pid);
      report.restarts.push({ servingMs: server.servingMs, workflowServedMs, rssMiB: Math.round(after.rss), peakRssMiB: Math.round(after.peakRss) });
      log(`restart ${i + 1}: ${JSON.stringify(report.restarts[i])}`);
    }
    const connection = await Connection.connect({ address: server.address });
    try {
      report.runningAfterRestart = Number((await connection.workflowService.countWorkflowExecutions({ namespace, query: `ExecutionStatus = 'Running'` })).count);
    } finally {
      await connection.close();
    }
    if (report.runningAfterRestart !== workflows) throw new Error(`after the restarts ${report.runningAfterRestart} workflows run, not ${workflows}`);
    report.databaseMiB = Math.round(statSync(db).size / 2 ** 20);
    return report;
  } finally {
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
