import { describe, expect, it } from 'vitest';
import { activityRetryFired, activityTimeoutFired, failActivityAttempt, recordActivityHeartbeat } from './activities';
import { pauseActivity, resetActivity, selectActivityIds, unpauseActivity, updateActivityOptions, activityOptionsOf, maskedActivityOptions } from './activityOperations';
import { ActivityOptions } from '@kairos/proto/temporal/api/activity/v1/message';
import type { RunTransaction } from './runTransaction';
import { TimeoutType, TimerTaskKind, type ActivityPauseInfo } from './protos';
import { reopen } from '../../test/runFixtures';
import {
  activityScheduled,
  activityStartedAt,
  appFailure,
  at,
  onlyActivity,
  payloads,
  secs,
  SCHEDULED_EVENT_ID,
  timerKinds,
  timerTaskOf,
  transferKinds,
} from '../../test/activityFixtures';

// Operator actions on one activity (id act-1, type Greet, start-to-close 10 s, scheduled at T0+2 s
// as event 5; default retry policy: 1 s, x2).

const pauseInfo = (requestId = 'req-1'): ActivityPauseInfo => ({ pauseTime: at(3), identity: 'operator', reason: 'why', requestId });

/** A transaction at `seconds` that applies `fn` to the only activity. */
function act(run: RunTransaction, seconds: number, fn: (tx: RunTransaction) => void): RunTransaction {
  const tx = reopen(run, at(seconds));
  fn(tx);
  return tx;
}

/** The activity started at T0+3 s and failed at T0+4 s: its attempt 2 waits for its 1 s backoff. */
function waitingForRetry(): RunTransaction {
  const started = activityStartedAt(activityScheduled(), at(3));
  return act(started, 4, (tx) => failActivityAttempt(tx, onlyActivity(tx), appFailure('boom'), 'worker'));
}

describe('selectActivityIds', () => {
  it('takes an id as given, resolves a type or all against the pending activities, and answers NOT_FOUND for none', () => {
    const run = activityScheduled();
    expect(selectActivityIds(run, { id: 'anything' })).toEqual(['anything']);
    expect(selectActivityIds(run, { type: 'Greet' })).toEqual(['act-1']);
    expect(selectActivityIds(run, { matchAll: true })).toEqual(['act-1']);
    expect(() => selectActivityIds(run, { type: 'Other' })).toThrow("Can't find pending activity with such ID");
  });
});

describe('pauseActivity', () => {
  it('holds a waiting retry: its timer dispatches nothing; a failure while paused counts the attempt without scheduling one', () => {
    const run = waitingForRetry();
    const retry = timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY);
    const paused = act(run, 4.5, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo()));
    expect(onlyActivity(paused)).toMatchObject({ paused: true, attempt: 2, pauseInfo: { identity: 'operator', reason: 'why' } });
    const fired = reopen(paused, retry.fireTime!);
    expect(activityRetryFired(fired, retry.eventId, retry.attempt, retry.activityStamp)).toBe(false);
  });

  it('lets a started attempt run on (its heartbeat says paused) and counts its failure without a retry', () => {
    const started = activityStartedAt(activityScheduled({ retryPolicy: { maximumAttempts: 1 } }), at(3));
    const paused = act(started, 4, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo()));
    const beat = act(paused, 5, (tx) => recordActivityHeartbeat(tx, onlyActivity(tx), payloads('x')));
    expect(onlyActivity(beat).paused).toBe(true);
    // Not even the attempt limit (1) closes it: it waits for the operator.
    const failed = act(beat, 6, (tx) => failActivityAttempt(tx, onlyActivity(tx), appFailure('Activity paused'), 'worker'));
    expect(onlyActivity(failed)).toMatchObject({ attempt: 2, started: false, lastFailure: { message: 'Activity paused' } });
    expect(failed.newEvents).toEqual([]);
    expect(timerKinds(failed)).toEqual([]);
  });

  it('ignores the timeouts of a paused activity', () => {
    const started = activityStartedAt(activityScheduled(), at(3));
    const startToClose = timerTaskOf(started, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
    const paused = act(started, 4, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo()));
    expect(activityTimeoutFired(reopen(paused, startToClose.fireTime!), startToClose)).toBe(false);
  });

  it('takes the same request again as a no-op and refuses another one', () => {
    const paused = act(waitingForRetry(), 5, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo()));
    expect(() => act(paused, 6, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo('req-1')))).not.toThrow();
    expect(() => act(paused, 6, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo('req-2')))).toThrow('activity is already paused');
  });
});

describe('unpauseActivity', () => {
  it('dispatches the waiting attempt at once, forgetting its last failure; reset_attempts starts again at 1', () => {
    const paused = act(waitingForRetry(), 4.5, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo()));
    const unpaused = act(paused, 10, (tx) => unpauseActivity(tx, onlyActivity(tx), { resetAttempts: true, resetHeartbeat: false, jitterMs: 0 }));
    expect(onlyActivity(unpaused)).toMatchObject({ paused: false, attempt: 1, currentAttemptScheduledTime: at(10), lastFailure: undefined });
    expect(onlyActivity(unpaused).pauseInfo).toBeUndefined();
    expect(transferKinds(unpaused)).toEqual(['ACTIVITY_TASK']);
    expect(unpaused.transferTasks[0]).toMatchObject({ attempt: 1 });
  });

  it('with jitter schedules the attempt by a retry timer within the jitter', () => {
    const paused = act(waitingForRetry(), 4.5, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo()));
    const unpaused = act(paused, 10, (tx) => unpauseActivity(tx, onlyActivity(tx), { resetAttempts: false, resetHeartbeat: false, jitterMs: 4000 }, () => 0.5));
    expect(transferKinds(unpaused)).toEqual([]);
    const retry = timerTaskOf(unpaused, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY);
    expect(retry).toMatchObject({ fireTime: at(12), attempt: 2, activityStamp: 1 });
    expect(activityRetryFired(reopen(unpaused, at(12)), retry.eventId, retry.attempt, retry.activityStamp)).toBe(true);
  });

  it('re-arms the timeouts of a started attempt with a new stamp; the old timers are stale', () => {
    const started = activityStartedAt(activityScheduled(), at(3));
    const old = timerTaskOf(started, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
    const paused = act(started, 4, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo()));
    const unpaused = act(paused, 20, (tx) => unpauseActivity(tx, onlyActivity(tx), { resetAttempts: false, resetHeartbeat: true, jitterMs: 0 }));
    const fresh = timerTaskOf(unpaused, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
    // Its deadline (T0+13 s) passed while paused: it fires at once.
    expect(fresh).toMatchObject({ fireTime: at(20), activityStamp: 1 });
    expect(activityTimeoutFired(reopen(unpaused, at(20)), old)).toBe(false);
    expect(activityTimeoutFired(reopen(unpaused, at(20)), fresh)).toBe(true);
  });

  it('leaves an activity that is not paused alone', () => {
    const run = waitingForRetry();
    const tx = act(run, 5, (t) => unpauseActivity(t, onlyActivity(t), { resetAttempts: true, resetHeartbeat: false, jitterMs: 0 }));
    expect(onlyActivity(tx).attempt).toBe(2);
    expect(tx.transferTasks).toEqual([]);
  });
});

describe('resetActivity', () => {
  it('puts a waiting retry back to attempt 1 and dispatches it at once', () => {
    const reset = act(waitingForRetry(), 4.5, (tx) => resetActivity(tx, onlyActivity(tx), { resetHeartbeat: false, keepPaused: false, jitterMs: 0 }));
    expect(onlyActivity(reset)).toMatchObject({ attempt: 1, activityReset: false });
    expect(reset.transferTasks[0]).toMatchObject({ attempt: 1 });
  });

  it('keeps a paused activity paused with keep_paused (nothing dispatched)', () => {
    const paused = act(waitingForRetry(), 4.5, (tx) => pauseActivity(tx, onlyActivity(tx), pauseInfo()));
    const reset = act(paused, 5, (tx) => resetActivity(tx, onlyActivity(tx), { resetHeartbeat: false, keepPaused: true, jitterMs: 0 }));
    expect(onlyActivity(reset)).toMatchObject({ attempt: 1, paused: true });
    expect(reset.transferTasks).toEqual([]);
  });

  it('tells a started attempt through its heartbeats; with reset_heartbeat its next attempt starts without details', () => {
    const started = activityStartedAt(activityScheduled(), at(3));
    const beat = act(started, 3.5, (tx) => recordActivityHeartbeat(tx, onlyActivity(tx), payloads('progress')));
    const reset = act(beat, 4, (tx) => resetActivity(tx, onlyActivity(tx), { resetHeartbeat: true, keepPaused: false, jitterMs: 0 }));
    expect(onlyActivity(reset)).toMatchObject({ attempt: 1, activityReset: true, resetHeartbeats: true, started: true });
    const failed = act(reset, 5, (tx) => failActivityAttempt(tx, onlyActivity(tx), appFailure('Activity reset'), 'worker'));
    expect(onlyActivity(failed)).toMatchObject({ attempt: 2, activityReset: false, resetHeartbeats: false, lastHeartbeatDetails: undefined });
  });

  it('restores the scheduled options when asked', () => {
    const run = waitingForRetry();
    const changed = act(run, 4.5, (tx) => updateActivityOptions(tx, onlyActivity(tx), { ...activityOptionsOf(onlyActivity(tx)), startToCloseTimeout: secs(99) }));
    const original = { ...activityOptionsOf(onlyActivity(run)) };
    const reset = act(changed, 5, (tx) => resetActivity(tx, onlyActivity(tx), { resetHeartbeat: false, keepPaused: false, jitterMs: 0, originalOptions: original }));
    expect(onlyActivity(reset).startToCloseTimeout).toEqual(secs(10));
  });
});

describe('updateActivityOptions', () => {
  it('schedules a waiting retry by the new policy and arms the new timeouts on the next start', () => {
    const run = waitingForRetry();
    const updated = act(run, 4.2, (tx) =>
      updateActivityOptions(tx, onlyActivity(tx), {
        ...activityOptionsOf(onlyActivity(tx)),
        startToCloseTimeout: secs(20),
        retryPolicy: { initialInterval: secs(3), backoffCoefficient: 1, maximumInterval: secs(10), maximumAttempts: 7, nonRetryableErrorTypes: [] },
      }),
    );
    const activity = onlyActivity(updated);
    expect(activity).toMatchObject({ startToCloseTimeout: secs(20), retryPolicy: { initialInterval: secs(3), maximumAttempts: 7 }, stamp: 1 });
    // Temporal's GetNextScheduledTime: the last attempt's end (T0+4 s) plus the new interval.
    const retry = timerTaskOf(updated, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY);
    expect(retry).toMatchObject({ fireTime: at(7), activityStamp: 1 });
    // The retry timer armed before is stale.
    const old = timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY);
    expect(activityRetryFired(reopen(updated, at(5)), old.eventId, old.attempt, old.activityStamp)).toBe(false);
  });

  it('moves the deadline of a started attempt: the old start-to-close timer is stale', () => {
    const started = activityStartedAt(activityScheduled(), at(3));
    const old = timerTaskOf(started, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
    const updated = act(started, 4, (tx) => updateActivityOptions(tx, onlyActivity(tx), { ...activityOptionsOf(onlyActivity(tx)), startToCloseTimeout: secs(60) }));
    expect(timerTaskOf(updated, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE)).toMatchObject({ fireTime: at(63) });
    expect(activityTimeoutFired(reopen(updated, old.fireTime!), old)).toBe(false);
    expect(updated.state.activities[SCHEDULED_EVENT_ID]!.started).toBe(true);
  });
});

describe('maskedActivityOptions', () => {
  const options = (fields: Parameters<typeof ActivityOptions.fromPartial>[0]) => ActivityOptions.fromPartial(fields);

  it('takes only the masked fields, down to one part of the retry policy or priority', () => {
    const run = activityScheduled();
    const activity = onlyActivity(run);
    const merged = maskedActivityOptions(activity, run.info, options({ startToCloseTimeout: secs(20), heartbeatTimeout: secs(3), retryPolicy: { maximumAttempts: 7 } }), new Set(['startToCloseTimeout', 'retryPolicy.maximumAttempts']));
    expect(merged.startToCloseTimeout).toEqual(secs(20));
    expect(merged.heartbeatTimeout).toEqual(activity.heartbeatTimeout);
    expect(merged.retryPolicy).toMatchObject({ maximumAttempts: 7, initialInterval: activity.retryPolicy!.initialInterval, backoffCoefficient: 2 });
  });

  it('refuses a masked field the request leaves out, and a retry policy Temporal refuses, in its words', () => {
    const run = activityScheduled();
    const activity = onlyActivity(run);
    expect(() => maskedActivityOptions(activity, run.info, options({}), new Set(['retryPolicy']))).toThrow('RetryPolicy is not provided');
    expect(() => maskedActivityOptions(activity, run.info, options({}), new Set(['taskQueue.name']))).toThrow('TaskQueue is not provided');
    expect(() => maskedActivityOptions(activity, run.info, options({ retryPolicy: { backoffCoefficient: 0.5 } }), new Set(['retryPolicy.backoffCoefficient']))).toThrow(/BackoffCoefficient/);
  });
});
