import { describe, expect, it } from 'vitest';
import { CommandType, TimeoutType, TimerTask, TimerTaskKind, WorkflowExecutionStatus } from './protos';
import { terminateRun } from './closeRun';
import type { RunTransaction } from './runTransaction';
import { failActivityAttempt } from './activities';
import { scheduleSpeculativeWorkflowTask } from './workflowTasks';
import { TIMER_KINDS_A_CLOSED_RUN_IGNORES } from './timerTasks';
import { eventNames, reopen, T0 } from '../../test/runFixtures';
import {
  activityScheduled,
  activityStartedAt,
  appFailure,
  at,
  completeTaskAt,
  fireTimerTask,
  newRunAt,
  onlyActivity,
  secs,
  SCHEDULED_EVENT_ID,
  startTaskAt,
  timerTaskOf,
  transferKinds,
} from '../../test/activityFixtures';

/** A run with timers of most kinds pending or spent: run timeout, workflow task timeout, a user timer, an activity's schedule-to-start and schedule-to-close. */
function runWithEveryTimer(): { run: RunTransaction; tasks: TimerTask[] } {
  const started = startTaskAt(newRunAt(T0, { workflowRunTimeout: secs(600) }), at(1));
  const completed = completeTaskAt(started, at(2), [
    { commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: 't', startToFireTimeout: secs(60) } },
    { commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK, scheduleActivityTaskCommandAttributes: { activityId: 'a', activityType: { name: 'A' }, taskQueue: { name: 'tq' }, startToCloseTimeout: secs(10), scheduleToStartTimeout: secs(5) } },
  ]);
  const run = reopen(completed, at(3));
  return { run, tasks: [...newRunAt(T0, { workflowRunTimeout: secs(600) }).timerTasks, ...started.timerTasks, ...completed.timerTasks] };
}

describe('applyTimerTask', () => {
  it('WORKFLOW_TASK_TIMEOUT: times out the started workflow task', () => {
    const started = startTaskAt(newRunAt(T0), at(1));
    const timer = timerTaskOf(started, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT);
    expect(timer).toMatchObject({ fireTime: at(11), eventId: 2, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE });
    const { tx, applied } = fireTimerTask(started, timer);
    expect(applied).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_TIMED_OUT']);
    expect(tx.newEvents[0]!.workflowTaskTimedOutEventAttributes).toMatchObject({ scheduledEventId: 2, startedEventId: 3, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE });
    // The next attempt is transient: scheduled without an event.
    expect(tx.state.workflowTask).toMatchObject({ attempt: 2, transient: true });
    expect(fireTimerTask(tx, timer, at(12)).applied).toBe(false);
  });

  it('ACTIVITY_TIMEOUT: the activity’s timeout', () => {
    const started = activityStartedAt(activityScheduled({ retryPolicy: { maximumAttempts: 1 } }), at(3));
    const { tx, applied } = fireTimerTask(started, timerTaskOf(started, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE));
    expect(applied).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_TIMED_OUT', 'WORKFLOW_TASK_SCHEDULED']);
  });

  it('ACTIVITY_RETRY: dispatches the attempt', () => {
    const failed = reopen(activityStartedAt(activityScheduled(), at(3)), at(4));
    failActivityAttempt(failed, onlyActivity(failed), appFailure('boom'), 'w');
    const { tx, applied } = fireTimerTask(failed, timerTaskOf(failed, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY));
    expect(applied).toBe(true);
    expect(tx.now).toEqual(at(5));
    expect(transferKinds(tx)).toEqual(['ACTIVITY_TASK']);
    expect(tx.transferTasks[0]).toMatchObject({ scheduledEventId: SCHEDULED_EVENT_ID, attempt: 2 });
  });

  it('USER_TIMER: fires the timer', () => {
    const run = completeTaskAt(startTaskAt(newRunAt(T0), at(1)), at(2), [{ commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: 't', startToFireTimeout: secs(60) } }]);
    const { tx, applied } = fireTimerTask(run, timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_USER_TIMER));
    expect(applied).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['TIMER_FIRED', 'WORKFLOW_TASK_SCHEDULED']);
  });

  it('WORKFLOW_RUN_TIMEOUT: times the run out', () => {
    const run = newRunAt(T0, { workflowRunTimeout: secs(60) });
    const { tx, applied } = fireTimerTask(run, timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT));
    expect(applied).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_EXECUTION_TIMED_OUT']);
    expect(tx.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT);
  });

  it('WORKFLOW_BACKOFF: schedules the run’s first workflow task, once', () => {
    const run = newRunAt(T0, { workflowStartDelay: secs(30) });
    const backoff = timerTaskOf(run, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF);
    const { tx, applied } = fireTimerTask(run, backoff);
    expect(applied).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED']);
    expect(transferKinds(tx)).toEqual(['WORKFLOW_TASK']);
    const again = fireTimerTask(tx, backoff, at(31));
    expect(again.applied).toBe(false);
    expect(again.tx.newEvents).toEqual([]);
  });

  it('WORKFLOW_BACKOFF after an update cut the backoff short: nothing more is scheduled', () => {
    const created = newRunAt(T0, { workflowStartDelay: secs(30) });
    const backoff = timerTaskOf(created, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF);
    const delayed = reopen(created, at(1));
    expect(scheduleSpeculativeWorkflowTask(delayed)).toBe(true);
    const completed = completeTaskAt(startTaskAt(delayed, at(2)), at(3), [
      { commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: 't', startToFireTimeout: secs(60) } },
    ]);
    const { tx, applied } = fireTimerTask(completed, backoff);
    expect(applied).toBe(false);
    expect(tx.newEvents).toEqual([]);
    expect(tx.state.workflowTask).toBeUndefined();
  });

  it('an unknown kind changes nothing', () => {
    const { run } = runWithEveryTimer();
    const { tx, applied } = fireTimerTask(run, TimerTask.fromPartial({ kind: TimerTaskKind.TIMER_TASK_KIND_UNSPECIFIED, fireTime: at(4) }));
    expect(applied).toBe(false);
    expect(tx.newEvents).toEqual([]);
  });

  it('a closed run: no timer of any kind changes anything', () => {
    const { run, tasks } = runWithEveryTimer();
    expect(new Set(tasks.map((t) => t.kind))).toEqual(
      new Set([TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT, TimerTaskKind.TIMER_TASK_KIND_USER_TIMER, TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT]),
    );
    const closed = reopen(run, at(4));
    terminateRun(closed, 'enough', undefined, 'admin');
    const retry = TimerTask.fromPartial({ kind: TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY, eventId: 6, attempt: 1, fireTime: at(5) });
    const backoff = TimerTask.fromPartial({ kind: TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF, fireTime: at(5) });
    // Exactly the kinds a closing write may delete unfired (TIMER_KINDS_A_CLOSED_RUN_IGNORES).
    expect(new Set([...tasks, retry, backoff].map((t) => t.kind))).toEqual(TIMER_KINDS_A_CLOSED_RUN_IGNORES);
    for (const task of [...tasks, retry, backoff]) {
      const { tx, applied } = fireTimerTask(closed, task, at(700));
      expect(applied).toBe(false);
      expect([tx.newEvents, tx.transferTasks, tx.timerTasks]).toEqual([[], [], []]);
      expect(tx.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
    }
    // On the open run the same timers do act: the closed run is why nothing happened.
    const actedOnOpenRun = tasks.filter((task) => fireTimerTask(run, task, at(700)).applied).map((t) => TimerTaskKind[t.kind]);
    // (The activity has two: schedule-to-start, and schedule-to-close from the run timeout.)
    expect(actedOnOpenRun.sort()).toEqual(['TIMER_TASK_KIND_ACTIVITY_TIMEOUT', 'TIMER_TASK_KIND_ACTIVITY_TIMEOUT', 'TIMER_TASK_KIND_USER_TIMER', 'TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT']);
  });
});
