import { status } from '@grpc/grpc-js';
import { TaskQueueKind } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { decide } from './decider';
import { grpcCode, type DriverClient, type PendingCall } from './grpcClient';
import { readRemainingPages } from './history';
import { firstValue, jsonPayloads } from './payloads';
import { activityResult, type RawWorkload } from './workloads';
import type { PollActivityTaskQueueResponse, PollWorkflowTaskQueueResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';

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

/** A counting semaphore: tasks being answered at once, per kind (the SDKs' "slots"). */
class Slots {
  private waiters: Array<() => void> = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * `count` workflow-task pollers and `count` activity pollers on the run's task queue. A poller hands
 * each task to a handler and polls again at once (up to `slots` tasks of a kind being answered), so
 * answering (which waits for the server's commit) never leaves the queue without a poll. The
 * workflow side is the stateless decider: no sticky queue, so every task brings (and the server
 * reads and sends) the run's whole history.
 */
export function startPollers(ctx: Context, count: number, slots = 500): PollerSet {
  let stopping = false;
  const waiting = new Set<PendingCall<unknown>>();
  const handling = new Set<Promise<void>>();
  const queue = { name: ctx.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL };
  let fail!: (err: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));

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

  async function answerWorkflowTask(task: PollWorkflowTaskQueueResponse): Promise<void> {
    const run = { namespace: ctx.namespace, workflowId: task.workflowExecution!.workflowId, runId: task.workflowExecution!.runId };
    const events = await readRemainingPages(ctx.client, run, [...(task.history?.events ?? [])], task.nextPageToken);
    const commands = decide(ctx.workload, events, ctx.taskQueue);
    await ctx.client.call('respondWorkflowTaskCompleted', { namespace: ctx.namespace, taskToken: task.taskToken, commands, identity: ctx.identity }).result;
  }

  async function answerActivityTask(task: PollActivityTaskQueueResponse): Promise<void> {
    const input = String(firstValue(task.input));
    await ctx.client.call('respondActivityTaskCompleted', { namespace: ctx.namespace, taskToken: task.taskToken, result: jsonPayloads(activityResult(input)), identity: ctx.identity }).result;
  }

  /** Poll, hand the task over, poll again; `next` starts one poll. */
  async function loop<T extends { taskToken: Uint8Array }>(slotsOfKind: Slots, next: () => PendingCall<T>, answer: (task: T) => Promise<void>): Promise<void> {
    while (!stopping) {
      await slotsOfKind.acquire();
      const task = await poll(next());
      if (!task?.taskToken.length) {
        slotsOfKind.release();
        continue;
      }
      const handled: Promise<void> = answer(task)
        .catch(fail)
        .finally(() => {
          slotsOfKind.release();
          handling.delete(handled);
        });
      handling.add(handled);
    }
  }

  const workflowSlots = new Slots(slots);
  const activitySlots = new Slots(slots);
  const pollWorkflowTask = () => ctx.client.call('pollWorkflowTaskQueue', { namespace: ctx.namespace, taskQueue: queue, identity: ctx.identity }, POLL_DEADLINE_MS);
  const pollActivityTask = () => ctx.client.call('pollActivityTaskQueue', { namespace: ctx.namespace, taskQueue: queue, identity: ctx.identity }, POLL_DEADLINE_MS);
  const loops = [
    ...Array.from({ length: count }, () => loop(workflowSlots, pollWorkflowTask, answerWorkflowTask)),
    ...Array.from({ length: count }, () => loop(activitySlots, pollActivityTask, answerActivityTask)),
  ];
  const all = Promise.all(loops);
  all.catch(fail);
  return {
    failed,
    async stop() {
      stopping = true;
      for (const call of waiting) call.cancel();
      await all;
      await Promise.all(handling);
    },
  };
}
