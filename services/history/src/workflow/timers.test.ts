import { describe, expect, it } from 'vitest';
import { RespondWorkflowTaskCompletedRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { EventType, TimerTaskKind, CommandType, WorkflowTaskFailedCause } from './protos';
import type { RunTransaction } from './runTransaction';
import { cancelTimer, fireTimer, startTimer } from './timers';
import { completeWorkflowTask } from './workflowTaskCompletion';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';
import { eventNames, reopen, T0 } from '../../test/runFixtures';
import { at, completeTaskAt, newRunAt, secs, signalAt, startTaskAt, timerKinds, timerTaskOf, transferKinds } from '../../test/activityFixtures';

const startTimerCommand = (timerId: string, seconds: number) => ({
  commandType: CommandType.COMMAND_TYPE_START_TIMER,
  startTimerCommandAttributes: { timerId, startToFireTimeout: secs(seconds) },
});
const cancelTimerCommand = (timerId: string) => ({ commandType: CommandType.COMMAND_TYPE_CANCEL_TIMER, cancelTimerCommandAttributes: { timerId } });

/** A run started at T0 whose first task (started at T0+1 s) completes at T0+2 s starting timer t1 for 60 s: TimerStarted is event 5. */
function timerStarted(): RunTransaction {
  return completeTaskAt(startTaskAt(newRunAt(T0), at(1)), at(2), [startTimerCommand('t1', 60)]);
}

/** The run with a workflow task started (signal at T0+3 s: 6 Signaled, 7 scheduled; started at T0+4 s: 8). */
const withTaskInFlight = (run: RunTransaction) => startTaskAt(signalAt(run, at(3)), at(4));

function rejection(fn: () => unknown): WorkflowTaskCompletionRejected {
  try {
    fn();
  } catch (err) {
    if (err instanceof WorkflowTaskCompletionRejected) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('startTimer', () => {
  it('writes TimerStarted, keeps the pending timer and creates its timer task at now + duration', () => {
    const tx = timerStarted();
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_STARTED']);
    expect(tx.newEvents[1]!.eventId).toBe(5);
    expect(tx.newEvents[1]!.timerStartedEventAttributes).toEqual({ timerId: 't1', startToFireTimeout: secs(60), workflowTaskCompletedEventId: 4 });
    expect(tx.state.timers).toEqual({ t1: expect.objectContaining({ timerId: 't1', startedEventId: 5, expiryTime: at(62) }) });
    expect(timerKinds(tx)).toEqual(['USER_TIMER']);
    expect(timerTaskOf(tx, TimerTaskKind.TIMER_TASK_KIND_USER_TIMER)).toMatchObject({ fireTime: at(62), eventId: 5, timerId: 't1', workflowId: 'wf-1', runId: 'run-1' });
    expect(tx.transferTasks).toEqual([]);
  });

  it('refuses a timer id already pending (START_TIMER_DUPLICATE_ID) and writes nothing', () => {
    const tx = reopen(withTaskInFlight(timerStarted()), at(5));
    const refused = rejection(() => startTimer(tx, { timerId: 't1', startToFireTimeout: secs(5) }, 9));
    expect(refused.failedCause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID);
    expect(refused.message).toBe('StartTimerDuplicateId: invalid history builder state for action: add-timer-started-event, TimerID: t1');
    expect(tx.newEvents).toEqual([]);
    expect(tx.state.timers.t1!.startedEventId).toBe(5);
  });

  it('refuses a completion that starts the same timer id twice', () => {
    const tx = reopen(startTaskAt(newRunAt(T0), at(1)), at(2));
    const outcome = completeWorkflowTask(tx, tx.state.workflowTask!, RespondWorkflowTaskCompletedRequest.fromPartial({ identity: 'worker', commands: [startTimerCommand('t', 1), startTimerCommand('t', 2)] }));
    expect(outcome).toMatchObject({ kind: 'rejected', rejection: { failedCause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID } });
  });
});

describe('cancelTimer', () => {
  it('writes TimerCanceled wired to TimerStarted and forgets the timer; its timer task then finds nothing', () => {
    const tx = completeTaskAt(withTaskInFlight(timerStarted()), at(5), [cancelTimerCommand('t1')]);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_CANCELED']);
    expect(tx.newEvents[1]!.timerCanceledEventAttributes).toEqual({ timerId: 't1', startedEventId: 5, workflowTaskCompletedEventId: 9, identity: 'worker' });
    expect(tx.state.timers).toEqual({});
    const fired = reopen(tx, at(62));
    expect(fireTimer(fired, 't1', 5)).toBe(false);
    expect(fired.newEvents).toEqual([]);
  });

  it('refuses an unknown timer id (BAD_CANCEL_TIMER_ATTRIBUTES)', () => {
    const tx = reopen(withTaskInFlight(timerStarted()), at(5));
    const refused = rejection(() => cancelTimer(tx, 'nope', 9, 'worker'));
    expect(refused.failedCause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES);
    expect(refused.message).toBe('BadCancelTimerAttributes: invalid history builder state for action: add-timer-canceled-event, TimerID: nope');
    expect(tx.newEvents).toEqual([]);
  });
});

describe('fireTimer', () => {
  it('writes TimerFired wired to TimerStarted and schedules a workflow task', () => {
    const tx = reopen(timerStarted(), at(62));
    expect(fireTimer(tx, 't1', 5)).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['TIMER_FIRED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[0]!.eventTime).toEqual(at(62));
    expect(tx.newEvents[0]!.timerFiredEventAttributes).toEqual({ timerId: 't1', startedEventId: 5 });
    expect(tx.state.timers).toEqual({});
    expect(transferKinds(tx)).toEqual(['WORKFLOW_TASK']);
    expect(tx.transferTasks[0]!.scheduledEventId).toBe(7);
  });

  it('adds no second workflow task when one is already scheduled', () => {
    const tx = reopen(signalAt(timerStarted(), at(3)), at(62));
    expect(fireTimer(tx, 't1', 5)).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['TIMER_FIRED']);
    expect(tx.transferTasks).toEqual([]);
  });

  it('is buffered while a workflow task is started, and written after that task with the next one', () => {
    const tx = reopen(withTaskInFlight(timerStarted()), at(62));
    expect(fireTimer(tx, 't1', 5)).toBe(true);
    expect(tx.newEvents).toEqual([]);
    expect(eventNames(tx.state.bufferedEvents)).toEqual(['TIMER_FIRED']);
    expect(tx.state.timers).toEqual({});
    const completion = completeTaskAt(tx, at(63));
    expect(eventNames(completion.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_FIRED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(completion.newEvents.map((e) => e.eventId)).toEqual([9, 10, 11]);
    expect(completion.newEvents[1]!.eventTime).toEqual(at(62));
  });

  it('is stale for a canceled timer and for an earlier timer of a reused id', () => {
    // Canceled and started again under the same id in one task: 10 TimerCanceled, 11 TimerStarted.
    const reused = completeTaskAt(withTaskInFlight(timerStarted()), at(5), [cancelTimerCommand('t1'), startTimerCommand('t1', 30)]);
    expect(eventNames(reused.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_CANCELED', 'TIMER_STARTED']);
    expect(timerTaskOf(reused, TimerTaskKind.TIMER_TASK_KIND_USER_TIMER)).toMatchObject({ fireTime: at(35), eventId: 11 });
    const old = reopen(reused, at(62));
    expect(fireTimer(old, 't1', 5)).toBe(false);
    expect(old.newEvents).toEqual([]);
    expect(old.state.timers.t1!.startedEventId).toBe(11);
    const current = reopen(reused, at(35));
    expect(fireTimer(current, 't1', 11)).toBe(true);
    expect(current.newEvents[0]!.eventType).toBe(EventType.EVENT_TYPE_TIMER_FIRED);
  });
});
