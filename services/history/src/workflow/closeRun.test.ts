import { describe, expect, it } from 'vitest';
import { HISTORY_SERVICE_IDENTITY, terminateRun } from './closeRun';
import {
  CommandType,
  ContinueAsNewInitiator,
  EventType,
  RetryState,
  TimeoutType,
  TimerTaskKind,
  WorkflowExecutionStatus,
  WorkflowTaskFailedCause,
  type Failure,
} from './protos';
import type { RunTransaction } from './runTransaction';
import { failWorkflowTask } from './workflowTasks';
import { eventNames, reopen, T0 } from '../../test/runFixtures';
import {
  appFailure,
  at,
  backoffEnded,
  completeTaskAt,
  eventOf,
  fireTimerTask,
  newRunAt,
  payloads,
  secs,
  signalAt,
  startTaskAt,
  timerKinds,
  timerTaskOf,
  transferKinds,
} from '../../test/activityFixtures';

type StartOverrides = Parameters<typeof newRunAt>[1];

const completeCommand = (result = payloads('done')) => ({ commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: { result } });
const failCommand = (failure: Failure = appFailure('bad')) => ({ commandType: CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, failWorkflowExecutionCommandAttributes: { failure } });
const cancelCommand = { commandType: CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION, cancelWorkflowExecutionCommandAttributes: { details: payloads('bye') } };

/** A run started at T0 whose first workflow task is started at T0+1 s (events 1–3). */
const taskInFlight = (start: StartOverrides = {}) => startTaskAt(newRunAt(T0, start), at(1));

/** A cron run (every minute) started at T0: its first task after the 60 s backoff, started at T0+61 s (events 1–3). */
const cronTaskInFlight = (start: StartOverrides = {}) => startTaskAt(backoffEnded(newRunAt(T0, { cronSchedule: '* * * * *', ...start })), at(61));

/** The successor a transaction wrote with the closing run. */
function successor(tx: RunTransaction): RunTransaction {
  expect(tx.continuedRun).toBeDefined();
  return tx.continuedRun!;
}

const startedAttrs = (run: RunTransaction) => eventOf(run, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).workflowExecutionStartedEventAttributes!;

describe('completeRun', () => {
  it('writes WorkflowExecutionCompleted and closes the run (status, close time, completion event)', () => {
    const tx = completeTaskAt(taskInFlight(), at(2), [completeCommand()]);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_COMPLETED']);
    expect(tx.newEvents[1]!.workflowExecutionCompletedEventAttributes).toEqual({ result: payloads('done'), workflowTaskCompletedEventId: 4, newExecutionRunId: '' });
    expect(tx.info).toMatchObject({ status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, closeTime: at(2), completionEventId: 5 });
    expect(tx.closed).toBe(true);
    expect(tx.continuedRun).toBeUndefined();
    // No parent and no children: nobody to tell.
    expect(tx.transferTasks).toEqual([]);
  });

  it('a cron run: the next run of the schedule follows, with this result and the wait until its time', () => {
    const tx = completeTaskAt(cronTaskInFlight(), at(62), [completeCommand(payloads('first'))]);
    const next = successor(tx);
    expect(tx.newEvents[1]!.workflowExecutionCompletedEventAttributes!.newExecutionRunId).toBe(next.info.runId);
    expect(next.info.runId).not.toBe('run-1');
    // The run was scheduled for T0+60 s; the next time is T0+120 s, 58 s after it closed.
    expect(eventNames(next.newEvents)).toEqual(['WORKFLOW_EXECUTION_STARTED']);
    expect(startedAttrs(next)).toMatchObject({
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE,
      continuedExecutionRunId: 'run-1',
      firstExecutionRunId: 'run-1',
      firstWorkflowTaskBackoff: secs(58),
      lastCompletionResult: payloads('first'),
      cronSchedule: '* * * * *',
      attempt: 1,
    });
    expect(next.info).toMatchObject({ lastCompletionResult: payloads('first'), executionTime: at(120), attempt: 1 });
    expect(timerTaskOf(next, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF).fireTime).toEqual(at(120));
    expect(next.state.workflowTask).toBeUndefined();
  });
});

describe('failRun', () => {
  it('with a retry policy and attempts left: Failed(IN_PROGRESS) names the next attempt, which starts after the backoff', () => {
    const tx = completeTaskAt(taskInFlight({ retryPolicy: { maximumAttempts: 3 }, input: payloads('in') }), at(2), [failCommand(appFailure('bad'))]);
    const next = successor(tx);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_FAILED']);
    expect(tx.newEvents[1]!.workflowExecutionFailedEventAttributes).toMatchObject({
      failure: { message: 'bad' },
      retryState: RetryState.RETRY_STATE_IN_PROGRESS,
      workflowTaskCompletedEventId: 4,
      newExecutionRunId: next.info.runId,
    });
    expect(tx.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED);
    expect(startedAttrs(next)).toMatchObject({
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY,
      attempt: 2,
      continuedFailure: { message: 'bad' },
      continuedExecutionRunId: 'run-1',
      firstExecutionRunId: 'run-1',
      input: payloads('in'),
      firstWorkflowTaskBackoff: secs(1),
      retryPolicy: { initialInterval: secs(1), backoffCoefficient: 2, maximumInterval: secs(100), maximumAttempts: 3 },
    });
    expect(next.info.attempt).toBe(2);
    expect(timerTaskOf(next, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF).fireTime).toEqual(at(3));
  });

  it('the next attempt backs off longer, and the last one reports MAXIMUM_ATTEMPTS_REACHED with no successor', () => {
    const second = successor(completeTaskAt(taskInFlight({ retryPolicy: { maximumAttempts: 3 } }), at(2), [failCommand()]));
    const secondFailed = completeTaskAt(startTaskAt(backoffEnded(second), at(4)), at(5), [failCommand(appFailure('bad 2'))]);
    const third = successor(secondFailed);
    expect(startedAttrs(third)).toMatchObject({ attempt: 3, firstWorkflowTaskBackoff: secs(2), continuedFailure: { message: 'bad 2' }, firstExecutionRunId: 'run-1', continuedExecutionRunId: second.info.runId });

    const thirdFailed = completeTaskAt(startTaskAt(backoffEnded(third), at(8)), at(9), [failCommand(appFailure('bad 3'))]);
    expect(thirdFailed.newEvents[1]!.workflowExecutionFailedEventAttributes).toMatchObject({ retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED, newExecutionRunId: '' });
    expect(thirdFailed.continuedRun).toBeUndefined();
  });

  it('a non-retryable failure is not retried', () => {
    const tx = completeTaskAt(taskInFlight({ retryPolicy: {} }), at(2), [failCommand(appFailure('fatal', 'Fatal', true))]);
    expect(tx.newEvents[1]!.workflowExecutionFailedEventAttributes).toMatchObject({ retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE, newExecutionRunId: '' });
    expect(tx.continuedRun).toBeUndefined();
  });

  it('without a retry policy: RETRY_POLICY_NOT_SET, and the run just ends', () => {
    const tx = completeTaskAt(taskInFlight(), at(2), [failCommand()]);
    expect(tx.newEvents[1]!.workflowExecutionFailedEventAttributes).toMatchObject({ retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET, newExecutionRunId: '' });
    expect(tx.continuedRun).toBeUndefined();
    expect(tx.info).toMatchObject({ status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, completionEventId: 5, closeTime: at(2) });
  });

  it('a cron run with no retry left: the next scheduled run follows, with the failure and the last successful result', () => {
    const completed = completeTaskAt(cronTaskInFlight(), at(62), [completeCommand(payloads('ok'))]);
    const second = successor(completed);
    const failed = completeTaskAt(startTaskAt(backoffEnded(second), at(121)), at(122), [failCommand(appFailure('cron run failed'))]);
    const third = successor(failed);
    expect(failed.newEvents[1]!.workflowExecutionFailedEventAttributes).toMatchObject({ retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET, newExecutionRunId: third.info.runId });
    expect(startedAttrs(third)).toMatchObject({
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE,
      continuedFailure: { message: 'cron run failed' },
      lastCompletionResult: payloads('ok'),
      firstWorkflowTaskBackoff: secs(58),
      attempt: 1,
    });
  });

  it('a cron run with a retry policy is retried first', () => {
    const tx = completeTaskAt(cronTaskInFlight({ retryPolicy: { maximumAttempts: 2 } }), at(62), [failCommand()]);
    expect(startedAttrs(successor(tx))).toMatchObject({ initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY, attempt: 2, firstWorkflowTaskBackoff: secs(1) });
  });
});

describe('cancelRun', () => {
  it('writes WorkflowExecutionCanceled and closes the run; a cron chain ends there', () => {
    const tx = completeTaskAt(cronTaskInFlight(), at(62), [cancelCommand]);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_CANCELED']);
    expect(tx.newEvents[1]!.workflowExecutionCanceledEventAttributes).toEqual({ details: payloads('bye'), workflowTaskCompletedEventId: 4 });
    expect(tx.info).toMatchObject({ status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, completionEventId: 5 });
    expect(tx.continuedRun).toBeUndefined();
  });
});

describe('terminateRun', () => {
  it('force-closes a started workflow task (FORCE_CLOSE_COMMAND), then WorkflowExecutionTerminated', () => {
    const tx = reopen(taskInFlight(), at(2));
    terminateRun(tx, 'enough', payloads('why'), 'admin');
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_TERMINATED']);
    expect(tx.newEvents[0]!.workflowTaskFailedEventAttributes).toMatchObject({
      scheduledEventId: 2,
      startedEventId: 3,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
      identity: HISTORY_SERVICE_IDENTITY,
    });
    expect(tx.newEvents[1]!.workflowExecutionTerminatedEventAttributes).toEqual({ reason: 'enough', details: payloads('why'), identity: 'admin' });
    expect(tx.info).toMatchObject({ status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, completionEventId: 5, closeTime: at(2) });
    expect(tx.state.workflowTask).toBeUndefined();
  });

  it('a workflow task only scheduled is dropped without an event', () => {
    const tx = reopen(newRunAt(T0), at(1));
    terminateRun(tx, 'enough', undefined, 'admin');
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_EXECUTION_TERMINATED']);
    expect(tx.state.workflowTask).toBeUndefined();
  });

  it('a started transient workflow task writes no event', () => {
    const failed = reopen(taskInFlight(), at(2));
    failWorkflowTask(failed, WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE, appFailure('bug'), 'worker');
    const transient = startTaskAt(failed, at(3));
    expect(transient.state.workflowTask).toMatchObject({ attempt: 2, transient: true, startedEventId: 6 });
    const tx = reopen(transient, at(4));
    terminateRun(tx, 'enough', undefined, 'admin');
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_EXECUTION_TERMINATED']);
    expect(tx.newEvents[0]!.eventId).toBe(5);
  });

  it('writes the events buffered while the task ran after WorkflowTaskFailed, then Terminated (as Temporal’s failWorkflowTask)', () => {
    const buffered = signalAt(taskInFlight(), at(2));
    expect(buffered.state.bufferedEvents).toHaveLength(1);
    const tx = reopen(buffered, at(3));
    terminateRun(tx, 'enough', undefined, 'admin');
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_TERMINATED']);
    expect(tx.newEvents.map((e) => e.eventId)).toEqual([4, 5, 6]);
    expect(tx.info.completionEventId).toBe(6);
    expect(tx.state.bufferedEvents).toEqual([]);
  });

  it('during a started transient task: no failed event, the buffered events, then Terminated', () => {
    const failed = reopen(taskInFlight(), at(2));
    failWorkflowTask(failed, WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE, appFailure('bug'), 'worker');
    const buffered = signalAt(startTaskAt(failed, at(3)), at(4));
    expect(buffered.state.bufferedEvents).toHaveLength(1);
    const tx = reopen(buffered, at(5));
    terminateRun(tx, 'enough', undefined, 'admin');
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_TERMINATED']);
    expect(tx.newEvents.map((e) => e.eventId)).toEqual([5, 6]);
  });

  it('ends a cron chain', () => {
    const tx = reopen(cronTaskInFlight(), at(62));
    terminateRun(tx, 'enough', undefined, 'admin');
    expect(tx.continuedRun).toBeUndefined();
  });
});

describe('timeOutRun', () => {
  /** The run's WORKFLOW_RUN_TIMEOUT timer fired. */
  const runTimeoutFired = (run: RunTransaction, first: RunTransaction = run) => fireTimerTask(run, timerTaskOf(first, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT)).tx;

  it('force-closes a started workflow task and ends the run TIMED_OUT (RETRY_POLICY_NOT_SET without a policy)', () => {
    const started = newRunAt(T0, { workflowRunTimeout: secs(60) });
    const tx = runTimeoutFired(startTaskAt(started, at(1)), started);
    expect(tx.now).toEqual(at(60));
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_TIMED_OUT']);
    expect(tx.newEvents[0]!.workflowTaskFailedEventAttributes!.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND);
    expect(tx.newEvents[1]!.workflowExecutionTimedOutEventAttributes).toEqual({ retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET, newExecutionRunId: '' });
    expect(tx.info).toMatchObject({ status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, completionEventId: 5, closeTime: at(60) });
    expect(tx.continuedRun).toBeUndefined();
  });

  it('writes a signal buffered while the task ran after WorkflowTaskFailed, before TimedOut', () => {
    const started = newRunAt(T0, { workflowRunTimeout: secs(60) });
    const buffered = signalAt(startTaskAt(started, at(1)), at(2));
    const tx = runTimeoutFired(buffered, started);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_TIMED_OUT']);
    expect(tx.info.completionEventId).toBe(6);
  });

  it('is retried by the retry policy, the timeout carried as the next attempt’s failure', () => {
    const started = newRunAt(T0, { workflowRunTimeout: secs(60), retryPolicy: {} });
    const tx = runTimeoutFired(started);
    const next = successor(tx);
    expect(tx.newEvents[0]!.workflowExecutionTimedOutEventAttributes).toEqual({ retryState: RetryState.RETRY_STATE_IN_PROGRESS, newExecutionRunId: next.info.runId });
    expect(startedAttrs(next)).toMatchObject({
      initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY,
      attempt: 2,
      firstWorkflowTaskBackoff: secs(1),
      continuedFailure: { message: 'workflow timeout', source: 'Server', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE } },
    });
    // Its own run timeout counts from the end of its backoff.
    expect(timerTaskOf(next, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT).fireTime).toEqual(at(121));
  });

  it('is not retried once the chain’s execution deadline passed (TIMEOUT)', () => {
    const started = newRunAt(T0, { workflowExecutionTimeout: secs(60), retryPolicy: {} });
    const tx = runTimeoutFired(started);
    expect(tx.newEvents[0]!.workflowExecutionTimedOutEventAttributes).toEqual({ retryState: RetryState.RETRY_STATE_TIMEOUT, newExecutionRunId: '' });
    expect(tx.continuedRun).toBeUndefined();
  });

  it('a retried run of a chain ends at the chain’s deadline, and is not retried then', () => {
    const first = newRunAt(T0, { workflowExecutionTimeout: secs(100), workflowRunTimeout: secs(60), retryPolicy: {} });
    const second = successor(runTimeoutFired(first));
    // Its own run timeout would be T0+121 s; the chain ends at T0+100 s.
    const deadline = timerTaskOf(second, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT);
    expect(deadline.fireTime).toEqual(at(100));
    const tx = runTimeoutFired(second);
    expect(tx.newEvents[0]!.workflowExecutionTimedOutEventAttributes!.retryState).toBe(RetryState.RETRY_STATE_TIMEOUT);
    expect(tx.continuedRun).toBeUndefined();
  });

  it('a cron chain ends at its execution deadline: no next scheduled run', () => {
    // The deadline counts from the start (T0), not from the first run's scheduled time (T0+60 s).
    const cron = newRunAt(T0, { cronSchedule: '* * * * *', workflowExecutionTimeout: secs(90) });
    expect(timerTaskOf(cron, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT).fireTime).toEqual(at(90));
    const tx = runTimeoutFired(startTaskAt(backoffEnded(cron), at(61)), cron);
    expect(tx.newEvents.at(-1)!.workflowExecutionTimedOutEventAttributes).toEqual({ retryState: RetryState.RETRY_STATE_TIMEOUT, newExecutionRunId: '' });
    expect(tx.continuedRun).toBeUndefined();
  });

  it('a cron run that times out is followed by its next scheduled run', () => {
    const cron = newRunAt(T0, { cronSchedule: '* * * * *', workflowRunTimeout: secs(30) });
    // The first run executes from T0+60 s: its run timeout is at T0+90 s.
    expect(timerTaskOf(cron, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT).fireTime).toEqual(at(90));
    const tx = runTimeoutFired(backoffEnded(cron), cron);
    const next = successor(tx);
    expect(tx.newEvents.at(-1)!.workflowExecutionTimedOutEventAttributes).toEqual({ retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET, newExecutionRunId: next.info.runId });
    expect(startedAttrs(next)).toMatchObject({ initiator: ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, firstWorkflowTaskBackoff: secs(30) });
  });
});

describe('markClosed: the CLOSE_EXECUTION transfer task', () => {
  const parent = { namespace: 'default', namespaceId: 'ns-1', execution: { workflowId: 'parent', runId: 'parent-run' }, initiatedEventId: 5, rootExecution: { workflowId: 'parent', runId: 'parent-run' } };

  it('is created for a run with a parent, however it closes', () => {
    const child = startTaskAt(newRunAt(T0, {}, { parent }), at(1));
    expect(transferKinds(completeTaskAt(child, at(2), [completeCommand()]))).toEqual(['CLOSE_EXECUTION']);
    const terminated = reopen(child, at(2));
    terminateRun(terminated, 'enough', undefined, 'admin');
    expect(transferKinds(terminated)).toEqual(['CLOSE_EXECUTION']);
  });

  it('is created for a run with children', () => {
    const startChild = { commandType: CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION, startChildWorkflowExecutionCommandAttributes: { workflowId: 'child', workflowType: { name: 'Child' } } };
    const tx = completeTaskAt(taskInFlight(), at(2), [startChild, completeCommand()]);
    expect(transferKinds(tx)).toEqual(['START_CHILD', 'CLOSE_EXECUTION']);
  });

  it('is not created for a run with neither', () => {
    for (const tx of [completeTaskAt(taskInFlight(), at(2), [failCommand()]), completeTaskAt(taskInFlight(), at(2), [cancelCommand])]) {
      expect(tx.closed).toBe(true);
      expect(tx.transferTasks).toEqual([]);
      // Only the retention timer: the closed run is deleted a retention after its close.
      expect(timerKinds(tx)).toEqual(['DELETE_CLOSED_RUN']);
      expect(tx.timerTasks[0]!.fireTime).toEqual(new Date(at(2).getTime() + tx.retentionMs));
    }
  });

  it('the successor of a retried child is still its parent’s child', () => {
    const tx = completeTaskAt(startTaskAt(newRunAt(T0, { retryPolicy: {} }, { parent }), at(1)), at(2), [failCommand()]);
    expect(transferKinds(tx)).toEqual(['CLOSE_EXECUTION']);
    expect(successor(tx).info.parent).toEqual(parent);
    expect(startedAttrs(successor(tx))).toMatchObject({ parentWorkflowExecution: parent.execution, parentInitiatedEventId: 5 });
  });
});
