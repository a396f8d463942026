import { status } from '@grpc/grpc-js';
import { TaskQueueKind } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { decide } from './decider';
import { grpcCode, type DriverClient, type PendingCall } from './grpcClient';
import { readRemainingPages } from './history';
import { firstValue, jsonPayloads } from './payloads';
import { activityResult, type RawWorkload } from './workloads';

/** Both servers answer an idle long poll empty after about a minute; this deadline is past that. */
const POLL_DEADLINE_MS = 75_000;

export interface PollerSet {
  /** Rejects with the first error a poller met (a run must fail loudly, not hang). */
  failed: Promise<never>;
  /** Ends the polls still waiting and waits for the answers in flight. */
  stop(): Promise<void>;
}

interface Context {
  client: DriverClient;
  namespace: string;
  taskQueue: string;
  identity: string;
  workload: RawWorkload;
}

/**
 * `count` workflow-task pollers and `count` activity pollers on the run's task queue, each a loop:
 * poll, answer, poll again. The workflow side is the stateless decider: no sticky queue, so every
 * task brings (and the server reads and sends) the run's whole history.
 */
export function startPollers(ctx: Context, count: number): PollerSet {
  let stopping = false;
  const waiting = new Set<PendingCall<unknown>>();
  const queue = { name: ctx.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL };

  async function poll<T>(call: PendingCall<T>): Promise<T | undefined> {
    waiting.add(call);
    try {
      return await call.result;
    } catch (err) {
      const code = grpcCode(err);
      if (stopping && code === status.CANCELLED) return undefined;
      if (code === status.DEADLINE_EXCEEDED) return undefined;
      throw err;
    } finally {
      waiting.delete(call);
    }
  }

  async function workflowLoop(): Promise<void> {
    while (!stopping) {
      const task = await poll(ctx.client.call('pollWorkflowTaskQueue', { namespace: ctx.namespace, taskQueue: queue, identity: ctx.identity }, POLL_DEADLINE_MS));
      if (!task?.taskToken.length) continue;
      const run = { namespace: ctx.namespace, workflowId: task.workflowExecution!.workflowId, runId: task.workflowExecution!.runId };
      const events = await readRemainingPages(ctx.client, run, [...(task.history?.events ?? [])], task.nextPageToken);
      const commands = decide(ctx.workload, events, ctx.taskQueue);
      await ctx.client.call('respondWorkflowTaskCompleted', { namespace: ctx.namespace, taskToken: task.taskToken, commands, identity: ctx.identity }).result;
    }
  }

  async function activityLoop(): Promise<void> {
    while (!stopping) {
      const task = await poll(ctx.client.call('pollActivityTaskQueue', { namespace: ctx.namespace, taskQueue: queue, identity: ctx.identity }, POLL_DEADLINE_MS));
      if (!task?.taskToken.length) continue;
      const input = String(firstValue(task.input));
      await ctx.client.call('respondActivityTaskCompleted', { namespace: ctx.namespace, taskToken: task.taskToken, result: jsonPayloads(activityResult(input)), identity: ctx.identity }).result;
    }
  }

  const loops = [...Array.from({ length: count }, workflowLoop), ...Array.from({ length: count }, activityLoop)];
  const all = Promise.all(loops);
  const failed = new Promise<never>((_, reject) => all.catch(reject));
  return {
    failed,
    async stop() {
      stopping = true;
      for (const call of waiting) call.cancel();
      await all;
    },
  };
}
