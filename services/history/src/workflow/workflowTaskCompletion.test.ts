import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@kairos/domain';
import { Request } from '@kairos/proto/temporal/api/update/v1/message';
import { eventNames, reopen, runWithStartedWorkflowTask } from '../../test/runFixtures';
import { commands, completeTask, payloadsOfSize, pollTask, runAfterFirstCompletion, updateMessage, updateRequest } from '../../test/workflowTaskFixtures';
import { HISTORY_SERVICE_IDENTITY } from './closeRun';
import type { RunTransaction } from './runTransaction';
import { appendSignal } from './signals';
import { admitWorkflowUpdate } from './updates';
import { failRefusedCompletion, startWorkflowTaskInline } from './workflowTaskCompletion';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';
import { scheduleWorkflowTask, workflowTaskTimeoutFired } from './workflowTasks';
import {
  type Command,
  TaskQueueKind,
  TimeoutType,
  TimerTaskKind,
  TransferTaskKind,
  WorkflowExecutionStatus,
  WorkflowTaskFailedCause,
} from './protos';

const AT = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(AT.getTime() + ms);
const STICKY_ATTRIBUTES = { stickyAttributes: { workerTaskQueue: { name: 'sticky-q' }, scheduleToStartTimeout: { seconds: 5 } } };

/** A sticky run (first task completed with the sticky attributes) whose second task is scheduled on the sticky queue at AT. */
function stickyRunWithScheduledTask(): RunTransaction {
  const run = reopen(runAfterFirstCompletion([], STICKY_ATTRIBUTES), AT);
  scheduleWorkflowTask(run);
  return reopen(run, at(1_000));
}

/**
 * A run whose first task completed (with `firstCommands`), with update `updateId` admitted at AT
 * and its speculative task started by a worker.
 */
function runWithSpeculativeTaskStarted(updateId = 'u1', firstCommands: Command[] = []): RunTransaction {
  const run = reopen(runAfterFirstCompletion(firstCommands), AT);
  admitWorkflowUpdate(run, updateRequest(updateId));
  const starting = reopen(run, at(1_000));
  pollTask(starting);
  return reopen(starting, at(2_000));
}

describe('startWorkflowTaskForPoller', () => {
  it('a sticky run’s task taken from the normal queue clears stickiness', () => {
    const run = stickyRunWithScheduledTask();
    pollTask(run, false);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_STARTED']);
    expect(run.info.stickyTaskQueue).toBe('');
    expect(run.info.stickyScheduleToStartTimeout).toBeUndefined();
  });

  it('a task taken from the sticky queue keeps the run sticky', () => {
    const run = stickyRunWithScheduledTask();
    pollTask(run, true);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_STARTED']);
    expect(run.info.stickyTaskQueue).toBe('sticky-q');
  });

  it('returns the update requests the task carries, sequenced after the event before WorkflowTaskStarted', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    admitWorkflowUpdate(run, updateRequest('u1'));
    const starting = reopen(run, at(1_000));
    const messages = pollTask(starting);
    expect(messages.map((m) => [m.id, m.protocolInstanceId, m.eventId])).toEqual([['u1/request', 'u1', 5]]);
    expect(Request.decode(messages[0]!.body!.value).meta?.updateId).toBe('u1');
    expect(starting.state.updates.u1?.sent).toBe(true);
    expect(starting.state.workflowTask).toMatchObject({ scheduledEventId: 5, startedEventId: 6, speculative: true });
    expect(pollTask(reopen(runWithStartedWorkflowTask(), AT))).toEqual([]);
  });
});

describe('completeWorkflowTask', () => {
  it('writes WorkflowTaskCompleted and the commands’ events, and leaves no task', () => {
    const run = reopen(runWithStartedWorkflowTask(), AT);
    const outcome = completeTask(run, [commands.scheduleActivity('a1'), commands.startTimer('t1')], { binaryChecksum: 'bin-1' });
    expect(outcome).toEqual({ kind: 'completed', eager: [], workflowTypeName: 'Example', rejections: [] });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_SCHEDULED', 'TIMER_STARTED']);
    expect(run.newEvents.map((e) => e.eventId)).toEqual([4, 5, 6]);
    expect(run.newEvents[0]!.workflowTaskCompletedEventAttributes).toEqual(
      expect.objectContaining({ scheduledEventId: 2, startedEventId: 3, identity: 'worker', binaryChecksum: 'bin-1' }),
    );
    expect(run.state.workflowTask).toBeUndefined();
    expect(run.info.lastCompletedWorkflowTaskStartedEventId).toBe(3);
    expect(run.info.workflowTaskAttempt).toBe(1);
    expect(run.transferTasks.map((t) => t.kind)).toEqual([TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK]);
    expect(run.discarded).toBe(false);
  });

  it('flushes events buffered during the task after its events and schedules a task for them (on the worker’s sticky queue)', () => {
    const started = reopen(runWithStartedWorkflowTask(), AT);
    appendSignal(started, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    expect(started.newEvents).toEqual([]);
    const run = reopen(started, at(1_000));
    completeTask(run, [commands.startTimer('t1')], STICKY_ATTRIBUTES);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_STARTED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents.map((e) => e.eventId)).toEqual([4, 5, 6, 7]);
    expect(run.newEvents[2]!.eventTime).toEqual(AT);
    expect(run.state.bufferedEvents).toEqual([]);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 7, attempt: 1 });
    expect(run.newEvents[3]!.workflowTaskScheduledEventAttributes?.taskQueue).toMatchObject({ name: 'sticky-q', kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY });
    expect(run.timerTasks.find((t) => t.kind === TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT)).toMatchObject({
      eventId: 7,
      timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
      fireTime: at(6_000),
    });
  });

  it('forceCreateNewWorkflowTask schedules the next task at once', () => {
    const run = reopen(runWithStartedWorkflowTask(), AT);
    completeTask(run, [], { forceCreateNewWorkflowTask: true });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 5, attempt: 1 });
    expect(run.transferTasks.map((t) => t.kind)).toEqual([TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK]);
  });

  it('startWorkflowTaskInline starts the task the completion scheduled, withdrawing its dispatch and sticky schedule-to-start timer', () => {
    const run = reopen(runAfterFirstCompletion([], STICKY_ATTRIBUTES), AT);
    scheduleWorkflowTask(run);
    expect(run.timerTasks.map((t) => t.kind)).toContain(TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT);
    expect(startWorkflowTaskInline(run, { requestId: 'request-from-RespondWorkflowTaskCompleted', identity: 'worker-1' })).toBe(true);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED']);
    expect(run.newEvents[1]!.workflowTaskStartedEventAttributes).toMatchObject({ requestId: 'request-from-RespondWorkflowTaskCompleted', identity: 'worker-1' });
    expect(run.transferTasks).toEqual([]);
    // Only the started task's start-to-close timer is left.
    expect(run.timerTasks.map((t) => t.timeoutType)).toEqual([TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE]);
  });

  it('startWorkflowTaskInline leaves alone a run with no scheduled task, a started task or a speculative one', () => {
    const none = reopen(runAfterFirstCompletion([]), AT);
    expect(startWorkflowTaskInline(none, { requestId: 'r', identity: 'w' })).toBe(false);
    const started = reopen(runWithStartedWorkflowTask(), AT);
    expect(startWorkflowTaskInline(started, { requestId: 'r', identity: 'w' })).toBe(false);
    const speculative = reopen(runAfterFirstCompletion([]), AT);
    admitWorkflowUpdate(speculative, updateRequest('u'));
    expect(startWorkflowTaskInline(speculative, { requestId: 'r', identity: 'w' })).toBe(false);
    expect(speculative.transferTasks).toHaveLength(1);
  });

  it('an update admitted while the task ran goes out with a speculative task of its own (no event)', () => {
    const run = reopen(runWithStartedWorkflowTask(), AT);
    admitWorkflowUpdate(run, updateRequest('late'));
    expect(run.transferTasks).toEqual([]);
    const completing = reopen(run, at(1_000));
    completeTask(completing, [commands.startTimer('t1')]);
    expect(eventNames(completing.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_STARTED']);
    expect(completing.state.workflowTask).toMatchObject({ scheduledEventId: 6, speculative: true, startedEventId: 0 });
    expect(completing.transferTasks).toEqual([expect.objectContaining({ kind: TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK, scheduledEventId: 6 })]);

    const nothingWaiting = reopen(runWithStartedWorkflowTask(), AT);
    completeTask(nothingWaiting, [commands.startTimer('t1')]);
    expect(nothingWaiting.state.workflowTask).toBeUndefined();
  });

  it('remembers the worker’s sticky queue, with Temporal’s 10 s schedule-to-start when the worker gives none', () => {
    const withTimeout = reopen(runWithStartedWorkflowTask(), AT);
    completeTask(withTimeout, [], STICKY_ATTRIBUTES);
    expect(withTimeout.info.stickyTaskQueue).toBe('sticky-q');
    expect(withTimeout.info.stickyScheduleToStartTimeout).toEqual({ seconds: 5, nanos: 0 });

    const withoutTimeout = reopen(runWithStartedWorkflowTask(), AT);
    completeTask(withoutTimeout, [], { stickyAttributes: { workerTaskQueue: { name: 'sticky-q' } } });
    expect(withoutTimeout.info.stickyTaskQueue).toBe('sticky-q');
    expect(withoutTimeout.info.stickyScheduleToStartTimeout).toEqual({ seconds: 10, nanos: 0 });
  });

  it('forgets the sticky queue when the worker gives none, and when the task closes the run', () => {
    const sticky = stickyRunWithScheduledTask();
    pollTask(sticky, true);
    const run = reopen(sticky, at(2_000));
    completeTask(run, []);
    expect(run.info.stickyTaskQueue).toBe('');

    const closing = reopen(runWithStartedWorkflowTask(), AT);
    completeTask(closing, [commands.complete()], STICKY_ATTRIBUTES);
    expect(closing.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    expect(closing.info.stickyTaskQueue).toBe('');
  });

  it('a refused completion is reported as rejected, with the task’s attempt, and its transaction discarded', () => {
    const run = reopen(runWithStartedWorkflowTask(), AT);
    const outcome = completeTask(run, [commands.startTimer('t1'), commands.cancelTimer('unknown')]);
    expect(outcome.kind).toBe('rejected');
    if (outcome.kind !== 'rejected') return;
    expect(outcome.attempt).toBe(1);
    expect(outcome.rejection).toBeInstanceOf(WorkflowTaskCompletionRejected);
    expect(outcome.rejection.failedCause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES);
    expect(outcome.rejection.message).toBe('BadCancelTimerAttributes: invalid history builder state for action: add-timer-canceled-event, TimerID: unknown');
    expect(run.discarded).toBe(true);
  });

  it('a speculative task that only rejects updates leaves nothing: discarded, with the id to roll back to', () => {
    const run = runWithSpeculativeTaskStarted('u1');
    const outcome = completeTask(run, [], { messages: [updateMessage('u1', 'reject')] });
    expect(outcome).toEqual({
      kind: 'discarded',
      resetHistoryEventId: 3,
      rejections: [{ updateId: 'u1', failure: expect.objectContaining({ message: 'rejected' }) }],
    });
    expect(run.newEvents).toEqual([]);
    expect(run.state.nextEventId).toBe(5);
    expect(run.state.updates).toEqual({});
    expect(run.info.workflowTaskAttempt).toBe(1);
    expect(run.discarded).toBe(false);
  });

  it('a speculative task that shipped events after the last WorkflowTaskCompleted is written, unless the worker copes with them again (at most 10)', () => {
    // As Temporal's skipWorkflowTaskCompletedEvent (capabilities.discardSpeculativeWorkflowTaskWithEvents).
    const timers = (n: number) => Array.from({ length: n }, (_, i) => commands.startTimer(`t${i}`));
    const written = runWithSpeculativeTaskStarted('u1', timers(1));
    const outcome = completeTask(written, [], { messages: [updateMessage('u1', 'reject')] });
    expect(outcome).toMatchObject({ kind: 'completed', rejections: [{ updateId: 'u1' }] });
    expect(eventNames(written.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED']);
    expect(written.newEvents.map((e) => e.eventId)).toEqual([6, 7, 8]);
    expect(written.state.workflowTask).toBeUndefined();

    const capable = { messages: [updateMessage('u1', 'reject')], capabilities: { discardSpeculativeWorkflowTaskWithEvents: true } };
    expect(completeTask(runWithSpeculativeTaskStarted('u1', timers(10)), [], capable)).toMatchObject({ kind: 'discarded', resetHistoryEventId: 3 });
    const tooMany = runWithSpeculativeTaskStarted('u1', timers(11));
    expect(completeTask(tooMany, [], capable)).toMatchObject({ kind: 'completed' });
    expect(eventNames(tooMany.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED']);
  });

  it('after a discarded speculative task with no update waiting, no task is scheduled', () => {
    // As Temporal: a new task only when the update registry has outgoing messages
    // (respondworkflowtaskcompleted/api.go: `else if updateRegistry.HasOutgoingMessages(true)`).
    const run = runWithSpeculativeTaskStarted('u1');
    expect(completeTask(run, [], { messages: [updateMessage('u1', 'reject')] })).toMatchObject({ kind: 'discarded' });
    expect(run.state.workflowTask).toBeUndefined();
    expect(run.transferTasks).toEqual([]);
    expect(run.timerTasks).toEqual([]);
    // The next event (a signal) gets a normal task.
    const signaled = reopen(run, at(3_000));
    appendSignal(signaled, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    expect(eventNames(signaled.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(signaled.state.workflowTask).toMatchObject({ scheduledEventId: 6, speculative: false });
  });

  it('after a discarded speculative task, updates admitted meanwhile get a new one whose stamp the old timer does not match', () => {
    const admitted = runWithSpeculativeTaskStarted('u1');
    admitWorkflowUpdate(admitted, updateRequest('u2'));
    expect(admitted.transferTasks).toEqual([]);
    const completing = reopen(admitted, at(3_000));
    const outcome = completeTask(completing, [], { messages: [updateMessage('u1', 'reject')] });
    expect(outcome.kind).toBe('discarded');
    expect(completing.state.workflowTask).toMatchObject({ scheduledEventId: 5, speculative: true, stamp: 3 });
    expect(completing.transferTasks).toEqual([expect.objectContaining({ kind: TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK, scheduledEventId: 5 })]);
    const next = reopen(completing, at(4_000));
    pollTask(next);
    expect(next.state.workflowTask).toMatchObject({ scheduledEventId: 5, startedEventId: 6, attempt: 1 });
    const later = reopen(next, at(12_000));
    const staleTimer = { eventId: 5, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, workflowTaskStamp: 2 };
    expect(workflowTaskTimeoutFired(later, staleTimer)).toBe(false);
    expect(later.newEvents).toEqual([]);
    expect(workflowTaskTimeoutFired(later, next.timerTasks[0]!)).toBe(true);
  });

  it('a speculative task that accepts an update is written before its completion', () => {
    const run = runWithSpeculativeTaskStarted('u1');
    const outcome = completeTask(run, [commands.protocolMessage('u1/accept')], { messages: [updateMessage('u1', 'accept', 5)] });
    expect(outcome.kind).toBe('completed');
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED']);
    expect(run.newEvents.map((e) => e.eventId)).toEqual([5, 6, 7, 8]);
    expect(run.newEvents[2]!.workflowTaskCompletedEventAttributes).toEqual(expect.objectContaining({ scheduledEventId: 5, startedEventId: 6 }));
    expect(run.state.updates.u1).toMatchObject({ acceptedEventId: 8 });
    expect(run.info.lastCompletedWorkflowTaskStartedEventId).toBe(6);
  });

  it('starts eager activities in the same transaction and returns them', () => {
    const run = reopen(runWithStartedWorkflowTask(), AT);
    const outcome = completeTask(run, [commands.scheduleActivity('a1', { requestEagerExecution: true }), commands.scheduleActivity('a2')]);
    if (outcome.kind !== 'completed') throw new Error(outcome.kind);
    expect(outcome.eager.map((e) => [e.activity.scheduledEventId, e.activity.activityId, e.activity.started, e.attrs.activityId])).toEqual([[5, 'a1', true, 'a1']]);
    expect(run.state.activities[5]).toMatchObject({ started: true, startedIdentity: 'worker', startedTime: AT });
    expect(run.state.activities[6]?.started).toBe(false);
    // Only the other activity goes through matching.
    expect(run.transferTasks.filter((t) => t.kind === TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK).map((t) => t.scheduledEventId)).toEqual([6]);
    expect(run.timerTasks.filter((t) => t.eventId === 5).map((t) => t.timeoutType)).toContain(TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
    // The returned activity is a copy: the transaction's object belongs to the cache once committed.
    outcome.eager[0]!.activity.attempt = 99;
    expect(run.state.activities[5]!.attempt).toBe(1);
  });

  it('does not start an eager activity a later command cancelled, nor any once the run closed', () => {
    const cancelled = reopen(runWithStartedWorkflowTask(), AT);
    const outcome = completeTask(cancelled, [commands.scheduleActivity('a1', { requestEagerExecution: true }), commands.requestCancelActivity(5)]);
    expect(outcome).toMatchObject({ kind: 'completed', eager: [] });
    expect(cancelled.state.activities[5]).toBeUndefined();

    const closed = reopen(runWithStartedWorkflowTask(), AT);
    expect(completeTask(closed, [commands.scheduleActivity('a1', { requestEagerExecution: true }), commands.complete()])).toMatchObject({ kind: 'completed', eager: [] });
    expect(closed.state.activities[5]?.started).toBe(false);
  });
});

describe('failRefusedCompletion', () => {
  it('records WorkflowTaskFailed with a server failure and schedules the next attempt', () => {
    const run = reopen(runWithStartedWorkflowTask(), AT);
    const rejection = new WorkflowTaskCompletionRejected(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES, 'no such timer');
    failRefusedCompletion(run, rejection, { identity: 'worker', binaryChecksum: 'bin-1' });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_FAILED']);
    expect(run.newEvents[0]!.workflowTaskFailedEventAttributes).toEqual(
      expect.objectContaining({
        scheduledEventId: 2,
        startedEventId: 3,
        cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
        identity: 'worker',
        binaryChecksum: 'bin-1',
        failure: expect.objectContaining({ message: 'BadCancelTimerAttributes: no such timer', serverFailureInfo: { nonRetryable: false } }),
      }),
    );
    expect(run.state.workflowTask).toMatchObject({ attempt: 2, transient: true });
    expect(run.isOpen).toBe(true);
  });

  it('an oversized payload fails the task and terminates the run', () => {
    const limits = { ...DEFAULT_LIMITS, blobSizeLimitError: 100 };
    const before = reopen(runWithStartedWorkflowTask(), AT, limits);
    const completing = reopen(before, AT, limits);
    const outcome = completeTask(completing, [commands.complete(payloadsOfSize(200))]);
    if (outcome.kind !== 'rejected') throw new Error(outcome.kind);
    expect(outcome.rejection.terminatesWorkflow).toBe(true);

    const run = reopen(before, AT, limits);
    failRefusedCompletion(run, outcome.rejection, { identity: 'worker', binaryChecksum: '' });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_TERMINATED']);
    expect(run.newEvents[0]!.workflowTaskFailedEventAttributes?.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES);
    expect(run.newEvents[1]!.workflowExecutionTerminatedEventAttributes).toEqual(
      expect.objectContaining({ reason: 'BadScheduleActivityAttributes: CompleteWorkflowExecutionCommandAttributes.Result exceeds size limit.', identity: HISTORY_SERVICE_IDENTITY }),
    );
    expect(run.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
    expect(run.info.completionEventId).toBe(5);
    expect(run.closed).toBe(true);
    expect(run.state.workflowTask).toBeUndefined();
    expect(run.transferTasks).toEqual([]);
  });
  it('events buffered during the refused task are written between WorkflowTaskFailed and Terminated', () => {
    // As Temporal (respondworkflowtaskcompleted/api.go: "Flush buffer event before terminating the workflow").
    const limits = { ...DEFAULT_LIMITS, blobSizeLimitError: 100 };
    const signaled = reopen(runWithStartedWorkflowTask(), AT, limits);
    appendSignal(signaled, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    const before = reopen(signaled, at(1_000), limits);
    const outcome = completeTask(reopen(before, at(1_000), limits), [commands.scheduleActivity('a1', { input: payloadsOfSize(200) })]);
    if (outcome.kind !== 'rejected') throw new Error(outcome.kind);
    expect(outcome.rejection.terminatesWorkflow).toBe(true);
    const run = reopen(before, at(1_000), limits);
    failRefusedCompletion(run, outcome.rejection, { identity: 'worker', binaryChecksum: '' });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_TERMINATED']);
    expect(run.newEvents[1]!.workflowExecutionSignaledEventAttributes?.signalName).toBe('go');
    expect(run.info.completionEventId).toBe(run.newEvents[2]!.eventId);
    expect(run.state.bufferedEvents).toEqual([]);
  });
});
