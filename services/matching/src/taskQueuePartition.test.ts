import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import { createLogger, type Logger } from '@kairos/common/logger';
import { openSqliteStore } from '@kairos/persistence';
import type { Store } from '@kairos/persistence/store';
import { TaskQueueTask } from '@kairos/proto/kairos/persistence/v1/executions';
import { TaskQueuePartition, type DispatchResult } from './taskQueuePartition';

// Every test runs on a real in-memory SQLite store; "history" is a plain function answering the
// DispatchResult a poll's RecordTaskStarted would give. Timers are faked only where a deadline
// matters (setTimeout/setInterval/Date; setImmediate stays real so the store's group commit runs).

const NS = 'ns';
const QUEUE = 'tq';
const ME = 'matching-a';
const OTHER = 'matching-b';

let store: Store;
let logged: Array<{ level: string; msg: string }>;
let logger: Logger;

beforeEach(() => {
  store = openSqliteStore({ filename: ':memory:' }).store;
  logged = [];
  logger = createLogger({ level: 'debug', stream: { write: (line: string) => logged.push(JSON.parse(line)) } });
});

afterEach(async () => {
  vi.useRealTimers();
  await store.close();
});

function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

function task(scheduledEventId: number, runId = 'run-1'): TaskQueueTask {
  return TaskQueueTask.fromPartial({ namespaceId: NS, workflowExecution: { workflowId: 'wf', runId }, scheduledEventId, createTime: new Date() });
}

function partition(owner = ME, onClosed?: () => void): TaskQueuePartition<string> {
  return new TaskQueuePartition<string>(store, NS, QUEUE, 'workflow', logger, owner, onClosed);
}

type Outcome = DispatchResult<string>['kind'];

/** The history side of a poll: records the tasks it is offered and answers what `decide` says. */
function history(decide: (task: TaskQueueTask) => Outcome | Promise<Outcome> = () => 'started') {
  const offered: number[] = [];
  const dispatch = async (t: TaskQueueTask): Promise<DispatchResult<string>> => {
    offered.push(t.scheduledEventId);
    const kind = await decide(t);
    return kind === 'started' ? { kind, response: `task-${t.scheduledEventId}` } : { kind };
  };
  return { dispatch, offered };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
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

/** Lets the event loop turn (store commits, awaited dispatches) until `condition` holds. */
async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error(`${what} did not become true`);
}

/** The scheduled event ids of the queue's backlog rows in the store, in id order. */
async function backlogRows(queue = QUEUE): Promise<number[]> {
  return (await store.getTaskQueueTasks(NS, queue, 'workflow', 0, 1_000)).map((row) => row.task.scheduledEventId);
}

const LONG_WAIT = 60_000;
const never = () => new AbortController().signal;

/** Starts a poll and waits until it is registered as a waiting poller. */
async function waitingPoll(p: TaskQueuePartition<string>, dispatch: ReturnType<typeof history>['dispatch'], options: { signal?: AbortSignal; key?: string; waitMs?: number } = {}) {
  const before = p.waitingPollerCount;
  const poll = track(p.poll(dispatch, options.waitMs ?? LONG_WAIT, options.signal ?? never(), options.key));
  await until(() => p.waitingPollerCount > before || poll.settled, 'poll waiting');
  expect(poll.settled).toBe(false);
  return poll;
}

describe('sync match', () => {
  it('a task added while a poll waits goes straight to that poller; no backlog row is written', async () => {
    const p = partition();
    const h = history();
    const poll = await waitingPoll(p, h.dispatch);

    expect(await p.addTask(task(7))).toBe('matched');
    await until(() => poll.settled);
    expect(poll.value).toBe('task-7');
    expect(h.offered).toEqual([7]);
    expect(await backlogRows()).toEqual([]);
    expect(p.waitingPollerCount).toBe(0);
  });

  it('waiting polls are served in arrival order', async () => {
    const p = partition();
    const first = await waitingPoll(p, history().dispatch);
    const second = await waitingPoll(p, history().dispatch);

    expect(await p.addTask(task(1))).toBe('matched');
    expect(await p.addTask(task(2))).toBe('matched');
    await until(() => first.settled && second.settled);
    expect([first.value, second.value]).toEqual(['task-1', 'task-2']);
  });

  it("a task history rejects ('invalid') on sync match is dropped, and the poller keeps waiting for the next one", async () => {
    const p = partition();
    const h = history((t) => (t.scheduledEventId === 1 ? 'invalid' : 'started'));
    const poll = await waitingPoll(p, h.dispatch);

    expect(await p.addTask(task(1))).toBe('dropped');
    expect(poll.settled).toBe(false);
    expect(p.waitingPollerCount).toBe(1);
    expect(await backlogRows()).toEqual([]);

    expect(await p.addTask(task(2))).toBe('matched');
    await until(() => poll.settled);
    expect(poll.value).toBe('task-2');
  });

  it("history unreachable ('retry') on sync match: the task is persisted, then handed out from the backlog once history answers", async () => {
    const p = partition();
    let reachable = false;
    const h = history(() => (reachable ? 'started' : 'retry'));
    const poll = await waitingPoll(p, h.dispatch);

    expect(await p.addTask(task(3))).toBe('persisted');
    expect(await backlogRows()).toEqual([3]);
    expect(poll.settled).toBe(false);

    reachable = true;
    p.notifyBacklogChanged();
    await until(() => poll.settled);
    expect(poll.value).toBe('task-3');
    expect(await backlogRows()).toEqual([]);
  });
});

describe('backlog', () => {
  it('tasks added with no poller are persisted and handed out in order to later polls, each row deleted once started', async () => {
    const p = partition();
    for (const id of [1, 2, 3]) expect(await p.addTask(task(id))).toBe('persisted');
    expect(await backlogRows()).toEqual([1, 2, 3]);

    const h = history();
    expect(await p.poll(h.dispatch, LONG_WAIT, never())).toBe('task-1');
    expect(await backlogRows()).toEqual([2, 3]);
    expect(await p.poll(h.dispatch, LONG_WAIT, never())).toBe('task-2');
    expect(await p.poll(h.dispatch, LONG_WAIT, never())).toBe('task-3');
    expect(await backlogRows()).toEqual([]);
    expect(h.offered).toEqual([1, 2, 3]);
  });

  it('a backlog task is deleted only after history recorded it started', async () => {
    const p = partition();
    await p.addTask(task(1));
    const recording = deferred<Outcome>();
    const h = history(() => recording.promise);

    const poll = track(p.poll(h.dispatch, LONG_WAIT, never()));
    await until(() => h.offered.length === 1);
    expect(await backlogRows()).toEqual([1]);

    recording.resolve('started');
    await until(() => poll.settled);
    expect(poll.value).toBe('task-1');
    expect(await backlogRows()).toEqual([]);
  });

  it('a backlog task being recorded for one poll is not handed to another meanwhile', async () => {
    const p = partition();
    for (const id of [1, 2]) await p.addTask(task(id));
    const recording = deferred<Outcome>();
    const slow = history(() => recording.promise);
    const first = track(p.poll(slow.dispatch, LONG_WAIT, never()));
    const second = track(p.poll(slow.dispatch, LONG_WAIT, never()));
    await until(() => slow.offered.length === 2);
    expect(slow.offered).toEqual([1, 2]);

    // Both rows are still in the store while history records them: a third poll must not get them.
    const h = history();
    const third = await waitingPoll(p, h.dispatch);
    p.notifyBacklogChanged();
    for (let i = 0; i < 10; i++) await nextTurn();
    expect(h.offered).toEqual([]);
    expect(third.settled).toBe(false);

    recording.resolve('started');
    await until(() => first.settled && second.settled);
    expect([first.value, second.value]).toEqual(['task-1', 'task-2']);
    expect(await backlogRows()).toEqual([]);
  });

  it("a task history rejects ('invalid') is deleted and the poll moves on to the next one", async () => {
    const p = partition();
    for (const id of [1, 2]) await p.addTask(task(id));
    const h = history((t) => (t.scheduledEventId === 1 ? 'invalid' : 'started'));

    expect(await p.poll(h.dispatch, LONG_WAIT, never())).toBe('task-2');
    expect(h.offered).toEqual([1, 2]);
    expect(await backlogRows()).toEqual([]);
  });

  it("a task is kept when history is unreachable ('retry') and handed to a later poll", async () => {
    const p = partition();
    await p.addTask(task(1));

    const caller = new AbortController();
    const unreachable = history(() => 'retry');
    const poll = track(p.poll(unreachable.dispatch, LONG_WAIT, caller.signal));
    await until(() => unreachable.offered.length > 0);
    caller.abort();
    await until(() => poll.settled);
    expect(poll.value).toBeUndefined();
    expect(poll.error).toBeUndefined();
    expect(await backlogRows()).toEqual([1]);

    expect(await p.poll(history().dispatch, LONG_WAIT, never())).toBe('task-1');
    expect(await backlogRows()).toEqual([]);
  });

  it('a poll gets the task history started even when deleting its row fails (the row is re-delivered later and history rejects it)', async () => {
    const p = partition();
    await p.addTask(task(1));
    const recording = deferred<Outcome>();
    const h = history(() => recording.promise);
    const poll = track(p.poll(h.dispatch, LONG_WAIT, never()));
    await until(() => h.offered.length === 1);

    await store.close(); // the database goes away while history records the start
    recording.resolve('started');
    await until(() => poll.settled, 'poll answered');
    expect(poll.error).toBeUndefined();
    expect(poll.value).toBe('task-1');
    expect(logged.some((l) => l.level === 'warn' && l.msg.startsWith('deleting a handed-out task failed'))).toBe(true);
  });

  it('a waiting poll gets the task history started even when deleting its row fails', async () => {
    const p = partition();
    const recording = deferred<Outcome>();
    const h = history(() => recording.promise);
    const poll = await waitingPoll(p, h.dispatch);
    await partition(OTHER).addTask(task(1));
    p.notifyBacklogChanged();
    await until(() => h.offered.length === 1);

    await store.close();
    recording.resolve('started');
    await until(() => poll.settled, 'poll answered');
    expect(poll.value).toBe('task-1');
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a poll whose caller is already gone takes no backlog task', async () => {
    const p = partition();
    await p.addTask(task(1));
    const caller = new AbortController();
    caller.abort();
    const h = history();
    expect(await p.poll(h.dispatch, LONG_WAIT, caller.signal)).toBeUndefined();
    expect(h.offered).toEqual([]);
    expect(await backlogRows()).toEqual([1]);
  });

  it('a partition that starts over (restart, new owner) hands out the backlog persisted before it', async () => {
    const before = partition();
    for (const id of [1, 2]) await before.addTask(task(id));

    const after = partition();
    const h = history();
    expect(await after.poll(h.dispatch, LONG_WAIT, never())).toBe('task-1');
    expect(await after.poll(h.dispatch, LONG_WAIT, never())).toBe('task-2');
    expect(await backlogRows()).toEqual([]);
  });

  it('reads a backlog longer than one store read batch in order', async () => {
    const p = partition();
    const ids = Array.from({ length: 150 }, (_, i) => i + 1);
    for (const id of ids) await p.addTask(task(id));

    const h = history();
    const got: Array<string | undefined> = [];
    for (let i = 0; i < ids.length; i++) got.push(await p.poll(h.dispatch, 0, never()));
    expect(got).toEqual(ids.map((id) => `task-${id}`));
    expect(await p.poll(h.dispatch, 0, never())).toBeUndefined();
    expect(await backlogRows()).toEqual([]);
  });

  it('polls on an empty queue read the store once, until a task is persisted or announced', async () => {
    const p = partition();
    const reads = vi.spyOn(store, 'getTaskQueueTasks');
    const h = history();
    for (let i = 0; i < 3; i++) expect(await p.poll(h.dispatch, 0, never())).toBeUndefined();
    expect(reads).toHaveBeenCalledTimes(1);

    expect(await p.addTask(task(1))).toBe('persisted');
    expect(await p.poll(h.dispatch, 0, never())).toBe('task-1');
    expect(await p.poll(h.dispatch, 0, never())).toBeUndefined();
    const afterOwnWrite = reads.mock.calls.length;
    expect(afterOwnWrite).toBeGreaterThan(1);

    await partition(OTHER).addTask(task(2));
    p.notifyBacklogChanged();
    expect(await p.poll(h.dispatch, 0, never())).toBe('task-2');
    expect(reads.mock.calls.length).toBeGreaterThan(afterOwnWrite);
  });

  it('a task another instance persisted reaches a waiting poll when the backlog is announced', async () => {
    const p = partition();
    const poll = await waitingPoll(p, history().dispatch);

    const elsewhere = partition(OTHER);
    expect(await elsewhere.addTask(task(5))).toBe('persisted');
    expect(poll.settled).toBe(false);

    p.notifyBacklogChanged();
    await until(() => poll.settled);
    expect(poll.value).toBe('task-5');
  });

  it('while polls wait, the backlog is re-read periodically, so a lost announcement only delays the task', async () => {
    fakeTimers();
    const p = partition();
    const poll = await waitingPoll(p, history().dispatch);

    await partition(OTHER).addTask(task(5));
    await nextTurn();
    expect(poll.settled).toBe(false);

    await vi.advanceTimersByTimeAsync(2_000);
    await until(() => poll.settled);
    expect(poll.value).toBe('task-5');
  });
});

describe('poll deadlines', () => {
  it('a poll with nothing to hand out answers empty (not an error) when its wait runs out', async () => {
    fakeTimers();
    const p = partition();
    const poll = await waitingPoll(p, history().dispatch, { waitMs: 5_000 });

    await vi.advanceTimersByTimeAsync(4_999);
    expect(poll.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(poll.settled).toBe(true);
    expect(poll.value).toBeUndefined();
    expect(poll.error).toBeUndefined();
    expect(p.waitingPollerCount).toBe(0);
  });

  it('a poll with no time to wait answers at once: a backlog task if there is one, else empty', async () => {
    const p = partition();
    const h = history();
    expect(await p.poll(h.dispatch, 0, never())).toBeUndefined();
    expect(p.waitingPollerCount).toBe(0);

    await p.addTask(task(1));
    expect(await p.poll(h.dispatch, 0, never())).toBe('task-1');
  });

  it('a poll whose caller went away answers empty and is not handed later tasks', async () => {
    const p = partition();
    const caller = new AbortController();
    const h = history();
    const poll = await waitingPoll(p, h.dispatch, { signal: caller.signal });

    caller.abort();
    await until(() => poll.settled);
    expect(poll.value).toBeUndefined();
    expect(p.waitingPollerCount).toBe(0);

    expect(await p.addTask(task(1))).toBe('persisted');
    expect(h.offered).toEqual([]);
  });

  it('the timeout of a poll being handed a task waits for the outcome: started → the poll gets the task', async () => {
    fakeTimers();
    const p = partition();
    const recording = deferred<Outcome>();
    const poll = await waitingPoll(p, history(() => recording.promise).dispatch, { waitMs: 1_000 });

    const added = track(p.addTask(task(1)));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(poll.settled).toBe(false);

    recording.resolve('started');
    await until(() => poll.settled && added.settled);
    expect(poll.value).toBe('task-1');
    expect(added.value).toBe('matched');
  });

  it("the timeout of a poll being handed a task waits for the outcome: 'retry' → the poll answers empty and the task is persisted", async () => {
    fakeTimers();
    const p = partition();
    const recording = deferred<Outcome>();
    const poll = await waitingPoll(p, history(() => recording.promise).dispatch, { waitMs: 1_000 });

    const added = track(p.addTask(task(1)));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(poll.settled).toBe(false);

    recording.resolve('retry');
    await until(() => poll.settled && added.settled);
    expect(poll.value).toBeUndefined();
    expect(added.value).toBe('persisted');
    expect(p.waitingPollerCount).toBe(0);
    expect(await backlogRows()).toEqual([1]);
  });

  it("the timeout of a poll being handed a task waits for the outcome: 'invalid' → the poll answers empty and the task is dropped", async () => {
    fakeTimers();
    const p = partition();
    const recording = deferred<Outcome>();
    const poll = await waitingPoll(p, history(() => recording.promise).dispatch, { waitMs: 1_000 });

    const added = track(p.addTask(task(1)));
    await vi.advanceTimersByTimeAsync(5_000);
    recording.resolve('invalid');
    await until(() => poll.settled && added.settled);
    expect(poll.value).toBeUndefined();
    expect(added.value).toBe('dropped');
    expect(p.waitingPollerCount).toBe(0);
    expect(await backlogRows()).toEqual([]);
  });
});

describe('worker shutdown (poll completion by worker instance key)', () => {
  it("answers that worker's waiting polls empty at once and leaves other workers' polls waiting", async () => {
    const p = partition();
    const a1 = await waitingPoll(p, history().dispatch, { key: 'worker-a' });
    const b = await waitingPoll(p, history().dispatch, { key: 'worker-b' });
    const a2 = await waitingPoll(p, history().dispatch, { key: 'worker-a' });

    expect(p.cancelPolls('worker-a')).toBe(2);
    await until(() => a1.settled && a2.settled);
    expect([a1.value, a2.value]).toEqual([undefined, undefined]);
    expect(b.settled).toBe(false);

    expect(await p.addTask(task(1))).toBe('matched');
    await until(() => b.settled);
    expect(b.value).toBe('task-1');
  });

  it('an empty worker instance key (an SDK that sends none) cancels nothing', async () => {
    const p = partition();
    const poll = await waitingPoll(p, history().dispatch);
    expect(p.cancelPolls('')).toBe(0);
    expect(p.waitingPollerCount).toBe(1);
    expect(poll.settled).toBe(false);
  });

  it('a poll being handed a task when its worker shuts down keeps the task', async () => {
    const p = partition();
    const recording = deferred<Outcome>();
    const poll = await waitingPoll(p, history(() => recording.promise).dispatch, { key: 'worker-a' });

    const added = track(p.addTask(task(1)));
    expect(p.cancelPolls('worker-a')).toBe(0);
    recording.resolve('started');
    await until(() => poll.settled && added.settled);
    expect(poll.value).toBe('task-1');
    expect(added.value).toBe('matched');
  });

  it("a poll being handed a task when its worker shuts down answers empty if the task does not go to it ('retry'), instead of waiting again", async () => {
    const p = partition();
    const recording = deferred<Outcome>();
    const poll = await waitingPoll(p, history(() => recording.promise).dispatch, { key: 'worker-a' });

    const added = track(p.addTask(task(1)));
    p.cancelPolls('worker-a');
    recording.resolve('retry');
    await until(() => added.settled);
    expect(added.value).toBe('persisted');
    await until(() => poll.settled, 'poll answered');
    expect(poll.value).toBeUndefined();
    expect(p.waitingPollerCount).toBe(0);
  });

  it("a poll being handed a task when its worker shuts down answers empty if history rejects the task ('invalid')", async () => {
    const p = partition();
    const recording = deferred<Outcome>();
    const poll = await waitingPoll(p, history(() => recording.promise).dispatch, { key: 'worker-a' });

    const added = track(p.addTask(task(1)));
    p.cancelPolls('worker-a');
    recording.resolve('invalid');
    await until(() => added.settled);
    expect(added.value).toBe('dropped');
    await until(() => poll.settled, 'poll answered');
    expect(poll.value).toBeUndefined();
    expect(p.waitingPollerCount).toBe(0);
  });
});

describe('fencing: another instance takes the queue over', () => {
  it('the next add answers UNAVAILABLE and writes nothing; the partition closes and its waiting polls answer empty', async () => {
    const onClosed = vi.fn();
    const p = partition(ME, onClosed);
    await p.addTask(task(1)); // takes the queue (range 1) and persists task 1
    // A poll held by an unreachable history: task 1 stays in memory, so the next add goes to the store.
    const poll = await waitingPoll(p, history(() => 'retry').dispatch);

    expect(await store.acquireTaskQueue(NS, QUEUE, 'workflow', OTHER)).toBe(2);

    const err = await p.addTask(task(2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(Status.UNAVAILABLE);
    expect(p.isClosed).toBe(true);
    expect(onClosed).toHaveBeenCalledTimes(1);
    await until(() => poll.settled);
    expect(poll.value).toBeUndefined();
    expect(await backlogRows()).toEqual([1]);

    // Closed for good: adds keep answering UNAVAILABLE, polls answer empty at once.
    await expect(p.addTask(task(3))).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(await p.poll(history(() => 'retry').dispatch, LONG_WAIT, never())).toBeUndefined();
    expect(onClosed).toHaveBeenCalledTimes(1);
    expect(await backlogRows()).toEqual([1]);
  });

  it('a delete that finds the queue taken over closes the partition: the started task is still handed out, the row stays for the new owner, the other polls answer empty', async () => {
    const onClosed = vi.fn();
    const p = partition(ME, onClosed);
    await p.addTask(task(1));
    expect(await p.poll(history().dispatch, 0, never())).toBe('task-1'); // range 1 held

    const first = await waitingPoll(p, history().dispatch);
    const second = await waitingPoll(p, history().dispatch);

    const newOwner = partition(OTHER);
    expect(await newOwner.addTask(task(2))).toBe('persisted'); // acquires range 2

    p.notifyBacklogChanged();
    await until(() => first.settled && second.settled);
    expect(first.value).toBe('task-2');
    expect(second.value).toBeUndefined();
    expect(p.isClosed).toBe(true);
    expect(onClosed).toHaveBeenCalledTimes(1);
    expect(await backlogRows()).toEqual([2]);
  });

  it('a poll being handed a task when the partition closes answers empty if the task does not go to it', async () => {
    const p = partition();
    const recording = deferred<Outcome>();
    const poll = await waitingPoll(p, history(() => recording.promise).dispatch);

    const added = track(p.addTask(task(1)));
    p.close();
    recording.resolve('retry');
    await until(() => added.settled);
    expect((added.error as ApiError).code).toBe(Status.UNAVAILABLE);
    await until(() => poll.settled, 'poll answered');
    expect(poll.value).toBeUndefined();
    expect(p.waitingPollerCount).toBe(0);
  });

  it('close() answers waiting polls empty and later polls at once', async () => {
    const onClosed = vi.fn();
    const p = partition(ME, onClosed);
    const poll = await waitingPoll(p, history().dispatch);

    p.close();
    p.close();
    await until(() => poll.settled);
    expect(poll.value).toBeUndefined();
    expect(onClosed).toHaveBeenCalledTimes(1);
    expect(await p.poll(history().dispatch, LONG_WAIT, never())).toBeUndefined();
  });
});

describe('query tasks', () => {
  it('a query goes to a waiting poller at once, without history and without touching the store', async () => {
    const p = partition();
    const h = history();
    const poll = await waitingPoll(p, h.dispatch);

    expect(await p.offerQuery('query-1', never())).toBe(true);
    await until(() => poll.settled);
    expect(poll.value).toBe('query-1');
    expect(h.offered).toEqual([]);
    expect(await backlogRows()).toEqual([]);
  });

  it('a query with no poller waits for the next poll and goes before backlog tasks', async () => {
    const p = partition();
    await p.addTask(task(1));
    const offered = track(p.offerQuery('query-1', never()));
    await nextTurn();
    expect(offered.settled).toBe(false);

    const h = history();
    expect(await p.poll(h.dispatch, LONG_WAIT, never())).toBe('query-1');
    expect(offered.value).toBe(true);
    expect(await p.poll(h.dispatch, LONG_WAIT, never())).toBe('task-1');
    expect(await backlogRows()).toEqual([]);
  });

  it('a query nobody picks up resolves false when its caller gives up, and is not handed out later', async () => {
    const p = partition();
    const caller = new AbortController();
    const offered = track(p.offerQuery('query-1', caller.signal));
    caller.abort();
    await until(() => offered.settled);
    expect(offered.value).toBe(false);
    expect(await p.poll(history().dispatch, 0, never())).toBeUndefined();
  });
});

describe('released sticky queue (takeAll)', () => {
  it('removes every backlog task in order and deletes the rows', async () => {
    const p = partition();
    for (const id of [1, 2, 3]) await p.addTask(task(id));
    const taken = await p.takeAll();
    expect(taken.map((t) => t.scheduledEventId)).toEqual([1, 2, 3]);
    expect(await backlogRows()).toEqual([]);
    expect(await p.takeAll()).toEqual([]);
  });
});

describe('pollers seen (DescribeTaskQueue, sticky liveness)', () => {
  it('lists the pollers seen since a time, most recent first, and forgets older ones', async () => {
    fakeTimers();
    vi.setSystemTime(1_000_000);
    const p = partition();
    p.recordPoller('old', 5);
    vi.setSystemTime(1_010_000);
    p.recordPoller('new', 7);

    expect(p.pollersSince(1_005_000).map((x) => [x.identity, x.ratePerSecond, x.lastAccessTime.getTime()])).toEqual([['new', 7, 1_010_000]]);
    expect(p.pollersSince(0).map((x) => x.identity)).toEqual(['new']);
  });

  it('hasPollerSince is true while a poll waits or after a recent poll', async () => {
    fakeTimers();
    vi.setSystemTime(1_000_000);
    const p = partition();
    expect(p.hasPollerSince(1)).toBe(false);
    const caller = new AbortController();
    await waitingPoll(p, history().dispatch, { signal: caller.signal });
    expect(p.hasPollerSince(2_000_000)).toBe(true);
    caller.abort();
    await until(() => p.waitingPollerCount === 0);
    expect(p.hasPollerSince(1_000_000)).toBe(true);
    expect(p.hasPollerSince(1_000_001)).toBe(false);
  });
});
