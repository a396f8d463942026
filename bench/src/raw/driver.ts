import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { TaskQueueKind } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import type { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { driverClient, type DriverClient } from './grpcClient';
import { checkHistory } from './historyCheck';
import { awaitResult, readHistory, type RunRef } from './history';
import { jsonPayloads } from './payloads';
import { startPollers, type PollerSet } from './pollers';
import { rawWorkload, type RawWorkload, type RawWorkloadName } from './workloads';

export interface DriverOptions {
  address: string;
  namespace: string;
  workload: RawWorkloadName;
  /** Workflow-task pollers, and as many activity pollers. */
  pollers: number;
  /** Task queue (one per driver process, so processes never take each other's tasks). */
  taskQueue: string;
  /** Sticky execution as the SDKs do it: a run's later tasks on this driver's own queue, with partial histories. */
  sticky?: boolean;
  /** Activities asked for eagerly, as the SDKs do: their tasks come back in the workflow task's completion reply. */
  eagerActivities?: boolean;
  /** Every start asks for eager execution, as the SDKs' `request_eager_start`: the first workflow task comes back in the start's reply. */
  eagerStart?: boolean;
  /** Sampled histories may hold workflow-task attempts that timed out (counted); otherwise they fail the run. */
  allowTaskTimeouts?: boolean;
}

/** One driver's measured phase: what it saw, in wall-clock milliseconds (comparable across processes). */
export interface MeasuredPhase {
  workflows: number;
  startedAtMs: number;
  finishedAtMs: number;
  /** Start-to-result of each workflow, ms. */
  latenciesMs: number[];
  /** When each workflow's result arrived (epoch ms), in completion order. */
  completedAtMs: number[];
  /** This process's CPU (user + system) during the phase, seconds. */
  driverCpuSeconds: number;
  /** Workflow ids in completion order (histories are sampled from the front). */
  ids: Array<{ workflowId: string; runId: string }>;
  /** Workflow tasks of the phase by how their history came (whole, partial from the sticky queue, read again). */
  workflowTaskHistories: { whole: number; partial: number; reread: number };
}

/** What the sampled histories showed (every one was also checked). */
export interface HistorySamples {
  checked: number;
  /** Workflow-task attempts that timed out in the sampled histories (only with allowTaskTimeouts). */
  timedOutWorkflowTasks: number;
  activityScheduleToStartMs: number[];
  workflowTaskScheduleToStartMs: number[];
}

const nowMs = () => performance.timeOrigin + performance.now();

/**
 * The raw-gRPC load driver of one process: a client that starts workflows and waits for their
 * results, and the pollers that run them, all on one connection.
 */
export class RawDriver {
  readonly workload: RawWorkload;
  private readonly client: DriverClient;
  private readonly pollers: PollerSet;
  private readonly identity = `raw-driver-${process.pid}@${hostname()}`;

  constructor(private readonly options: DriverOptions) {
    this.workload = rawWorkload(options.workload);
    this.client = driverClient(options.address);
    this.pollers = startPollers({ client: this.client, namespace: options.namespace, taskQueue: options.taskQueue, identity: this.identity, workload: this.workload, ...(options.sticky && { stickyQueue: `${options.taskQueue}-sticky` }), eagerActivities: options.eagerActivities }, options.pollers);
    // Surfaces through run(); a rejection nobody awaits yet must not end the process unreported.
    this.pollers.failed.catch(() => {});
  }

  /** Starts one workflow, waits for its result and checks it; resolves with its run. */
  async runOne(workflowId: string, i: number): Promise<RunRef> {
    const input = this.workload.input(i);
    const { namespace, taskQueue } = this.options;
    const started = await this.race(
      this.client.start('startWorkflowExecution', {
        namespace,
        workflowId,
        workflowType: { name: this.workload.workflowType },
        taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        input: jsonPayloads(input),
        workflowTaskTimeout: { seconds: 10, nanos: 0 },
        identity: this.identity,
        requestId: randomUUID(),
        requestEagerExecution: this.options.eagerStart ?? false,
      }).result,
    );
    if (started.eagerWorkflowTask?.taskToken.length) this.pollers.answerEagerWorkflowTask(started.eagerWorkflowTask);
    const ref = { namespace, workflowId, runId: started.runId };
    const result = await this.race(awaitResult(this.client, ref));
    const expected = this.workload.result(input);
    if (JSON.stringify(result) !== JSON.stringify(expected)) throw new Error(`wrong result for ${workflowId}: ${JSON.stringify(result)}, expected ${JSON.stringify(expected)}`);
    return ref;
  }

  /** A call that fails as soon as a poller fails (otherwise a stuck run would wait forever). */
  private race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.pollers.failed]);
  }

  /** Closed loop: `concurrency` workflows in flight until `workflows` completed (ids prefix-0..n-1). */
  async measure(prefix: string, workflows: number, concurrency: number): Promise<MeasuredPhase> {
    const latenciesMs: number[] = [];
    const completedAtMs: number[] = [];
    const ids: MeasuredPhase['ids'] = [];
    const cpuBefore = process.cpuUsage();
    const countsBefore = this.pollers.historyCounts();
    const startedAtMs = nowMs();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, workflows) }, async () => {
        while (next < workflows) {
          const i = next++;
          const t0 = nowMs();
          const ref = await this.runOne(`${prefix}-${i}`, i);
          const t1 = nowMs();
          latenciesMs.push(t1 - t0);
          completedAtMs.push(t1);
          ids.push({ workflowId: ref.workflowId, runId: ref.runId });
        }
      }),
    );
    const finishedAtMs = nowMs();
    const cpu = process.cpuUsage(cpuBefore);
    const counts = this.pollers.historyCounts();
    const workflowTaskHistories = { whole: counts.whole - countsBefore.whole, partial: counts.partial - countsBefore.partial, reread: counts.reread - countsBefore.reread };
    return { workflows, startedAtMs, finishedAtMs, latenciesMs, completedAtMs, driverCpuSeconds: (cpu.user + cpu.system) / 1e6, ids, workflowTaskHistories };
  }

  /** Reads back the histories of these runs and checks each against the workload's expected order. */
  async checkHistories(runs: Array<{ workflowId: string; runId: string }>): Promise<HistorySamples> {
    const samples: HistorySamples = { checked: 0, timedOutWorkflowTasks: 0, activityScheduleToStartMs: [], workflowTaskScheduleToStartMs: [] };
    for (const run of runs) {
      const events = await readHistory(this.client, { namespace: this.options.namespace, ...run });
      try {
        samples.timedOutWorkflowTasks += checkHistory(this.workload, events, { allowTaskTimeouts: this.options.allowTaskTimeouts }).timedOutWorkflowTasks;
      } catch (err) {
        throw new Error(`history of ${run.workflowId}: ${(err as Error).message}`);
      }
      collectLatencies(events, samples);
      samples.checked++;
    }
    return samples;
  }

  async stop(): Promise<void> {
    await this.pollers.stop();
    this.client.close();
  }
}

function collectLatencies(events: HistoryEvent[], samples: HistorySamples): void {
  const time = new Map(events.map((e) => [e.eventId, e.eventTime?.getTime() ?? NaN]));
  for (const e of events) {
    const a = e.activityTaskStartedEventAttributes;
    if (a) samples.activityScheduleToStartMs.push(time.get(e.eventId)! - time.get(a.scheduledEventId)!);
    const w = e.workflowTaskStartedEventAttributes;
    if (w) samples.workflowTaskScheduleToStartMs.push(time.get(e.eventId)! - time.get(w.scheduledEventId)!);
  }
}
