import { status } from '@grpc/grpc-js';
import { TaskQueueKind } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { CommandType } from '@kairos/proto/temporal/api/enums/v1/command_type';
import { decide } from './decider';
import { grpcCode, type DriverClient, type PendingCall } from './grpcClient';
import { RunHistories } from './runHistories';
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
  /** How the workflow tasks' histories came (whole, partial from the sticky queue, read again). */
  historyCounts(): { whole: number; partial: number; reread: number };
  /** Answers a workflow task that came without a poll (an eager start's first task), as a polled one. */
  answerEagerWorkflowTask(task: PollWorkflowTaskQueueResponse): void;
}

interface Context {
  client: DriverClient;
  namespace: string;
  taskQueue: string;
  identity: string;
  workload: RawWorkload;
  /** A sticky queue of this driver's own: workflow tasks after a run's first come there with partial histories. */
  stickyQueue?: string;
  /** Ask for activities eagerly: the server may hand their tasks back in the completion's reply. */
  eagerActivities?: boolean;
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
 * workflow side is the stateless decider: without a sticky queue every task brings (and the server
 * reads and sends) the run's whole history; with `stickyQueue` (as the SDKs do) `count` more
 * pollers wait there, and the histories are kept between a run's tasks (RunHistories).
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

  const histories = new RunHistories();
  const sticky = ctx.stickyQueue ? { name: ctx.stickyQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: ctx.taskQueue } : undefined;
  const stickyAttributes = sticky && { workerTaskQueue: sticky, scheduleToStartTimeout: { seconds: 10, nanos: 0 } };

  async function answerWorkflowTask(task: PollWorkflowTaskQueueResponse): Promise<void> {
    const run = { namespace: ctx.namespace, workflowId: task.workflowExecution!.workflowId, runId: task.workflowExecution!.runId };
    const events = await histories.whole(ctx.client, run, task);
    const commands = decide(ctx.workload, events, ctx.taskQueue);
    if (ctx.eagerActivities) {
      for (const c of commands) if (c.scheduleActivityTaskCommandAttributes) c.scheduleActivityTaskCommandAttributes.requestEagerExecution = true;
    }
    const closes = commands.some((c) => c.commandType === CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION || c.commandType === CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
    // Kept before answering: the run's next task may be polled before this answer's reply arrives.
    if (sticky && !closes) histories.remember(run.runId, events);
    else histories.forget(run.runId);
    let reply;
    try {
      reply = await ctx.client.start('respondWorkflowTaskCompleted', { namespace: ctx.namespace, taskToken: task.taskToken, commands, identity: ctx.identity, stickyAttributes }).result;
    } catch (err) {
      histories.forget(run.runId);
      throw err;
    }
    // Eager activities the server handed back: run here, as a worker with free slots would.
    await Promise.all((reply?.activityTasks ?? []).map((activity) => answerActivityTask(activity)));
  }

  async function answerActivityTask(task: PollActivityTaskQueueResponse): Promise<void> {
    const input = String(firstValue(task.input));
    await ctx.client.start('respondActivityTaskCompleted', { namespace: ctx.namespace, taskToken: task.taskToken, result: jsonPayloads(activityResult(input)), identity: ctx.identity }).result;
  }

  /** Runs `answer` for a task in hand, tracked so that stop() waits for it and a failure fails the set. */
  function handle<T>(task: T, answer: (task: T) => Promise<void>, done: () => void): void {
    const handled: Promise<void> = answer(task)
      .catch(fail)
      .finally(() => {
        done();
        handling.delete(handled);
      });
    handling.add(handled);
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
      handle(task, answer, () => slotsOfKind.release());
    }
  }

  const workflowSlots = new Slots(slots);
  const activitySlots = new Slots(slots);
  const pollWorkflowTask = () => ctx.client.start('pollWorkflowTaskQueue', { namespace: ctx.namespace, taskQueue: queue, identity: ctx.identity }, POLL_DEADLINE_MS);
  const pollActivityTask = () => ctx.client.start('pollActivityTaskQueue', { namespace: ctx.namespace, taskQueue: queue, identity: ctx.identity }, POLL_DEADLINE_MS);
  const pollStickyTask = () => ctx.client.start('pollWorkflowTaskQueue', { namespace: ctx.namespace, taskQueue: sticky, identity: ctx.identity }, POLL_DEADLINE_MS);
  const loops = [
    ...Array.from({ length: count }, () => loop(workflowSlots, pollWorkflowTask, answerWorkflowTask)),
    ...(sticky ? Array.from({ length: count }, () => loop(workflowSlots, pollStickyTask, answerWorkflowTask)) : []),
    ...Array.from({ length: count }, () => loop(activitySlots, pollActivityTask, answerActivityTask)),
  ];
  const all = Promise.all(loops);
  all.catch(fail);
  return {
    failed,
    historyCounts: () => ({ ...histories.counts }),
    // The start's caller holds a slot of its own (its place in flight), so no workflow slot is taken.
    answerEagerWorkflowTask: (task) => handle(task, answerWorkflowTask, () => {}),
    async stop() {
      stopping = true;
      for (const call of waiting) call.cancel();
      await all;
      await Promise.all(handling);
    },
  };
}
