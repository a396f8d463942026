import { describe, expect, it } from 'vitest';
import { ChildExecutionInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import { eventNames, newRun, reopen, runWithStartedWorkflowTask } from '../../test/runFixtures';
import { payloads, runAfterFirstCompletion } from '../../test/workflowTaskFixtures';
import { RunTransaction } from './runTransaction';
import { EventType, HistoryEvent, TimerTask, TimerTaskKind, TransferTask, TransferTaskKind, WorkflowExecutionStatus } from './protos';

const AT = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(AT.getTime() + ms);

/** A run whose first task is started (events 1–3), at AT: events other than the task's outcome are buffered. */
function inFlight(): RunTransaction {
  return reopen(runWithStartedWorkflowTask(), AT);
}

describe('appendEvent', () => {
  it('gives the next event id, the transaction’s time and increasing task ids', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    const a = run.appendEvent(EventType.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'a' } });
    const b = run.appendEvent(EventType.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'b' } });
    expect([a.eventId, b.eventId]).toEqual([5, 6]);
    expect(a.eventTime).toEqual(AT);
    expect(b.taskId).toBeGreaterThan(a.taskId);
    expect(run.state.nextEventId).toBe(7);
    expect(run.newEvents).toEqual([a, b]);
  });
});

describe('appendOrBufferEvent', () => {
  it('appends when no workflow task is started', () => {
    const run = reopen(newRun(), AT);
    expect(run.workflowTaskInFlight).toBe(false);
    run.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, { workflowExecutionSignaledEventAttributes: { signalName: 's' } });
    expect(run.newEvents.map((e) => e.eventId)).toEqual([3]);
    expect(run.state.bufferedEvents).toEqual([]);
  });

  it('buffers while a workflow task is started: no id, the time it arrived, nothing appended', () => {
    const run = inFlight();
    expect(run.workflowTaskInFlight).toBe(true);
    run.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, { workflowExecutionSignaledEventAttributes: { signalName: 's' } });
    expect(run.newEvents).toEqual([]);
    expect(run.state.nextEventId).toBe(4);
    expect(run.state.bufferedEvents).toEqual([
      expect.objectContaining({ eventId: 0, eventTime: AT, eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED }),
    ]);
  });
});

describe('flushBufferedEvents', () => {
  it('is false with nothing buffered', () => {
    const run = inFlight();
    expect(run.flushBufferedEvents()).toBe(false);
    expect(run.newEvents).toEqual([]);
  });

  it('appends the buffered events in order with real ids, keeping the time each arrived', () => {
    const buffering = inFlight();
    buffering.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, { workflowExecutionSignaledEventAttributes: { signalName: 'first' } });
    const run = reopen(buffering, at(5_000));
    run.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, { workflowExecutionSignaledEventAttributes: { signalName: 'second' } });
    run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { scheduledEventId: 2, startedEventId: 3 } });
    expect(run.flushBufferedEvents()).toBe(true);
    expect(run.newEvents.map((e) => [e.eventId, e.eventTime, e.workflowExecutionSignaledEventAttributes?.signalName])).toEqual([
      [4, at(5_000), undefined],
      [5, AT, 'first'],
      [6, at(5_000), 'second'],
    ]);
    expect(run.newEvents[2]!.taskId).toBeGreaterThan(run.newEvents[1]!.taskId);
    expect(run.state.bufferedEvents).toEqual([]);
    expect(run.state.nextEventId).toBe(7);
  });

  it('wires a buffered activity’s closing event to its ActivityTaskStarted, and only that activity’s', () => {
    const run = inFlight();
    run.appendOrBufferEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 2 } });
    run.appendOrBufferEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId: 5, startedEventId: 0, result: payloads(1) } });
    run.appendOrBufferEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, { activityTaskFailedEventAttributes: { scheduledEventId: 6, startedEventId: 3 } });
    run.flushBufferedEvents();
    expect(eventNames(run.newEvents)).toEqual(['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_COMPLETED', 'ACTIVITY_TASK_FAILED']);
    expect(run.newEvents[1]!.activityTaskCompletedEventAttributes?.startedEventId).toBe(4);
    expect(run.newEvents[2]!.activityTaskFailedEventAttributes?.startedEventId).toBe(3);
  });

  it('gives a buffered child start its id (in the pending child too) and wires the child’s closing event to it', () => {
    const run = inFlight();
    run.state.children[9] = ChildExecutionInfo.fromPartial({ initiatedEventId: 9, startedEventId: -1 });
    run.state.children[10] = ChildExecutionInfo.fromPartial({ initiatedEventId: 10, startedEventId: -1 });
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, { childWorkflowExecutionStartedEventAttributes: { initiatedEventId: 9 } });
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, { childWorkflowExecutionStartedEventAttributes: { initiatedEventId: 10 } });
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED, { childWorkflowExecutionFailedEventAttributes: { initiatedEventId: 10, startedEventId: -1 } });
    run.flushBufferedEvents();
    expect(run.newEvents.map((e) => e.eventId)).toEqual([4, 5, 6]);
    expect(run.state.children[9]!.startedEventId).toBe(4);
    expect(run.state.children[10]!.startedEventId).toBe(5);
    expect(run.newEvents[2]!.childWorkflowExecutionFailedEventAttributes?.startedEventId).toBe(5);
  });
});

describe('flushBufferedEvents: order', () => {
  it('writes the events closing an activity or a child after the others, each group in arrival order (Temporal’s reorderBuffer)', () => {
    const run = inFlight();
    const signal = (name: string) => run.appendOrBufferEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, { workflowExecutionSignaledEventAttributes: { signalName: name } });
    run.state.children[9] = ChildExecutionInfo.fromPartial({ initiatedEventId: 9, startedEventId: -1 });
    run.appendOrBufferEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { scheduledEventId: 5 } });
    run.appendOrBufferEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId: 5, startedEventId: 0 } });
    signal('a');
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, { childWorkflowExecutionStartedEventAttributes: { initiatedEventId: 9 } });
    run.appendOrBufferEvent(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED, { childWorkflowExecutionTerminatedEventAttributes: { initiatedEventId: 9, startedEventId: -1 } });
    run.appendOrBufferEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, { activityTaskCanceledEventAttributes: { scheduledEventId: 6, startedEventId: 0 } });
    signal('b');
    run.flushBufferedEvents();
    expect(eventNames(run.newEvents)).toEqual([
      'ACTIVITY_TASK_STARTED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'CHILD_WORKFLOW_EXECUTION_STARTED',
      'WORKFLOW_EXECUTION_SIGNALED',
      'ACTIVITY_TASK_COMPLETED',
      'CHILD_WORKFLOW_EXECUTION_TERMINATED',
      'ACTIVITY_TASK_CANCELED',
    ]);
    expect(run.newEvents.map((e) => e.eventId)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(run.newEvents[4]!.activityTaskCompletedEventAttributes?.startedEventId).toBe(4);
    expect(run.newEvents[5]!.childWorkflowExecutionTerminatedEventAttributes?.startedEventId).toBe(6);
  });
});

describe('encodedNewEvents', () => {
  it('encodes once per set of events, and again when events were added', () => {
    const run = reopen(newRun(), AT);
    run.appendEvent(EventType.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'a' } });
    const first = run.encodedNewEvents();
    expect(run.encodedNewEvents()).toBe(first);
    expect(first).toEqual([HistoryEvent.encode(run.newEvents[0]!).finish()]);
    expect(run.newEventBytes()).toBe(first[0]!.length);

    run.appendEvent(EventType.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'longer name' } });
    const second = run.encodedNewEvents();
    expect(second).not.toBe(first);
    expect(second).toHaveLength(2);
    expect(run.newEventBytes()).toBe(second[0]!.length + second[1]!.length);
    expect(HistoryEvent.decode(second[1]!).markerRecordedEventAttributes?.markerName).toBe('longer name');
  });

  it('is empty for a transaction that appends nothing', () => {
    const run = reopen(newRun(), AT);
    expect(run.encodedNewEvents()).toEqual([]);
    expect(run.newEventBytes()).toBe(0);
  });
});

describe('accountHistorySize', () => {
  it('adds the encoded size of the events this transaction appends to the run’s history size', () => {
    const run = reopen(newRun(), AT);
    run.info.historySizeBytes = 1_000;
    run.appendEvent(EventType.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'a' } });
    run.accountHistorySize();
    expect(run.info.historySizeBytes).toBe(1_000 + HistoryEvent.encode(run.newEvents[0]!).finish().length);
  });
});

describe('markClosed', () => {
  it('records the status, close time and closing event', () => {
    const run = reopen(newRun(), AT);
    expect(run.isOpen).toBe(true);
    run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, 3);
    expect(run.info).toMatchObject({ status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, closeTime: AT, completionEventId: 3 });
    expect(run.closed).toBe(true);
    expect(run.isOpen).toBe(false);
    expect(run.transferTasks).toEqual([]);
  });

  it('a run with a parent or with children gets a CLOSE_EXECUTION task', () => {
    const child = reopen(newRun(), AT);
    child.info.parent = { namespace: 'default', namespaceId: 'ns-1', execution: { workflowId: 'parent', runId: 'p' }, initiatedEventId: 5, rootExecution: undefined };
    child.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, 3);
    const closeTask = TransferTask.fromPartial({ kind: TransferTaskKind.TRANSFER_TASK_KIND_CLOSE_EXECUTION, namespaceId: 'ns-1', workflowId: 'wf-1', runId: 'run-1' });
    expect(child.transferTasks).toEqual([closeTask]);

    const parent = reopen(newRun(), AT);
    parent.state.children[5] = ChildExecutionInfo.fromPartial({ initiatedEventId: 5 });
    parent.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, 3);
    expect(parent.transferTasks).toEqual([closeTask]);
  });

  it('a reopened transaction of a closed run is not “closed here”', () => {
    const run = reopen(newRun(), AT);
    run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, 3);
    const next = reopen(run, at(1_000));
    expect(next.isOpen).toBe(false);
    expect(next.closed).toBe(false);
  });
});

describe('tasks and discard', () => {
  it('stamps transfer and timer tasks with the run’s ids', () => {
    const run = reopen(newRun(), AT);
    run.addTransferTask({ kind: TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK, scheduledEventId: 7 });
    run.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_USER_TIMER, fireTime: at(1_000), timerId: 't' });
    expect(run.transferTasks).toEqual([
      TransferTask.fromPartial({ kind: TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK, namespaceId: 'ns-1', workflowId: 'wf-1', runId: 'run-1', scheduledEventId: 7 }),
    ]);
    expect(run.timerTasks).toEqual([
      TimerTask.fromPartial({ kind: TimerTaskKind.TIMER_TASK_KIND_USER_TIMER, namespaceId: 'ns-1', workflowId: 'wf-1', runId: 'run-1', fireTime: at(1_000), timerId: 't' }),
    ]);
  });

  it('discard marks the transaction as writing nothing', () => {
    const run = reopen(newRun(), AT);
    expect(run.discarded).toBe(false);
    run.discard();
    expect(run.discarded).toBe(true);
  });
});
