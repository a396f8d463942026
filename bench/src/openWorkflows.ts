import { Client, Connection } from '@temporalio/client';
import { cpuSeconds, memoryMiB } from './procStats';
import { startWorker, stopWorker } from './workloads';

export interface OpenWorkflowsOptions {
  address: string;
  namespace: string;
  /** Workflows to leave open. */
  workflows: number;
  /** Starts in flight at once. */
  concurrency: number;
  serverPid: number;
}

export interface OpenWorkflowsReport {
  openWorkflows: number;
  startSeconds: number;
  /** Server RSS before the first start. */
  serverIdleRssMiB: number;
  /** Server RSS once every workflow is open and parked on its timer and the server is quiet. */
  serverOpenRssMiB: number;
  serverPeakRssMiB: number;
  workerPeakRssMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the process uses less than 5 % of a core over two seconds (work has settled). */
async function waitQuiet(pid: number, deadline: number): Promise<void> {
  for (;;) {
    const before = cpuSeconds(pid);
    await sleep(2_000);
    if (cpuSeconds(pid) - before < 0.1 || Date.now() > deadline) return;
  }
}

/**
 * Memory with many open workflows: starts N workflows that run one activity and then wait on a
 * day-long timer, waits until every activity has reported and the server is quiet, and measures
 * the server's resident memory. The workflows stay open: run it against a server you throw away.
 */
export async function measureOpenWorkflows(options: OpenWorkflowsOptions): Promise<OpenWorkflowsReport> {
  const taskQueue = `bench-open-${Date.now()}`;
  const serverIdleRssMiB = memoryMiB(options.serverPid).rss;
  // The worker keeps at most 1,000 workflows cached on both servers alike; the rest are evicted.
  const worker = startWorker(options.address, options.namespace, taskQueue, 1_000);
  let reported = 0;
  worker.on('message', (msg) => {
    if (msg === 'reported') reported++;
  });
  let workerPeak = 0;
  const sampler = setInterval(() => {
    try {
      workerPeak = Math.max(workerPeak, memoryMiB(worker.pid!).peakRss);
    } catch {
      /* exited */
    }
  }, 500);
  const connection = await Connection.connect({ address: options.address });
  const client = new Client({ connection, namespace: options.namespace });
  try {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.workflows) {
          const i = next++;
          await client.workflow.start('openAfterActivity', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [`o${i}`] });
        }
      }),
    );
    const deadline = Date.now() + 30 * 60_000;
    while (reported < options.workflows) {
      if (Date.now() > deadline) throw new Error(`only ${reported} of ${options.workflows} workflows ran their activity in 30 minutes`);
      await sleep(500);
    }
    const startSeconds = (performance.now() - started) / 1000;
    await waitQuiet(options.serverPid, Date.now() + 120_000);
    const last = await client.workflow.getHandle(`${taskQueue}-${options.workflows - 1}`).describe();
    if (last.status.name !== 'RUNNING') throw new Error(`workflow ${options.workflows - 1} is ${last.status.name}, not RUNNING`);
    const memory = memoryMiB(options.serverPid);
    return {
      openWorkflows: options.workflows,
      startSeconds: Math.round(startSeconds * 10) / 10,
      serverIdleRssMiB: Math.round(serverIdleRssMiB),
      serverOpenRssMiB: Math.round(memory.rss),
      serverPeakRssMiB: Math.round(memory.peakRss),
      workerPeakRssMiB: Math.round(workerPeak),
    };
  } finally {
    clearInterval(sampler);
    await connection.close();
    await stopWorker(worker);
  }
}
