import { describe, expect, it } from 'vitest';
import { ScheduleActivityTaskCommandAttributes } from '@kairos/proto/temporal/api/command/v1/message';
import { WorkerVersionStamp } from '@kairos/proto/temporal/api/common/v1/message';
import { RespondWorkflowTaskCompletedRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import {
  activityRetryFired,
  activityTimeoutFired,
  BadCommandAttributesError,
  closeActivity,
  failActivityAttempt,
  recordActivityHeartbeat,
  requestActivityCancellation,
  scheduleActivity,
} from './activities';
import { validateScheduleActivity } from './commandValidation';
import type { RunTransaction } from './runTransaction';
import { completeWorkflowTask } from './workflowTaskCompletion';
import {
  CommandType,
  EventType,
  RetryState,
  TaskQueueKind,
  TimeoutType,
  TimerTaskKind,
  WorkflowTaskFailedCause,
  type Failure,
  type HistoryEvent,
  type Payloads,
  type TimerTask,
} from './protos';
import { eventNames, reopen, T0 } from '../../test/runFixtures';
import {
  activityScheduled,
  activityStartedAt,
  appFailure,
  at,
  completeTaskAt,
  eventOf,
  newRunAt,
  onlyActivity,
  payloads,
  scheduleActivityCommand,
  SCHEDULED_EVENT_ID,
  secs,
  signalAt,
  startTaskAt,
  timerKinds,
  timerTaskOf,
  transferKinds,
} from '../../test/activityFixtures';

// ---------------------------------------------------------------------------------------------
// Transitions of one activity, on runs made by the core (test/activityFixtures.ts): a run started
// at T0 whose first workflow task (started at T0+1 s) completes at T0+2 s with one
// ScheduleActivityTask command, so ActivityTaskScheduled is event 5.

const ID = SCHEDULED_EVENT_ID;

/** The activity's timer task of this timeout type created by `run`. */
const activityTimer = (run: RunTransaction, timeoutType: TimeoutType) => timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT, timeoutType);

/** Fires `task` as the timer queue would, in a transaction at its fire time; returns that transaction and the outcome. */
function fire(run: RunTransaction, task: TimerTask, now: Date = task.fireTime!): { tx: RunTransaction; applied: boolean } {
  const tx = reopen(run, now);
  return { tx, applied: activityTimeoutFired(tx, task) };
}

/** The worker reports the current attempt failed at `now`. */
function failAt(run: RunTransaction, now: Date, failure: Failure = appFailure('boom'), details?: Payloads): RunTransaction {
  const tx = reopen(run, now);
  failActivityAttempt(tx, onlyActivity(tx), failure, 'activity-worker', undefined, details);
  return tx;
}

/** The activity's retry timer fires (its attempt dispatched again): that transaction. */
function retryFiredAt(run: RunTransaction, now: Date): RunTransaction {
  const tx = reopen(run, now);
  const retry = timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY);
  expect(activityRetryFired(tx, retry.eventId, retry.attempt)).toBe(true);
  return tx;
}

describe('scheduleActivity', () => {
  it('writes ActivityTaskScheduled after WorkflowTaskCompleted with the defaults filled in, and hands the task to matching', () => {
    const tx = activityScheduled({ input: payloads('Ada') });
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_SCHEDULED']);
    const scheduled = tx.newEvents[1]!;
    expect(scheduled.eventId).toBe(ID);
    expect(scheduled.activityTaskScheduledEventAttributes).toMatchObject({
      activityId: 'act-1',
      activityType: { name: 'Greet' },
      // No queue in the command: the workflow's own.
      taskQueue: { name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      input: payloads('Ada'),
      startToCloseTimeout: secs(10),
      // No run timeout and no schedule-to-close: both unlimited.
      scheduleToCloseTimeout: secs(0),
      scheduleToStartTimeout: secs(0),
      heartbeatTimeout: secs(0),
      workflowTaskCompletedEventId: 4,
      retryPolicy: { initialInterval: secs(1), backoffCoefficient: 2, maximumInterval: secs(100), maximumAttempts: 0, nonRetryableErrorTypes: [] },
    });
    expect(onlyActivity(tx)).toMatchObject({ scheduledEventId: ID, activityId: 'act-1', attempt: 1, started: false, scheduledTime: at(2), currentAttemptScheduledTime: at(2) });
    expect(transferKinds(tx)).toEqual(['ACTIVITY_TASK']);
    expect(tx.transferTasks[0]).toMatchObject({ scheduledEventId: ID, attempt: 1, taskQueue: { name: 'tq' }, namespaceId: 'ns-1', workflowId: 'wf-1', runId: 'run-1' });
    // Nothing to time out before a worker starts it.
    expect(tx.timerTasks).toEqual([]);
  });

  it("hands matching the activity's priority merged over the run's (fairness key and weight for its rate limits)", () => {
    const run = activityScheduled({ priority: { priorityKey: 0, fairnessKey: 'tenant-b', fairnessWeight: 0 } }, { priority: { priorityKey: 2, fairnessKey: 'tenant-a', fairnessWeight: 3 } });
    const merged = { priorityKey: 2, fairnessKey: 'tenant-b', fairnessWeight: 3 };
    expect(onlyActivity(run).priority).toEqual(merged);
    expect(run.transferTasks.map((t) => t.priority)).toEqual([merged]);
  });

  it('uses the task queue and retry policy of the command (policy defaults filled in)', () => {
    const tx = activityScheduled({ taskQueue: { name: 'other' }, retryPolicy: { initialInterval: secs(2), maximumAttempts: 3 } });
    const attrs = eventOf(tx, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).activityTaskScheduledEventAttributes!;
    expect(attrs.taskQueue).toMatchObject({ name: 'other', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
    expect(attrs.retryPolicy).toEqual({ initialInterval: secs(2), backoffCoefficient: 2, maximumInterval: secs(200), maximumAttempts: 3, nonRetryableErrorTypes: [] });
    expect(tx.transferTasks[0]!.taskQueue?.name).toBe('other');
    expect(onlyActivity(tx).retryPolicy?.maximumAttempts).toBe(3);
  });

  it('arms schedule-to-close for the activity and schedule-to-start for the attempt when it is shorter', () => {
    const tx = activityScheduled({ scheduleToCloseTimeout: secs(30), scheduleToStartTimeout: secs(5) });
    expect(activityTimer(tx, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE)).toMatchObject({ fireTime: at(32), eventId: ID, attempt: 1 });
    expect(activityTimer(tx, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)).toMatchObject({ fireTime: at(7), eventId: ID, attempt: 1 });
    expect(tx.transferTasks[0]!.scheduleToStartTimeout).toEqual(secs(5));
  });

  it('arms only schedule-to-close when schedule-to-start defaults to it', () => {
    const tx = activityScheduled({ scheduleToCloseTimeout: secs(30), startToCloseTimeout: undefined });
    expect(timerKinds(tx)).toEqual(['ACTIVITY_TIMEOUT']);
    expect(tx.timerTasks[0]).toMatchObject({ timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, fireTime: at(32) });
    expect(onlyActivity(tx)).toMatchObject({ scheduleToStartTimeout: secs(30), startToCloseTimeout: secs(30) });
  });

  it('caps the timeouts by the run timeout', () => {
    const tx = activityScheduled({}, { workflowRunTimeout: secs(60) });
    expect(onlyActivity(tx)).toMatchObject({ scheduleToCloseTimeout: secs(60), scheduleToStartTimeout: secs(60), startToCloseTimeout: secs(10) });
    expect(activityTimer(tx, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE).fireTime).toEqual(at(62));
  });

  it('refuses an activity id already pending (SCHEDULE_ACTIVITY_DUPLICATE_ID), and writes nothing', () => {
    const tx = reopen(activityScheduled(), at(3));
    const attrs = ScheduleActivityTaskCommandAttributes.fromPartial(scheduleActivityCommand({ activityType: { name: 'Other' } }).scheduleActivityTaskCommandAttributes!);
    const error = captureError(() => scheduleActivity(tx, attrs, 4));
    expect(error).toBeInstanceOf(BadCommandAttributesError);
    expect((error as BadCommandAttributesError).failedCause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID);
    expect((error as Error).message).toBe('invalid history builder state for action: add-activitytask-scheduled-event, ActivityID: act-1');
    expect(tx.newEvents).toEqual([]);
    expect(Object.keys(tx.state.activities)).toEqual([String(ID)]);
  });

  it('refuses the whole completion when one task schedules the same id twice', () => {
    const run = startTaskAt(newRunAt(T0), at(1));
    const tx = reopen(run, at(2));
    const outcome = completeWorkflowTask(tx, tx.state.workflowTask!, RespondWorkflowTaskCompletedRequest.fromPartial({ identity: 'worker', commands: [scheduleActivityCommand(), scheduleActivityCommand()] }));
    expect(outcome).toMatchObject({ kind: 'rejected', rejection: { failedCause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID } });
    expect(tx.discarded).toBe(true);
  });

  it('eager: no task for matching and no schedule-to-start timer; the completing worker starts it in the same transaction', () => {
    const direct = reopen(startTaskAt(newRunAt(T0), at(1)), at(2));
    const attrs = ScheduleActivityTaskCommandAttributes.fromPartial({ activityId: 'a', activityType: { name: 'T' }, taskQueue: { name: 'tq' }, scheduleToCloseTimeout: secs(30), scheduleToStartTimeout: secs(5) });
    const activity = scheduleActivity(direct, validateScheduleActivity(attrs, direct.info), 4, true);
    expect(direct.transferTasks).toEqual([]);
    expect(direct.timerTasks.map((t) => t.timeoutType)).toEqual([TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE]);
    expect(activity.started).toBe(false);

    const run = startTaskAt(newRunAt(T0), at(1));
    const tx = reopen(run, at(2));
    const outcome = completeWorkflowTask(tx, tx.state.workflowTask!, RespondWorkflowTaskCompletedRequest.fromPartial({ identity: 'worker', commands: [scheduleActivityCommand({ requestEagerExecution: true })] }));
    expect(outcome.kind).toBe('completed');
    if (outcome.kind !== 'completed') return;
    expect(outcome.eager.map((e) => e.activity.scheduledEventId)).toEqual([ID]);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_SCHEDULED']);
    expect(tx.transferTasks).toEqual([]);
    expect(onlyActivity(tx)).toMatchObject({ started: true, startedIdentity: 'worker', startedTime: at(2) });
    expect(activityTimer(tx, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE).fireTime).toEqual(at(12));
  });
});

describe('startActivity', () => {
  it('writes no event; arms start-to-close and heartbeat for the attempt', () => {
    const tx = activityStartedAt(activityScheduled({ heartbeatTimeout: secs(2) }), at(3), 'activity-worker');
    expect(tx.newEvents).toEqual([]);
    expect(tx.transferTasks).toEqual([]);
    expect(onlyActivity(tx)).toMatchObject({ started: true, startedTime: at(3), startedIdentity: 'activity-worker', lastWorkerIdentity: 'activity-worker', attempt: 1 });
    expect(onlyActivity(tx).startedRequestId).not.toBe('');
    expect(activityTimer(tx, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE)).toMatchObject({ fireTime: at(13), eventId: ID, attempt: 1 });
    expect(activityTimer(tx, TimeoutType.TIMEOUT_TYPE_HEARTBEAT)).toMatchObject({ fireTime: at(5), eventId: ID, attempt: 1 });
  });

  it('arms no heartbeat timer without a heartbeat timeout', () => {
    const tx = activityStartedAt(activityScheduled(), at(3));
    expect(tx.timerTasks.map((t) => t.timeoutType)).toEqual([TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE]);
  });
});

describe('closeActivity: completed', () => {
  it('writes the lazy ActivityTaskStarted (at the start time, with the closing worker’s build id), then Completed wired to it, then a workflow task', () => {
    const startedTx = activityStartedAt(activityScheduled(), at(3));
    const tx = reopen(startedTx, at(6));
    closeActivity(tx, onlyActivity(tx), { type: EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, attrs: { result: payloads('Hello, Ada'), identity: 'activity-worker' } }, WorkerVersionStamp.fromPartial({ buildId: 'b-7' }));
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_COMPLETED', 'WORKFLOW_TASK_SCHEDULED']);
    const [started, completed, scheduled] = tx.newEvents as [HistoryEvent, HistoryEvent, HistoryEvent];
    expect(started.eventId).toBe(6);
    expect(started.eventTime).toEqual(at(3));
    expect(started.activityTaskStartedEventAttributes).toMatchObject({ scheduledEventId: ID, attempt: 1, identity: 'activity-worker', workerVersion: { buildId: 'b-7' } });
    expect(started.activityTaskStartedEventAttributes!.requestId).toBe(onlyActivity(startedTx).startedRequestId);
    expect(started.activityTaskStartedEventAttributes!.lastFailure).toBeUndefined();
    expect(completed.eventTime).toEqual(at(6));
    expect(completed.activityTaskCompletedEventAttributes).toMatchObject({ scheduledEventId: ID, startedEventId: 6, result: payloads('Hello, Ada'), identity: 'activity-worker' });
    expect(scheduled.eventId).toBe(8);
    expect(tx.state.activities).toEqual({});
    expect(transferKinds(tx)).toEqual(['WORKFLOW_TASK']);
    expect(tx.transferTasks[0]!.scheduledEventId).toBe(8);
  });

  it('is buffered while a workflow task is started; the flush after that task gives Started its id and wires Completed to it', () => {
    const started = activityStartedAt(activityScheduled(), at(3));
    // A signal wakes the workflow (6 Signaled, 7 WorkflowTaskScheduled) and a worker starts that task (8).
    const inFlight = startTaskAt(signalAt(started, at(4)), at(5));
    expect(inFlight.state.nextEventId).toBe(9);

    const tx = reopen(inFlight, at(6));
    closeActivity(tx, onlyActivity(tx), { type: EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, attrs: { result: payloads(1), identity: 'activity-worker' } });
    expect(tx.newEvents).toEqual([]);
    expect(tx.transferTasks).toEqual([]);
    expect(eventNames(tx.state.bufferedEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_COMPLETED']);
    expect(tx.state.bufferedEvents.map((e) => e.eventId)).toEqual([0, 0]);
    expect(tx.state.bufferedEvents[0]!.eventTime).toEqual(at(3));
    expect(tx.state.activities).toEqual({});

    const completion = completeTaskAt(tx, at(7));
    expect(eventNames(completion.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_COMPLETED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(completion.newEvents.map((e) => e.eventId)).toEqual([9, 10, 11, 12]);
    expect(completion.newEvents[1]!.eventTime).toEqual(at(3));
    expect(completion.newEvents[2]!.activityTaskCompletedEventAttributes).toMatchObject({ scheduledEventId: ID, startedEventId: 10 });
    expect(completion.state.bufferedEvents).toEqual([]);
  });
});

describe('failActivityAttempt', () => {
  it('retries per policy without an event: attempt + 1, the failure kept, a retry timer at the backoff', () => {
    const tx = failAt(activityStartedAt(activityScheduled(), at(3)), at(5), appFailure('boom'), payloads('halfway'));
    expect(tx.newEvents).toEqual([]);
    expect(tx.transferTasks).toEqual([]);
    expect(tx.state.workflowTask).toBeUndefined();
    expect(onlyActivity(tx)).toMatchObject({
      attempt: 2,
      started: false,
      startedIdentity: '',
      startedRequestId: '',
      currentAttemptScheduledTime: at(6),
      lastFailure: { message: 'boom' },
      lastHeartbeatDetails: payloads('halfway'),
      // The activity's own schedule time does not move.
      scheduledTime: at(2),
    });
    expect(onlyActivity(tx).startedTime).toBeUndefined();
    expect(timerTaskOf(tx, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY)).toMatchObject({ fireTime: at(6), eventId: ID, attempt: 2 });
  });

  it('backs off by the policy: initial interval, then times the coefficient', () => {
    const first = failAt(activityStartedAt(activityScheduled({ retryPolicy: { initialInterval: secs(2), backoffCoefficient: 3 } }), at(3)), at(5));
    expect(timerTaskOf(first, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY).fireTime).toEqual(at(7));
    const second = failAt(activityStartedAt(retryFiredAt(first, at(7)), at(8)), at(9));
    expect(timerTaskOf(second, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY)).toMatchObject({ fireTime: at(15), attempt: 3 });
  });

  it('the closing ActivityTaskStarted carries the final attempt and the previous attempt’s failure', () => {
    const retried = failAt(activityStartedAt(activityScheduled(), at(3)), at(5), appFailure('failure 1'));
    const tx = reopen(activityStartedAt(retryFiredAt(retried, at(6)), at(7)), at(8));
    closeActivity(tx, onlyActivity(tx), { type: EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, attrs: { identity: 'activity-worker' } });
    const started = eventOf(tx, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    expect(started.eventTime).toEqual(at(7));
    expect(started.activityTaskStartedEventAttributes).toMatchObject({ attempt: 2, lastFailure: { message: 'failure 1' } });
  });

  it('a non-retryable failure closes the activity: Started, Failed(NON_RETRYABLE_FAILURE) wired to it, a workflow task', () => {
    const tx = failAt(activityStartedAt(activityScheduled(), at(3)), at(5), appFailure('do not retry me', 'Fatal', true));
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_FAILED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[0]!.activityTaskStartedEventAttributes).toMatchObject({ attempt: 1 });
    expect(tx.newEvents[1]!.activityTaskFailedEventAttributes).toMatchObject({
      scheduledEventId: ID,
      startedEventId: 6,
      identity: 'activity-worker',
      retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
      failure: { message: 'do not retry me', applicationFailureInfo: { type: 'Fatal', nonRetryable: true } },
    });
    expect(tx.state.activities).toEqual({});
    expect(timerKinds(tx)).toEqual([]);
  });

  it('an error type the policy lists is not retried either', () => {
    const tx = failAt(activityStartedAt(activityScheduled({ retryPolicy: { nonRetryableErrorTypes: ['Fatal'] } }), at(3)), at(5), appFailure('no', 'Fatal'));
    expect(eventOf(tx, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED).activityTaskFailedEventAttributes!.retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
  });

  it('stops at the maximum attempts: Failed(MAXIMUM_ATTEMPTS_REACHED), Started at the last attempt with the previous failure', () => {
    const retried = failAt(activityStartedAt(activityScheduled({ retryPolicy: { maximumAttempts: 2 } }), at(3)), at(5), appFailure('failure 1'));
    const tx = failAt(activityStartedAt(retryFiredAt(retried, at(6)), at(7)), at(8), appFailure('failure 2'));
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_FAILED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[0]!.activityTaskStartedEventAttributes).toMatchObject({ attempt: 2, lastFailure: { message: 'failure 1' } });
    expect(tx.newEvents[1]!.activityTaskFailedEventAttributes).toMatchObject({ retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, failure: { message: 'failure 2' }, startedEventId: 6 });
  });

  it('gives up when the next attempt would start after schedule-to-close: Failed(TIMEOUT) with the worker’s failure', () => {
    // Scheduled at T0+2 s with 5 s: the activity expires at T0+7 s; a retry at T0+7.5 s would be too late.
    const tx = failAt(activityStartedAt(activityScheduled({ scheduleToCloseTimeout: secs(5) }), at(3)), at(6.5), appFailure('boom'));
    expect(eventOf(tx, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED).activityTaskFailedEventAttributes).toMatchObject({ retryState: RetryState.RETRY_STATE_TIMEOUT, failure: { message: 'boom' } });
  });

  it('does not retry an activity whose cancellation was requested (CANCEL_REQUESTED)', () => {
    const tx = reopen(activityStartedAt(activityScheduled(), at(3)), at(4));
    onlyActivity(tx).cancelRequested = true;
    failActivityAttempt(tx, onlyActivity(tx), appFailure('boom'), 'activity-worker');
    expect(eventOf(tx, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED).activityTaskFailedEventAttributes!.retryState).toBe(RetryState.RETRY_STATE_CANCEL_REQUESTED);
  });
});

describe('activityRetryFired', () => {
  it('dispatches the next attempt: a task for matching and its own schedule-to-start timer, no event', () => {
    const retried = failAt(activityStartedAt(activityScheduled({ scheduleToStartTimeout: secs(4) }), at(3)), at(5));
    const tx = retryFiredAt(retried, at(6));
    expect(tx.newEvents).toEqual([]);
    expect(transferKinds(tx)).toEqual(['ACTIVITY_TASK']);
    expect(tx.transferTasks[0]).toMatchObject({ scheduledEventId: ID, attempt: 2 });
    expect(activityTimer(tx, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)).toMatchObject({ fireTime: at(10), attempt: 2 });
  });

  it('is stale for another attempt, a started attempt or a closed activity', () => {
    const retried = failAt(activityStartedAt(activityScheduled(), at(3)), at(5));
    const tx = reopen(retried, at(6));
    expect(activityRetryFired(tx, ID, 1)).toBe(false);
    expect(activityRetryFired(tx, 99, 2)).toBe(false);
    const started = reopen(activityStartedAt(retryFiredAt(retried, at(6)), at(7)), at(8));
    expect(activityRetryFired(started, ID, 2)).toBe(false);
    expect([...tx.transferTasks, ...started.transferTasks]).toEqual([]);
  });
});

describe('activityTimeoutFired', () => {
  it('schedule-to-start: ActivityTaskTimedOut(TIMEOUT) with no Started event, never retried', () => {
    const scheduled = activityScheduled({ scheduleToStartTimeout: secs(5) });
    const { tx, applied } = fire(scheduled, activityTimer(scheduled, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START));
    expect(applied).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[0]!.eventTime).toEqual(at(7));
    expect(tx.newEvents[0]!.activityTaskTimedOutEventAttributes).toMatchObject({
      scheduledEventId: ID,
      startedEventId: 0,
      retryState: RetryState.RETRY_STATE_TIMEOUT,
      failure: { message: 'activity ScheduleToStart timeout', source: 'Server', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START } },
    });
    expect(tx.state.activities).toEqual({});
  });

  it('schedule-to-start is stale once the attempt started', () => {
    const scheduled = activityScheduled({ scheduleToStartTimeout: secs(5) });
    const { tx, applied } = fire(activityStartedAt(scheduled, at(3)), activityTimer(scheduled, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START));
    expect(applied).toBe(false);
    expect(tx.newEvents).toEqual([]);
    expect(onlyActivity(tx).attempt).toBe(1);
  });

  it('start-to-close is retried: no event, attempt 2 after the backoff, the timeout kept as last failure', () => {
    const started = activityStartedAt(activityScheduled(), at(3));
    const { tx, applied } = fire(started, activityTimer(started, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE));
    expect(applied).toBe(true);
    expect(tx.newEvents).toEqual([]);
    expect(onlyActivity(tx)).toMatchObject({
      attempt: 2,
      started: false,
      lastFailure: { message: 'activity StartToClose timeout', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE } },
    });
    expect(timerTaskOf(tx, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY)).toMatchObject({ fireTime: at(14), attempt: 2 });
  });

  it('start-to-close at the last attempt: Started, TimedOut(MAXIMUM_ATTEMPTS_REACHED) whose cause is the previous failure', () => {
    const retried = failAt(activityStartedAt(activityScheduled({ retryPolicy: { maximumAttempts: 2 } }), at(3)), at(5), appFailure('failure 1'));
    const started = activityStartedAt(retryFiredAt(retried, at(6)), at(7));
    const { tx } = fire(started, activityTimer(started, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE));
    expect(tx.now).toEqual(at(17));
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[0]!.activityTaskStartedEventAttributes).toMatchObject({ attempt: 2, lastFailure: { message: 'failure 1' } });
    expect(tx.newEvents[1]!.activityTaskTimedOutEventAttributes).toMatchObject({
      scheduledEventId: ID,
      startedEventId: 6,
      retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
      failure: { message: 'activity StartToClose timeout', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE }, cause: { message: 'failure 1' } },
    });
  });

  it('start-to-close is not retried when the policy lists TemporalTimeout:StartToClose', () => {
    const started = activityStartedAt(activityScheduled({ retryPolicy: { nonRetryableErrorTypes: ['TemporalTimeout:StartToClose'] } }), at(3));
    const { tx } = fire(started, activityTimer(started, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE));
    expect(eventOf(tx, EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT).activityTaskTimedOutEventAttributes).toMatchObject({ retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE });
  });

  it('heartbeat: re-armed at the real deadline when a heartbeat moved it, no event', () => {
    const started = activityStartedAt(activityScheduled({ heartbeatTimeout: secs(2) }), at(3));
    const beat = reopen(started, at(4));
    expect(recordActivityHeartbeat(beat, onlyActivity(beat), payloads('progress-1'))).toBe(false);
    const timer = activityTimer(started, TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    expect(timer.fireTime).toEqual(at(5));
    const { tx, applied } = fire(beat, timer);
    expect(applied).toBe(true);
    expect(tx.newEvents).toEqual([]);
    expect(tx.timerTasks).toEqual([expect.objectContaining({ kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT, timeoutType: TimeoutType.TIMEOUT_TYPE_HEARTBEAT, fireTime: at(6), eventId: ID, attempt: 1 })]);
    expect(onlyActivity(tx).attempt).toBe(1);
  });

  it('heartbeat: times out at the deadline with the last heartbeat details (retried, then final)', () => {
    const started = activityStartedAt(activityScheduled({ heartbeatTimeout: secs(2) }), at(3));
    const beat = reopen(started, at(4));
    recordActivityHeartbeat(beat, onlyActivity(beat), payloads('progress-1'));
    const rearmed = fire(beat, activityTimer(started, TimeoutType.TIMEOUT_TYPE_HEARTBEAT)).tx;
    const { tx } = fire(rearmed, activityTimer(rearmed, TimeoutType.TIMEOUT_TYPE_HEARTBEAT));
    expect(tx.newEvents).toEqual([]);
    expect(onlyActivity(tx)).toMatchObject({
      attempt: 2,
      lastFailure: { message: 'activity Heartbeat timeout', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_HEARTBEAT, lastHeartbeatDetails: payloads('progress-1') } },
    });

    const once = activityStartedAt(activityScheduled({ heartbeatTimeout: secs(2), retryPolicy: { maximumAttempts: 1 } }), at(3));
    const final = fire(once, activityTimer(once, TimeoutType.TIMEOUT_TYPE_HEARTBEAT)).tx;
    expect(eventNames(final.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
    expect(final.newEvents[1]!.activityTaskTimedOutEventAttributes).toMatchObject({
      retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED,
      failure: { message: 'activity Heartbeat timeout', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_HEARTBEAT } },
    });
  });

  it('schedule-to-close of a started attempt: Started, TimedOut(TIMEOUT) as schedule-to-close, in Temporal\'s "not enough time" words', () => {
    const scheduled = activityScheduled({ scheduleToCloseTimeout: secs(30), startToCloseTimeout: secs(40) });
    const { tx, applied } = fire(activityStartedAt(scheduled, at(3)), activityTimer(scheduled, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE));
    expect(applied).toBe(true);
    expect(tx.now).toEqual(at(32));
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[1]!.activityTaskTimedOutEventAttributes).toMatchObject({
      startedEventId: 6,
      retryState: RetryState.RETRY_STATE_TIMEOUT,
      failure: { message: 'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE } },
    });
  });

  it('schedule-to-close of an attempt nobody picked up, tied with its schedule-to-start: reported as schedule-to-start', () => {
    const scheduled = activityScheduled({ scheduleToCloseTimeout: secs(30), startToCloseTimeout: undefined });
    const { tx } = fire(scheduled, activityTimer(scheduled, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE));
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[0]!.activityTaskTimedOutEventAttributes).toMatchObject({
      startedEventId: 0,
      retryState: RetryState.RETRY_STATE_TIMEOUT,
      failure: { message: 'activity ScheduleToStart timeout', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START } },
    });
  });

  it('schedule-to-close of a retry attempt still within its own schedule-to-start: schedule-to-close, caused by the last failure', () => {
    const scheduled = activityScheduled({ scheduleToCloseTimeout: secs(30) });
    const retried = retryFiredAt(failAt(activityStartedAt(scheduled, at(3)), at(5), appFailure('boom')), at(6));
    const { tx } = fire(retried, activityTimer(scheduled, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE));
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[0]!.activityTaskTimedOutEventAttributes).toMatchObject({
      retryState: RetryState.RETRY_STATE_TIMEOUT,
      failure: { message: 'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE }, cause: { message: 'boom' } },
    });
  });

  it('a start-to-close timeout with no time left for another attempt is reported as schedule-to-close, “not enough time”', () => {
    // Expires at T0+13 s; the attempt started at T0+3 s times out at T0+13 s; a retry 1 s later is too late.
    const started = activityStartedAt(activityScheduled({ scheduleToCloseTimeout: secs(11) }), at(3));
    const { tx } = fire(started, activityTimer(started, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE));
    expect(tx.now).toEqual(at(13));
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[1]!.activityTaskTimedOutEventAttributes).toMatchObject({
      retryState: RetryState.RETRY_STATE_TIMEOUT,
      failure: {
        message: 'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying',
        timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE },
      },
    });
  });

  it('stale timers change nothing: another attempt’s, a heartbeat of an attempt not started, a closed activity’s, an unknown type', () => {
    const started = activityStartedAt(activityScheduled({ heartbeatTimeout: secs(2) }), at(3));
    const startToClose = activityTimer(started, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
    const heartbeat = activityTimer(started, TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    const retried = failAt(started, at(4));
    for (const task of [startToClose, heartbeat, { ...heartbeat, attempt: 2 }, { ...startToClose, attempt: 2 }, { ...startToClose, timeoutType: TimeoutType.TIMEOUT_TYPE_UNSPECIFIED }]) {
      const { tx, applied } = fire(retried, task, at(20));
      expect(applied).toBe(false);
      expect([tx.newEvents, tx.timerTasks, tx.transferTasks]).toEqual([[], [], []]);
      expect(onlyActivity(tx).attempt).toBe(2);
    }
    const closed = failAt(activityStartedAt(activityScheduled({ scheduleToCloseTimeout: secs(30), retryPolicy: { maximumAttempts: 1 } }), at(3)), at(4));
    expect(closed.state.activities).toEqual({});
    expect(fire(closed, { ...startToClose, timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE }, at(32)).applied).toBe(false);
  });
});

describe('cancellation', () => {
  /** The activity (started or not) and a workflow task started at T0+5 s after a signal at T0+4 s. */
  const withTaskInFlight = (run: RunTransaction) => startTaskAt(signalAt(run, at(4)), at(5));
  const cancelCommand = { commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK, requestCancelActivityTaskCommandAttributes: { scheduledEventId: ID } };

  it('of a started activity: ActivityTaskCancelRequested only; its next heartbeat answers cancel requested', () => {
    const tx = completeTaskAt(withTaskInFlight(activityStartedAt(activityScheduled(), at(3))), at(6), [cancelCommand]);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED']);
    expect(tx.newEvents[1]!.eventId).toBe(10);
    expect(tx.newEvents[1]!.activityTaskCancelRequestedEventAttributes).toEqual({ scheduledEventId: ID, workflowTaskCompletedEventId: 9 });
    expect(onlyActivity(tx)).toMatchObject({ cancelRequested: true, cancelRequestedEventId: 10, started: true });
    expect(tx.state.workflowTask).toBeUndefined();

    const beat = reopen(tx, at(7));
    expect(recordActivityHeartbeat(beat, onlyActivity(beat), undefined)).toBe(true);
  });

  it('then canceled by the worker: Started, Canceled wired to it and to the request, a workflow task', () => {
    const requested = completeTaskAt(withTaskInFlight(activityStartedAt(activityScheduled(), at(3))), at(6), [cancelCommand]);
    const tx = reopen(requested, at(7));
    closeActivity(tx, onlyActivity(tx), { type: EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, attrs: { details: payloads('bye'), identity: 'activity-worker', latestCancelRequestedEventId: 10 } });
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_CANCELED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[1]!.activityTaskCanceledEventAttributes).toEqual({
      scheduledEventId: ID,
      startedEventId: 11,
      latestCancelRequestedEventId: 10,
      details: payloads('bye'),
      identity: 'activity-worker',
    });
    expect(tx.state.activities).toEqual({});
  });

  it('of an activity never started: CancelRequested and Canceled at once, and a workflow task', () => {
    const tx = completeTaskAt(withTaskInFlight(activityScheduled()), at(6), [cancelCommand]);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED', 'ACTIVITY_TASK_CANCELED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[2]!.activityTaskCanceledEventAttributes).toMatchObject({
      scheduledEventId: ID,
      startedEventId: 0,
      latestCancelRequestedEventId: 10,
      identity: 'worker',
      details: payloads('ACTIVITY_ID_NOT_STARTED'),
    });
    expect(tx.state.activities).toEqual({});
    expect(transferKinds(tx)).toEqual(['WORKFLOW_TASK']);
  });

  it('of an activity never started, with more commands after it: Canceled and the workflow task come after all the commands', () => {
    // As Temporal (workflowTaskCompletedHandler.activityNotStartedCancelled, and its history builder,
    // which buffers the Canceled event until the new workflow task is scheduled).
    const timer = { commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: 't', startToFireTimeout: secs(60) } };
    const tx = completeTaskAt(withTaskInFlight(activityScheduled()), at(6), [cancelCommand, timer]);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED', 'TIMER_STARTED', 'ACTIVITY_TASK_CANCELED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[3]!.activityTaskCanceledEventAttributes).toMatchObject({ scheduledEventId: ID, startedEventId: 0, latestCancelRequestedEventId: 10 });
    expect(tx.state.bufferedEvents).toEqual([]);
    // Followed by a closing command, the run closes with neither the Canceled event nor a workflow task.
    const complete = { commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: {} };
    const closing = completeTaskAt(withTaskInFlight(activityScheduled()), at(6), [cancelCommand, complete]);
    expect(eventNames(closing.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED', 'WORKFLOW_EXECUTION_COMPLETED']);
    expect(closing.state.workflowTask).toBeUndefined();
    expect(closing.state.bufferedEvents).toEqual([]);
    expect(transferKinds(closing)).toEqual([]);
  });

  it('of an activity never started while a signal waits in the buffer: the signal, then Canceled, then the workflow task', () => {
    const buffered = signalAt(withTaskInFlight(activityScheduled()), at(5.5));
    expect(buffered.state.bufferedEvents).toHaveLength(1);
    const tx = completeTaskAt(buffered, at(6), [cancelCommand]);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED', 'WORKFLOW_EXECUTION_SIGNALED', 'ACTIVITY_TASK_CANCELED', 'WORKFLOW_TASK_SCHEDULED']);
  });

  it('of an unknown activity is refused (BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES)', () => {
    const tx = reopen(withTaskInFlight(activityScheduled()), at(6));
    const error = captureError(() => requestActivityCancellation(tx, 99, 9, 'worker'));
    expect(error).toBeInstanceOf(BadCommandAttributesError);
    expect((error as BadCommandAttributesError).failedCause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES);
    expect((error as Error).message).toBe('invalid history builder state for action: add-activitytask-cancel-requested-event, ScheduledEventID: 99');
    expect(tx.newEvents).toEqual([]);
  });
});

describe('recordActivityHeartbeat', () => {
  it('keeps the details and the time, writes nothing, and answers whether cancellation was requested', () => {
    const tx = reopen(activityStartedAt(activityScheduled({ heartbeatTimeout: secs(5) }), at(3)), at(4));
    expect(recordActivityHeartbeat(tx, onlyActivity(tx), payloads(42))).toBe(false);
    expect(onlyActivity(tx)).toMatchObject({ lastHeartbeatDetails: payloads(42), lastHeartbeatTime: at(4) });
    expect([tx.newEvents, tx.timerTasks, tx.transferTasks]).toEqual([[], [], []]);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
