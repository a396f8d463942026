import { Client, Connection, ScheduleOverlapPolicy, type ScheduleHandle } from '@temporalio/client';
import { cpuSeconds, memoryMiB } from './procStats';

export interface ScheduleFiringOptions {
  address: string;
  namespace: string;
  /** Schedules created, all with the same interval. */
  schedules: number;
  intervalSeconds: number;
  /** How long they fire while measured. */
  durationSeconds: number;
  serverPid?: number;
}

export interface ScheduleFiringReport {
  schedules: number;
  intervalSeconds: number;
  durationSeconds: number;
  /** Nominal times inside the measured window, and how many of them started a workflow. */
  expectedFirings: number;
  firings: number;
  /** Start time of the started workflow minus its nominal time (no jitter: the action time). */
  latenessMs: { p50: number; p99: number; max: number };
  serverCpuSeconds: number | null;
  serverCpuMsPerFiring: number | null;
  serverPeakRssMiB: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!);
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * Schedule firing: N schedules with the same interval are created paused, unpaused together, left
 * to fire for the duration, then paused and deleted. Each fired workflow (no worker polls its task
 * queue; it times out after a second) is found through visibility by its task queue, and its start
 * time compared with the nominal time in its id. Server CPU is measured over the firing window.
 */
export async function measureScheduleFiring(options: ScheduleFiringOptions): Promise<ScheduleFiringReport> {
  const taskQueue = `bench-sched-${Date.now()}`;
  const connection = await Connection.connect({ address: options.address });
  const client = new Client({ connection, namespace: options.namespace });
  const ids = Array.from({ length: options.schedules }, (_, i) => `${taskQueue}-${i}`);
  const handles: ScheduleHandle[] = [];
  try {
    await pool(ids, 20, async (scheduleId) => {
      handles.push(
        await client.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: `${options.intervalSeconds}s` }] },
          action: { type: 'startWorkflow', workflowType: 'benchScheduled', taskQueue, workflowId: `wf-${scheduleId}`, workflowExecutionTimeout: '1s' },
          // Every nominal time starts a workflow, whatever the previous one is doing.
          policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL },
          state: { paused: true },
        }),
      );
    });
    await pool(handles, 20, (h) => h.unpause('bench'));
    const cpuBefore = options.serverPid ? cpuSeconds(options.serverPid) : 0;
    const windowStart = Date.now() + options.intervalSeconds * 1000;
    await sleep(options.durationSeconds * 1000);
    const windowEnd = Date.now();
    const cpuAfter = options.serverPid ? cpuSeconds(options.serverPid) : 0;
    const peak = options.serverPid ? memoryMiB(options.serverPid).peakRss : null;
    await pool(handles, 20, (h) => h.pause('bench over'));
    // Starts already decided are carried out; give them a moment, then read what fired.
    await sleep(5_000);
    const lateness: number[] = [];
    for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}'`, pageSize: 1000 })) {
      const stamp = /-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/.exec(w.workflowId)?.[1];
      if (!stamp) continue;
      const nominal = Date.parse(stamp);
      if (nominal < windowStart || nominal > windowEnd) continue;
      lateness.push(w.startTime.getTime() - nominal);
    }
    lateness.sort((a, b) => a - b);
    // Nominal times are on the interval's grid from the Unix epoch: those inside the window.
    const every = options.intervalSeconds * 1000;
    const perSchedule = Math.floor(windowEnd / every) - Math.ceil(windowStart / every) + 1;
    const cpu = options.serverPid ? Math.round((cpuAfter - cpuBefore) * 100) / 100 : null;
    return {
      schedules: options.schedules,
      intervalSeconds: options.intervalSeconds,
      durationSeconds: options.durationSeconds,
      expectedFirings: perSchedule * options.schedules,
      firings: lateness.length,
      latenessMs: { p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: lateness.at(-1) ?? 0 },
      serverCpuSeconds: cpu,
      serverCpuMsPerFiring: cpu !== null && lateness.length ? Math.round(((cpu * 1000) / lateness.length) * 100) / 100 : null,
      serverPeakRssMiB: peak === null ? null : Math.round(peak),
    };
  } finally {
    await pool(handles, 20, (h) => h.delete().catch(() => undefined));
    await connection.close();
  }
}
