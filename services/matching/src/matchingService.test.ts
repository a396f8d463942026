import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import { createLogger, type Logger } from '@kairos/common/logger';
import { Metrics } from '@kairos/common/metrics';
import { assignedQueueOwner, ClusterDirectory, inProcessClient, type MatchingClient } from '@kairos/cluster';
import { decodeTaskToken } from '@kairos/domain';
import { InProcessNotifier } from '@kairos/notify';
import { openSqliteStore } from '@kairos/persistence';
import type { Store, TaskQueueKind as BacklogKind } from '@kairos/persistence/store';
import {
  HistoryServiceDefinition,
  type HistoryServiceImplementation,
} from '@kairos/proto/kairos/historyservice/v1/service';
import type { RecordActivityTaskStartedRequest, RecordWorkflowTaskStartedRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { MatchingServiceDefinition } from '@kairos/proto/kairos/matchingservice/v1/service';
import { TaskTokenKind } from '@kairos/proto/kairos/persistence/v1/executions';
import { QueryResultType } from '@kairos/proto/temporal/api/enums/v1/query';
import { RateLimitSource, TaskQueueKind, TaskQueueType } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { PollActivityTaskQueueResponse, PollWorkflowTaskQueueResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { MatchingService } from './matchingService';

// The matching service on a real in-memory SQLite store and the in-process notifier, called
// through an in-process client (requests normalised as gRPC decoding would). History is a
// small in-process implementation of the two RecordTaskStarted calls whose answers tests choose.

const NS = 'ns-1';
const NORMAL = { kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL, normalName: '' };

let store: Store;
let notifier: InProcessNotifier;
let logged: Array<{ level: string; msg: string }>;
let logger: Logger;
let history: FakeHistory;
const services: MatchingService[] = [];

beforeEach(() => {
  store = openSqliteStore({ filename: ':memory:' }).store;
  notifier = new InProcessNotifier();
  logged = [];
  logger = createLogger({ level: 'debug', stream: { write: (line: string) => logged.push(JSON.parse(line)) } });
  history = new FakeHistory();
});

afterEach(async () => {
  vi.useRealTimers();
  for (const service of services.splice(0)) await service.stop();
  await notifier.close();
  await store.close();
});

function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

/** History's side of a poll: records every RecordTaskStarted call and answers with `failWith`'s error, if any. */
class FakeHistory {
  readonly workflowCalls: RecordWorkflowTaskStartedRequest[] = [];
  readonly activityCalls: RecordActivityTaskStartedRequest[] = [];
  /** An error code to answer with, by scheduled event id (or for every task). */
  failWith: (scheduledEventId: number) => Status | undefined = () => undefined;

  readonly client = inProcessClient(HistoryServiceDefinition, {
    recordWorkflowTaskStarted: async (req: RecordWorkflowTaskStartedRequest) => {
      this.workflowCalls.push(req);
      this.maybeFail(req.scheduledEventId);
      return {
        response: PollWorkflowTaskQueueResponse.fromPartial({
          taskToken: new TextEncoder().encode(`wft-${req.scheduledEventId}`),
          workflowExecution: req.workflowExecution,
          startedEventId: req.scheduledEventId + 1,
          attempt: 1,
        }),
      };
    },
    recordActivityTaskStarted: async (req: RecordActivityTaskStartedRequest) => {
      this.activityCalls.push(req);
      this.maybeFail(req.scheduledEventId);
      return { response: PollActivityTaskQueueResponse.fromPartial({ activityId: `activity-${req.scheduledEventId}`, attempt: req.attempt }) };
    },
  } as Partial<HistoryServiceImplementation> as HistoryServiceImplementation);

  private maybeFail(scheduledEventId: number): void {
    const code = this.failWith(scheduledEventId);
    if (code !== undefined) throw new ApiError(code, `history answers ${Status[code]}`);
  }
}

function startMatching(options: { instanceId?: string; metrics?: Metrics; directory?: ClusterDirectory } = {}): { service: MatchingService; matching: MatchingClient } {
  const service = new MatchingService({ store, notifier, history: history.client, logger, ...options });
  services.push(service);
  return { service, matching: inProcessClient(MatchingServiceDefinition, service.implementation) };
}

/** A promise whose outcome can be looked at without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error(`${what} did not become true`);
}

/** Lets in-flight calls (store reads and commits, in-process calls) run; nothing here waits on time. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await nextTurn();
}

async function backlogRows(queue: string, kind: BacklogKind = 'workflow', namespaceId = NS): Promise<number[]> {
  return (await store.getTaskQueueTasks(namespaceId, queue, kind, 0, 1_000)).map((row) => row.task.scheduledEventId);
}

interface PollOptions {
  namespaceId?: string;
  sticky?: boolean;
  identity?: string;
  key?: string;
  buildId?: string;
  signal?: AbortSignal;
  waitMs?: number;
  maxTasksPerSecond?: number;
}

function pollWorkflow(matching: MatchingClient, queue: string, options: PollOptions = {}) {
  return track(
    matching.pollWorkflowTaskQueue(
      {
        namespaceId: options.namespaceId ?? NS,
        request: {
          namespace: 'default',
          taskQueue: { name: queue, kind: options.sticky ? TaskQueueKind.TASK_QUEUE_KIND_STICKY : TaskQueueKind.TASK_QUEUE_KIND_NORMAL, normalName: options.sticky ? 'normal' : '' },
          identity: options.identity ?? 'worker-1',
          workerInstanceKey: options.key ?? '',
          workerVersionCapabilities: options.buildId ? { buildId: options.buildId, useVersioning: false } : undefined,
        },
        waitTimeoutMs: options.waitMs ?? 60_000,
      },
      { signal: options.signal },
    ),
  );
}

function pollActivity(matching: MatchingClient, queue: string, options: PollOptions = {}) {
  return track(
    matching.pollActivityTaskQueue(
      {
        namespaceId: options.namespaceId ?? NS,
        request: {
          namespace: 'default',
          taskQueue: { name: queue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          identity: options.identity ?? 'worker-1',
          workerInstanceKey: options.key ?? '',
          taskQueueMetadata: options.maxTasksPerSecond ? { maxTasksPerSecond: options.maxTasksPerSecond } : undefined,
        },
        waitTimeoutMs: options.waitMs ?? 60_000,
      },
      { signal: options.signal },
    ),
  );
}

function addWorkflowTask(matching: MatchingClient, queue: string, scheduledEventId: number, options: { namespaceId?: string; stickyOf?: string } = {}) {
  return matching.addWorkflowTask({
    namespaceId: options.namespaceId ?? NS,
    workflowExecution: { workflowId: 'wf', runId: `run-${scheduledEventId}` },
    taskQueue: options.stickyOf ? { name: queue, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: options.stickyOf } : { name: queue, ...NORMAL },
    scheduledEventId,
  });
}

function addActivityTask(matching: MatchingClient, queue: string, scheduledEventId: number, attempt = 1, fairnessKey?: string) {
  return matching.addActivityTask({
    namespaceId: NS,
    workflowExecution: { workflowId: 'wf', runId: 'run-1' },
    taskQueue: { name: queue, ...NORMAL },
    scheduledEventId,
    attempt,
    priority: fairnessKey === undefined ? undefined : { priorityKey: 0, fairnessKey, fairnessWeight: 0 },
  });
}

/** The scheduled event id of the workflow task a poll was answered with (undefined: empty answer). */
function workflowTaskOf(poll: { value?: { response?: PollWorkflowTaskQueueResponse } }): number | undefined {
  const response = poll.value?.response;
  return response ? response.startedEventId - 1 : undefined;
}

describe('adds and polls', () => {
  it("a workflow task added while a poll waits goes to it through history's RecordWorkflowTaskStarted, with nothing persisted", async () => {
    const { matching } = startMatching();
    const poll = pollWorkflow(matching, 'q', { identity: 'worker-7', buildId: 'build-3' });
    await settle();

    await addWorkflowTask(matching, 'q', 5);
    await until(() => poll.settled);
    expect(poll.error).toBeUndefined();
    expect(poll.value!.response!.workflowExecution).toEqual({ workflowId: 'wf', runId: 'run-5' });
    expect(workflowTaskOf(poll)).toBe(5);

    expect(history.workflowCalls).toHaveLength(1);
    const call = history.workflowCalls[0]!;
    expect(call).toMatchObject({
      namespaceId: NS,
      workflowExecution: { workflowId: 'wf', runId: 'run-5' },
      scheduledEventId: 5,
      identity: 'worker-7',
      polledTaskQueue: { name: 'q', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      workerVersion: { buildId: 'build-3', useVersioning: false },
    });
    expect(call.requestId).not.toBe('');
    expect(await backlogRows('q')).toEqual([]);
  });

  it('workflow and activity queues of one name, and the queues of other namespaces, are separate', async () => {
    const { matching } = startMatching();
    const workflowPoll = pollWorkflow(matching, 'q');
    const activityPoll = pollActivity(matching, 'q');
    const otherNamespacePoll = pollWorkflow(matching, 'q', { namespaceId: 'ns-2' });
    await settle();

    await addActivityTask(matching, 'q', 9, 3);
    await until(() => activityPoll.settled);
    expect(activityPoll.value!.response).toMatchObject({ activityId: 'activity-9', attempt: 3 });
    expect(history.activityCalls.map((c) => [c.namespaceId, c.scheduledEventId, c.attempt])).toEqual([[NS, 9, 3]]);

    await addWorkflowTask(matching, 'q', 4, { namespaceId: 'ns-2' });
    await until(() => otherNamespacePoll.settled);
    expect(workflowTaskOf(otherNamespacePoll)).toBe(4);
    expect(history.workflowCalls.map((c) => c.namespaceId)).toEqual(['ns-2']);
    expect(workflowPoll.settled).toBe(false);

    await addWorkflowTask(matching, 'q', 6);
    await until(() => workflowPoll.settled);
    expect(workflowTaskOf(workflowPoll)).toBe(6);
  });

  it('a task with no poller is persisted to its own queue and kind, and handed to the next poll', async () => {
    const { matching } = startMatching();
    await addWorkflowTask(matching, 'q', 1);
    await addActivityTask(matching, 'q', 2);
    expect(await backlogRows('q', 'workflow')).toEqual([1]);
    expect(await backlogRows('q', 'activity')).toEqual([2]);

    const poll = pollWorkflow(matching, 'q');
    await until(() => poll.settled);
    expect(workflowTaskOf(poll)).toBe(1);
    expect(await backlogRows('q', 'workflow')).toEqual([]);
    expect(await backlogRows('q', 'activity')).toEqual([2]);
  });

  it('history saying the task is stale (NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION) drops it; the poll goes on to the next task', async () => {
    const { matching } = startMatching();
    const stale: Record<number, Status> = { 1: Status.NOT_FOUND, 2: Status.ALREADY_EXISTS, 3: Status.FAILED_PRECONDITION };
    history.failWith = (id) => stale[id];
    for (const id of [1, 2, 3, 4]) await addWorkflowTask(matching, 'q', id);

    const poll = pollWorkflow(matching, 'q');
    await until(() => poll.settled);
    expect(workflowTaskOf(poll)).toBe(4);
    expect(history.workflowCalls.map((c) => c.scheduledEventId)).toEqual([1, 2, 3, 4]);
    expect(await backlogRows('q')).toEqual([]);
  });

  it('history unreachable (any other error) keeps the task in the backlog; the poll answers empty, a later one gets the task', async () => {
    const { matching } = startMatching();
    await addWorkflowTask(matching, 'q', 1);
    history.failWith = () => Status.UNAVAILABLE;

    const caller = new AbortController();
    const poll = pollWorkflow(matching, 'q', { signal: caller.signal });
    await until(() => history.workflowCalls.length > 0);
    caller.abort();
    await until(() => poll.settled);
    expect(poll.error).toBeUndefined();
    expect(poll.value!.response).toBeUndefined();
    expect(await backlogRows('q')).toEqual([1]);
    expect(logged.some((l) => l.level === 'warn' && l.msg.startsWith('recording task started failed'))).toBe(true);

    history.failWith = () => undefined;
    const later = pollWorkflow(matching, 'q');
    await until(() => later.settled);
    expect(workflowTaskOf(later)).toBe(1);
    expect(await backlogRows('q')).toEqual([]);
  });

  it('a poll with nothing to hand out answers an empty response when its wait runs out, never an error', async () => {
    fakeTimers();
    const { matching } = startMatching();
    const poll = pollWorkflow(matching, 'q', { waitMs: 3_000 });
    await settle();
    await vi.advanceTimersByTimeAsync(2_999);
    expect(poll.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => poll.settled);
    expect(poll.error).toBeUndefined();
    expect(poll.value).toEqual({ response: undefined });
  });

  it('a task persisted by another matching instance reaches a poll waiting here through the task-added notification', async () => {
    const here = startMatching({ instanceId: 'matching-a' });
    const there = startMatching({ instanceId: 'matching-b' });
    const poll = pollWorkflow(here.matching, 'q');
    await settle();

    await addWorkflowTask(there.matching, 'q', 3);
    await until(() => poll.settled);
    expect(workflowTaskOf(poll)).toBe(3);
    expect(await backlogRows('q')).toEqual([]);
  });
});

describe('sticky queues', () => {
  it('a task for a sticky queue with a waiting sticky poll goes to that poll, as a sticky poll', async () => {
    const { matching } = startMatching();
    const sticky = pollWorkflow(matching, 'sticky-1', { sticky: true });
    const normal = pollWorkflow(matching, 'normal');
    await settle();

    await addWorkflowTask(matching, 'sticky-1', 2, { stickyOf: 'normal' });
    await until(() => sticky.settled);
    expect(workflowTaskOf(sticky)).toBe(2);
    expect(history.workflowCalls[0]!.polledTaskQueue).toMatchObject({ name: 'sticky-1', kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY });
    expect(normal.settled).toBe(false);
  });

  it('a task for a sticky queue nobody polled goes to the normal queue at once', async () => {
    const { matching } = startMatching();
    await addWorkflowTask(matching, 'sticky-1', 2, { stickyOf: 'normal' });
    expect(await backlogRows('sticky-1')).toEqual([]);
    expect(await backlogRows('normal')).toEqual([2]);
  });

  it('a sticky queue polled in the last 10 s keeps its tasks; one not polled for longer sends them to the normal queue', async () => {
    fakeTimers();
    vi.setSystemTime(1_000_000);
    const { matching } = startMatching();
    const poll = pollWorkflow(matching, 'sticky-1', { sticky: true, waitMs: 0 });
    await until(() => poll.settled);

    vi.setSystemTime(1_000_000 + 10_000);
    await addWorkflowTask(matching, 'sticky-1', 2, { stickyOf: 'normal' });
    expect(await backlogRows('sticky-1')).toEqual([2]);

    vi.setSystemTime(1_000_000 + 10_001);
    await addWorkflowTask(matching, 'sticky-1', 3, { stickyOf: 'normal' });
    expect(await backlogRows('sticky-1')).toEqual([2]);
    expect(await backlogRows('normal')).toEqual([3]);
  });

  it("releasing a sticky queue (its worker shut down) moves its backlog to the normal queue, and sends its later tasks there", async () => {
    const { matching } = startMatching();
    const live = pollWorkflow(matching, 'sticky-1', { sticky: true, waitMs: 0 });
    await until(() => live.settled);
    for (const id of [1, 2]) await addWorkflowTask(matching, 'sticky-1', id, { stickyOf: 'normal' });
    expect(await backlogRows('sticky-1')).toEqual([1, 2]);

    await matching.releaseStickyTaskQueue({ namespaceId: NS, stickyTaskQueue: 'sticky-1' });
    expect(await backlogRows('sticky-1')).toEqual([]);
    expect(await backlogRows('normal')).toEqual([1, 2]);

    // Even with a poll on the released sticky queue, its tasks go to the normal queue.
    const stickyPoll = pollWorkflow(matching, 'sticky-1', { sticky: true });
    await settle();
    await addWorkflowTask(matching, 'sticky-1', 3, { stickyOf: 'normal' });
    expect(await backlogRows('normal')).toEqual([1, 2, 3]);
    expect(stickyPoll.settled).toBe(false);

    const normal = pollWorkflow(matching, 'normal');
    await until(() => normal.settled);
    expect(workflowTaskOf(normal)).toBe(1);
    expect(history.workflowCalls.at(-1)!.polledTaskQueue).toMatchObject({ name: 'normal', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
  });

  it('releasing a sticky queue nobody served is a no-op that still redirects its later tasks', async () => {
    const { matching } = startMatching();
    await matching.releaseStickyTaskQueue({ namespaceId: NS, stickyTaskQueue: 'sticky-9' });
    const stickyPoll = pollWorkflow(matching, 'sticky-9', { sticky: true });
    await settle();
    await addWorkflowTask(matching, 'sticky-9', 1, { stickyOf: 'normal' });
    expect(await backlogRows('normal')).toEqual([1]);
    expect(stickyPoll.settled).toBe(false);
  });
});

describe('worker shutdown', () => {
  it("CancelOutstandingWorkerPolls answers that worker's polls on the named queue and kind empty at once, and counts them", async () => {
    const { matching } = startMatching();
    const workflowPoll = pollWorkflow(matching, 'q', { key: 'worker-a' });
    const activityPoll = pollActivity(matching, 'q', { key: 'worker-a' });
    const otherWorker = pollWorkflow(matching, 'q', { key: 'worker-b' });
    await settle();

    const cancelled = await matching.cancelOutstandingWorkerPolls({ namespaceId: NS, taskQueue: 'q', taskQueueKind: 'workflow', workerInstanceKey: 'worker-a' });
    expect(cancelled.cancelledCount).toBe(1);
    await until(() => workflowPoll.settled);
    expect(workflowPoll.value).toEqual({ response: undefined });
    expect(activityPoll.settled).toBe(false);
    expect(otherWorker.settled).toBe(false);

    expect((await matching.cancelOutstandingWorkerPolls({ namespaceId: NS, taskQueue: 'q', taskQueueKind: 'activity', workerInstanceKey: 'worker-a' })).cancelledCount).toBe(1);
    await until(() => activityPoll.settled);
    expect(activityPoll.value).toEqual({ response: undefined });

    expect((await matching.cancelOutstandingWorkerPolls({ namespaceId: NS, taskQueue: 'unknown', taskQueueKind: 'workflow', workerInstanceKey: 'worker-a' })).cancelledCount).toBe(0);
    expect(otherWorker.settled).toBe(false);
  });

  it('stop() answers every waiting poll empty; a poll arriving after it takes no task', async () => {
    const { service, matching } = startMatching();
    const poll = pollWorkflow(matching, 'q');
    await settle();

    await service.stop();
    await until(() => poll.settled);
    expect(poll.value).toEqual({ response: undefined });

    await addWorkflowTask(matching, 'q', 1);
    const late = pollWorkflow(matching, 'q');
    await until(() => late.settled);
    expect(late.value).toEqual({ response: undefined });
    expect(await backlogRows('q')).toEqual([1]);
  });
});

describe('ownership', () => {
  it('a queue another instance took over: the add answers UNAVAILABLE, waiting polls answer empty, the next call serves the queue afresh', async () => {
    const { matching } = startMatching({ instanceId: 'matching-a' });
    await addWorkflowTask(matching, 'q', 1); // persisted: the queue is held at range 1
    history.failWith = () => Status.UNAVAILABLE; // task 1 stays in memory: the next add goes to the store
    const poll = pollWorkflow(matching, 'q');
    await until(() => history.workflowCalls.length >= 1);
    await settle();

    await store.acquireTaskQueue(NS, 'q', 'workflow', 'matching-b');
    const err = await addWorkflowTask(matching, 'q', 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(Status.UNAVAILABLE);
    await until(() => poll.settled);
    expect(poll.value).toEqual({ response: undefined });
    expect(await backlogRows('q')).toEqual([1]);

    history.failWith = () => undefined;
    await addWorkflowTask(matching, 'q', 3);
    expect(await backlogRows('q')).toEqual([1, 3]);
    const next = pollWorkflow(matching, 'q');
    await until(() => next.settled);
    expect(workflowTaskOf(next)).toBe(1);
  });

  it('when the directory assigns a queue to another live instance, it is closed here (its polls answer empty); its own queues keep waiting', async () => {
    const members = ['matching-a', 'matching-b'];
    const ownerOf = (name: string) => assignedQueueOwner(`${NS}/workflow/${name}`, members);
    const names = Array.from({ length: 64 }, (_, i) => `q${i}`);
    const mine = names.find((n) => ownerOf(n) === 'matching-a')!;
    const theirs = names.find((n) => ownerOf(n) === 'matching-b')!;
    expect(mine && theirs).toBeTruthy();

    const directory = new ClusterDirectory(store, { heartbeatMs: 1_000, ttlMs: 60_000, refreshMs: 60_000 }, logger);
    const { matching } = startMatching({ instanceId: 'matching-a', directory });
    const minePoll = pollWorkflow(matching, mine);
    const theirsPoll = pollWorkflow(matching, theirs);
    await settle();

    // A view that does not list this instance yet says nothing about what it owns.
    await store.heartbeatMember('matching', 'matching-b', 'b:1');
    await directory.refresh();
    await settle();
    expect(theirsPoll.settled).toBe(false);

    await store.heartbeatMember('matching', 'matching-a', 'a:1');
    await directory.refresh();
    await until(() => theirsPoll.settled);
    expect(theirsPoll.value).toEqual({ response: undefined });
    expect(minePoll.settled).toBe(false);

    await addWorkflowTask(matching, mine, 1);
    await until(() => minePoll.settled);
    expect(workflowTaskOf(minePoll)).toBe(1);
  });
});

describe('queries', () => {
  const execution = { workflowId: 'wf', runId: 'run-1' };

  function query(matching: MatchingClient, signal?: AbortSignal) {
    return track(
      matching.queryWorkflow(
        { namespaceId: NS, taskQueue: 'q', task: { workflowExecution: execution, query: { queryType: 'state' } } },
        { signal },
      ),
    );
  }

  it("a query goes to a waiting poll with a query task token, never through history or the store; the worker's answer completes it", async () => {
    const { matching } = startMatching();
    const poll = pollWorkflow(matching, 'q');
    await settle();

    const asked = query(matching);
    await until(() => poll.settled);
    const task = poll.value!.response!;
    expect(task.query?.queryType).toBe('state');
    expect(task.workflowExecution).toEqual(execution);
    const token = decodeTaskToken(task.taskToken, TaskTokenKind.TASK_TOKEN_KIND_QUERY_TASK);
    expect(token).toMatchObject({ namespaceId: NS, workflowId: 'wf', runId: 'run-1', taskQueue: 'q' });
    expect(history.workflowCalls).toEqual([]);
    expect(await backlogRows('q')).toEqual([]);
    expect(asked.settled).toBe(false);

    const answer = { completedType: QueryResultType.QUERY_RESULT_TYPE_ANSWERED, queryResult: { payloads: [{ metadata: {}, data: new TextEncoder().encode('42') }] } };
    await matching.respondQueryTaskCompleted({ namespaceId: NS, taskQueue: 'q', queryId: token.queryId, request: answer });
    await until(() => asked.settled);
    expect(asked.value!.completion).toMatchObject({ completedType: QueryResultType.QUERY_RESULT_TYPE_ANSWERED });
    expect(Buffer.from(asked.value!.completion!.queryResult!.payloads[0]!.data).toString()).toBe('42');

    // Answered once: a second answer finds nothing.
    await expect(matching.respondQueryTaskCompleted({ namespaceId: NS, taskQueue: 'q', queryId: token.queryId, request: answer })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it('a query with no poll waiting goes to the next poll, before the backlog', async () => {
    const { matching } = startMatching();
    await addWorkflowTask(matching, 'q', 1);
    const asked = query(matching);
    await settle();

    const poll = pollWorkflow(matching, 'q');
    await until(() => poll.settled);
    expect(poll.value!.response!.query?.queryType).toBe('state');
    expect(await backlogRows('q')).toEqual([1]);
    expect(asked.settled).toBe(false);
  });

  it('an answer to an unknown query is NOT_FOUND', async () => {
    const { matching } = startMatching();
    await expect(matching.respondQueryTaskCompleted({ namespaceId: NS, taskQueue: 'q', queryId: randomUUID(), request: {} })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });

  it('a query no worker picks up fails with DEADLINE_EXCEEDED when its caller gives up, and is not handed out after', async () => {
    const { matching } = startMatching();
    const caller = new AbortController();
    const asked = query(matching, caller.signal);
    await settle();
    caller.abort();
    await until(() => asked.settled);
    expect(asked.error).toMatchObject({ code: Status.DEADLINE_EXCEEDED, message: expect.stringContaining('before a worker picked it up') });

    const poll = pollWorkflow(matching, 'q', { waitMs: 0 });
    await until(() => poll.settled);
    expect(poll.value).toEqual({ response: undefined });
  });

  it('a query a worker took but did not answer fails with DEADLINE_EXCEEDED when its caller gives up; a late answer is NOT_FOUND', async () => {
    const { matching } = startMatching();
    const poll = pollWorkflow(matching, 'q');
    await settle();
    const caller = new AbortController();
    const asked = query(matching, caller.signal);
    await until(() => poll.settled);
    caller.abort();
    await until(() => asked.settled);
    expect(asked.error).toMatchObject({ code: Status.DEADLINE_EXCEEDED, message: expect.stringContaining('before the worker answered') });

    const token = decodeTaskToken(poll.value!.response!.taskToken, TaskTokenKind.TASK_TOKEN_KIND_QUERY_TASK);
    await expect(matching.respondQueryTaskCompleted({ namespaceId: NS, taskQueue: 'q', queryId: token.queryId, request: {} })).rejects.toMatchObject({
      code: Status.NOT_FOUND,
    });
  });
});

describe('dispatch rate limits (UpdateTaskQueueConfig, the worker\'s maxTasksPerSecond)', () => {
  const setRate = (matching: MatchingClient, queue: string, rps: number | undefined) =>
    matching.updateTaskQueueConfig({
      namespaceId: NS,
      request: { namespace: 'default', taskQueue: queue, taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, identity: 'op', updateQueueRateLimit: { rateLimit: rps === undefined ? undefined : { requestsPerSecond: rps }, reason: 'test' } },
    });
  const describeQueue = async (matching: MatchingClient, queue: string) =>
    (await matching.describeTaskQueue({ namespaceId: NS, request: { namespace: 'default', taskQueue: { name: queue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, reportConfig: true } })).response!;

  it('a rate of 0 dispatches nothing (tasks wait in the backlog); removing it hands them out at once', async () => {
    const { matching } = startMatching();
    const updated = await setRate(matching, 'paused', 0);
    expect(updated.config?.queueRateLimit).toEqual({ rateLimit: { requestsPerSecond: 0 }, metadata: { reason: 'test', updateIdentity: 'op', updateTime: expect.any(Date) } });
    const poll = pollActivity(matching, 'paused');
    await addActivityTask(matching, 'paused', 5);
    await addActivityTask(matching, 'paused', 6);
    await settle();
    expect(poll.settled).toBe(false);
    expect(history.activityCalls).toEqual([]);
    expect(await backlogRows('paused', 'activity')).toEqual([5, 6]);
    const described = await describeQueue(matching, 'paused');
    expect(described.effectiveRateLimit).toEqual({ requestsPerSecond: 0, rateLimitSource: RateLimitSource.RATE_LIMIT_SOURCE_API });
    expect(described.config?.queueRateLimit?.rateLimit).toEqual({ requestsPerSecond: 0 });

    await setRate(matching, 'paused', undefined);
    await until(() => poll.settled, 'the poll answered once the limit is gone');
    expect(poll.value?.response?.activityId).toBe('activity-5');
    expect((await describeQueue(matching, 'paused')).effectiveRateLimit?.rateLimitSource).toBe(RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM);
  });

  it('hands out a burst of one second of tasks, then one per 1/rate seconds', async () => {
    fakeTimers();
    const { matching } = startMatching();
    await setRate(matching, 'slow', 2);
    for (let id = 1; id <= 5; id++) await addActivityTask(matching, 'slow', id);
    const polls = [1, 2, 3, 4, 5].map(() => pollActivity(matching, 'slow'));
    await settle();
    const answered = () => polls.filter((p) => p.settled).length;
    expect(answered()).toBe(2);
    await vi.advanceTimersByTimeAsync(499);
    await settle();
    expect(answered()).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => answered() === 3, 'the third task after 500 ms');
    await vi.advanceTimersByTimeAsync(1_000);
    await until(() => answered() === 5, 'two more a second later');
    expect(polls.map((p) => p.value?.response?.activityId).sort()).toEqual([1, 2, 3, 4, 5].map((id) => `activity-${id}`));
  });

  it('the worker\'s own rate applies until UpdateTaskQueueConfig sets one, which wins', async () => {
    const { matching } = startMatching();
    const first = pollActivity(matching, 'q', { maxTasksPerSecond: 0.5, waitMs: 1 });
    await until(() => first.settled);
    expect((await describeQueue(matching, 'q')).effectiveRateLimit).toEqual({ requestsPerSecond: 0.5, rateLimitSource: RateLimitSource.RATE_LIMIT_SOURCE_WORKER });
    await setRate(matching, 'q', 7);
    expect((await describeQueue(matching, 'q')).effectiveRateLimit).toEqual({ requestsPerSecond: 7, rateLimitSource: RateLimitSource.RATE_LIMIT_SOURCE_API });
  });

  it('per fairness key: each key gets the default rate times its weight, and a limited key does not hold back the others', async () => {
    fakeTimers();
    const { matching } = startMatching();
    await matching.updateTaskQueueConfig({
      namespaceId: NS,
      request: {
        namespace: 'default',
        taskQueue: 'fair',
        taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        updateFairnessKeyRateLimitDefault: { rateLimit: { requestsPerSecond: 1 }, reason: '' },
        setFairnessWeightOverrides: { heavy: 2 },
      },
    });
    // In the backlog: three tasks of key a, then one of b, then two of heavy (rate 2, burst 2).
    const keys: Record<number, string> = { 1: 'a', 2: 'a', 3: 'a', 4: 'b', 5: 'heavy', 6: 'heavy' };
    for (const [id, key] of Object.entries(keys)) await addActivityTask(matching, 'fair', Number(id), 1, key);
    const polls = Object.keys(keys).map(() => pollActivity(matching, 'fair'));
    await settle();
    const dispatched = () => history.activityCalls.map((c) => c.scheduledEventId).sort();
    expect(dispatched()).toEqual([1, 4, 5, 6]);
    await vi.advanceTimersByTimeAsync(1_000);
    await until(() => dispatched().length === 5, 'the next task of key a a second later');
    expect(dispatched()).toEqual([1, 2, 4, 5, 6]);
    await vi.advanceTimersByTimeAsync(1_000);
    await until(() => polls.every((p) => p.settled), 'every poll answered');
    expect(history.activityCalls.find((c) => c.scheduledEventId === 3)).toBeDefined();
  });

  it('a per-key rate of 0 limits nothing, as in Temporal', async () => {
    const { matching } = startMatching();
    await matching.updateTaskQueueConfig({
      namespaceId: NS,
      request: { namespace: 'default', taskQueue: 'fair0', taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, updateFairnessKeyRateLimitDefault: { rateLimit: { requestsPerSecond: 0 }, reason: '' } },
    });
    for (const id of [1, 2, 3]) await addActivityTask(matching, 'fair0', id, 1, 'a');
    const polls = [1, 2, 3].map(() => pollActivity(matching, 'fair0'));
    await until(() => polls.every((p) => p.settled), 'every task handed out');
  });

  it('a rate stored before the queue is loaded (another instance set it) applies from the first dispatch', async () => {
    await store.updateTaskQueueConfig(NS, 'stored', TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, () => ({ queueRateLimit: { rateLimit: { requestsPerSecond: 0 }, metadata: undefined }, fairnessKeysRateLimitDefault: undefined, fairnessWeightOverrides: {} }));
    const { matching } = startMatching();
    const poll = pollActivity(matching, 'stored');
    await addActivityTask(matching, 'stored', 9);
    await settle();
    expect(poll.settled).toBe(false);
    expect(await backlogRows('stored', 'activity')).toEqual([9]);
  });
});

describe('DescribeTaskQueue', () => {
  it("lists the queue's recent pollers by task queue type, with the rate activity workers asked for", async () => {
    const { matching } = startMatching();
    const polls = [
      pollWorkflow(matching, 'q', { identity: 'wf-worker', waitMs: 0 }),
      pollActivity(matching, 'q', { identity: 'act-worker', waitMs: 0, maxTasksPerSecond: 50 }),
      pollActivity(matching, 'q', { identity: 'act-default', waitMs: 0 }),
    ];
    await until(() => polls.every((p) => p.settled));

    const describe = (type: TaskQueueType, name = 'q') =>
      matching.describeTaskQueue({ namespaceId: NS, request: { namespace: 'default', taskQueue: { name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, taskQueueType: type } });
    const workflow = await describe(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
    expect(workflow.response!.pollers.map((p) => [p.identity, p.ratePerSecond])).toEqual([['wf-worker', 100_000]]);
    const activity = await describe(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
    expect(new Map(activity.response!.pollers.map((p) => [p.identity, p.ratePerSecond]))).toEqual(
      new Map([
        ['act-worker', 50],
        ['act-default', 100_000],
      ]),
    );
    expect((await describe(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, 'never-polled')).response!.pollers).toEqual([]);
  });

  it('forgets pollers not seen for five minutes', async () => {
    fakeTimers();
    vi.setSystemTime(1_000_000);
    const { matching } = startMatching();
    const poll = pollWorkflow(matching, 'q', { identity: 'old', waitMs: 0 });
    await until(() => poll.settled);
    vi.setSystemTime(1_000_000 + 5 * 60_000 + 1);
    const res = await matching.describeTaskQueue({ namespaceId: NS, request: { taskQueue: { name: 'q' }, taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW } });
    expect(res.response!.pollers).toEqual([]);
  });
});

describe('metrics', () => {
  it('counts sync matches, polls answered with a task and empty polls, and samples the loaded backlog per queue', async () => {
    const metrics = new Metrics('matching');
    // Queues carry the namespace id; the series name the namespace.
    metrics.resolveNamespaceNamesWith(async (id) => `name-of-${id}`);
    const { matching } = startMatching({ metrics });
    const value = async (counter: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }, taskqueue = 'q') =>
      (await counter.get()).values.find((v) => v.labels.taskqueue === taskqueue)?.value ?? 0;

    const waiting = pollWorkflow(matching, 'q');
    await settle();
    await addWorkflowTask(matching, 'q', 1);
    await until(() => waiting.settled);
    expect(await value(metrics.pollSuccessSync)).toBe(1);
    expect(await value(metrics.pollSuccess)).toBe(1);

    await addWorkflowTask(matching, 'q', 2);
    const fromBacklog = pollWorkflow(matching, 'q');
    await until(() => fromBacklog.settled);
    expect(await value(metrics.pollSuccessSync)).toBe(1);
    expect(await value(metrics.pollSuccess)).toBe(2);

    const empty = pollWorkflow(matching, 'q', { waitMs: 0 });
    await until(() => empty.settled);
    expect(await value(metrics.pollTimeouts)).toBe(1);

    // Two tasks persisted and read by a poll whose history is unreachable: both stay loaded.
    history.failWith = () => Status.UNAVAILABLE;
    await addWorkflowTask(matching, 'b', 3);
    await addWorkflowTask(matching, 'b', 4);
    const held = pollWorkflow(matching, 'b', { waitMs: 0 });
    await until(() => held.settled);
    const text = await metrics.text();
    expect(text).toMatch(/approximate_backlog_count\{[^}]*taskqueue="b"[^}]*\} 2/);
    expect(text).toMatch(/poll_success\{namespace="name-of-[^"]+",taskqueue="q",task_type="Workflow",service_name="matching"\} 2/);
  });

  it('samples the age of the oldest loaded backlog task per queue, 0 for an empty backlog, as Temporal', async () => {
    fakeTimers();
    vi.setSystemTime(1_000_000);
    const metrics = new Metrics('matching');
    metrics.resolveNamespaceNamesWith(async (id) => `name-of-${id}`);
    const { matching } = startMatching({ metrics });
    history.failWith = () => Status.UNAVAILABLE;
    await addWorkflowTask(matching, 'aged', 1);
    vi.setSystemTime(1_030_000);
    await addWorkflowTask(matching, 'aged', 2);
    const held = pollWorkflow(matching, 'aged', { waitMs: 0 });
    await until(() => held.settled);
    const drained = pollWorkflow(matching, 'empty', { waitMs: 0 });
    await until(() => drained.settled);
    vi.setSystemTime(1_090_000);
    const text = await metrics.text();
    expect(text).toMatch(/approximate_backlog_age_seconds\{namespace="name-of-[^"]+",taskqueue="aged",task_type="Workflow",service_name="matching"\} 90\n/);
    expect(text).toMatch(/approximate_backlog_age_seconds\{namespace="name-of-[^"]+",taskqueue="empty",task_type="Workflow",service_name="matching"\} 0\n/);
  });
});
