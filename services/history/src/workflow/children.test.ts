import { describe, expect, it } from 'vitest';
import { ParentClosePolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { StartChildWorkflowExecutionFailedCause } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import { eventNames, reopen, runWithStartedWorkflowTask } from '../../test/runFixtures';
import { commands, completeTask, payload, payloads, pollTask } from '../../test/workflowTaskFixtures';
import { recordChildCompleted, recordChildStarted, recordChildStartFailed } from './children';
import type { RunTransaction } from './runTransaction';
import { scheduleWorkflowTask } from './workflowTasks';
import {
  EventType,
  HistoryEvent,
  RetryState,
  TaskQueue,
  TaskQueueKind,
  TransferTask,
  TransferTaskKind,
  WorkflowExecutionStatus,
  WorkflowIdReusePolicy,
} from './protos';

const AT = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(AT.getTime() + ms);
const CHILD = { workflowId: 'child-1', runId: 'child-run-1' };
/** The last run of CHILD's chain (a retry or cron run), which reports the chain's close. */
const CHILD_LAST_RUN = { workflowId: 'child-1', runId: 'child-run-3' };

type ChildOverrides = Parameters<typeof commands.startChild>[1];

/** The parent's first task completes at AT with StartChildWorkflowExecution (Initiated is event 5). */
function initiate(overrides: ChildOverrides = {}): { run: RunTransaction; initiated: HistoryEvent } {
  const run = reopen(runWithStartedWorkflowTask(), AT);
  completeTask(run, [commands.startChild('child-1', overrides)]);
  return { run, initiated: run.newEvents.find((e) => e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)! };
}

/** A parent with child-1 initiated (event 5) and no workflow task, at AT+1s. */
function parentWithChild(overrides: ChildOverrides = {}): { run: RunTransaction; initiated: HistoryEvent } {
  const { run, initiated } = initiate(overrides);
  return { run: reopen(run, at(1_000)), initiated };
}

/** A parent with child-1 initiated (event 5) whose next workflow task (6, 7) is started, at AT+3s. */
function parentWithChildAndStartedTask(): RunTransaction {
  const { run } = parentWithChild();
  scheduleWorkflowTask(run);
  const polled = reopen(run, at(2_000));
  pollTask(polled);
  return reopen(polled, at(3_000));
}

/** A parent whose child-1 (initiated 5) started (6) and whose workflow task for that (7) is pending, at AT+2s. */
function parentWithStartedChild(): RunTransaction {
  const { run } = parentWithChild();
  recordChildStarted(run, run.state.children[5]!, CHILD);
  return reopen(run, at(2_000));
}

/** The same, once the workflow task that showed the start (7, 8) completed (9), at AT+4s: no task pending. */
function parentWithStartedChildSeen(): RunTransaction {
  const run = parentWithStartedChild();
  pollTask(run);
  const completing = reopen(run, at(3_000));
  completeTask(completing, []);
  return reopen(completing, at(4_000));
}

function closingEvent(fields: Parameters<typeof HistoryEvent.fromPartial>[0]): HistoryEvent {
  return HistoryEvent.fromPartial({ eventId: 9, ...fields });
}

describe('initiateChild', () => {
  it('writes StartChildWorkflowExecutionInitiated with the defaults Temporal records, the pending child and a START_CHILD task', () => {
    const { run, initiated } = initiate({ input: payloads('in'), control: 'ctl' });
    expect(initiated.eventId).toBe(5);
    expect(initiated.startChildWorkflowExecutionInitiatedEventAttributes).toEqual(
      expect.objectContaining({
        namespace: 'default',
        namespaceId: 'ns-1',
        workflowId: 'child-1',
        workflowType: { name: 'Child' },
        taskQueue: TaskQueue.fromPartial({ name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }),
        input: payloads('in'),
        workflowRunTimeout: { seconds: 0, nanos: 0 },
        workflowTaskTimeout: { seconds: 10, nanos: 0 },
        parentClosePolicy: ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE,
        workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
        control: 'ctl',
        workflowTaskCompletedEventId: 4,
        retryPolicy: undefined,
        memo: undefined,
      }),
    );
    const child = run.state.children[5]!;
    expect(child).toMatchObject({
      initiatedEventId: 5,
      namespace: 'default',
      namespaceId: 'ns-1',
      workflowId: 'child-1',
      workflowTypeName: 'Child',
      parentClosePolicy: ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE,
      startedEventId: 0,
      runId: '',
    });
    expect(child.createRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.transferTasks).toContainEqual(
      TransferTask.fromPartial({ kind: TransferTaskKind.TRANSFER_TASK_KIND_START_CHILD, namespaceId: 'ns-1', workflowId: 'wf-1', runId: 'run-1', scheduledEventId: 5 }),
    );
  });

  it('keeps what the command sets, with the retry policy’s defaults filled in', () => {
    const { initiated } = initiate({
      taskQueue: { name: 'other' },
      workflowRunTimeout: { seconds: 60, nanos: 0 },
      workflowTaskTimeout: { seconds: 3, nanos: 0 },
      parentClosePolicy: ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
      retryPolicy: { maximumAttempts: 3 },
      memo: { fields: { m: payload(1) } },
    });
    expect(initiated.startChildWorkflowExecutionInitiatedEventAttributes).toEqual(
      expect.objectContaining({
        taskQueue: TaskQueue.fromPartial({ name: 'other', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }),
        workflowRunTimeout: { seconds: 60, nanos: 0 },
        workflowTaskTimeout: { seconds: 3, nanos: 0 },
        parentClosePolicy: ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
        retryPolicy: {
          initialInterval: { seconds: 1, nanos: 0 },
          backoffCoefficient: 2,
          maximumInterval: { seconds: 100, nanos: 0 },
          maximumAttempts: 3,
          nonRetryableErrorTypes: [],
        },
        memo: { fields: { m: payload(1) } },
      }),
    );
  });
});

describe('recordChildStarted', () => {
  it('with no workflow task running: ChildWorkflowExecutionStarted now, the child’s ids, and a workflow task', () => {
    const { run } = parentWithChild();
    const child = run.state.children[5]!;
    recordChildStarted(run, child, CHILD);
    expect(eventNames(run.newEvents)).toEqual(['CHILD_WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents[0]!.eventId).toBe(6);
    expect(run.newEvents[0]!.childWorkflowExecutionStartedEventAttributes).toEqual(
      expect.objectContaining({ namespace: 'default', namespaceId: 'ns-1', initiatedEventId: 5, workflowExecution: CHILD, workflowType: { name: 'Child' } }),
    );
    expect(run.state.children[5]).toMatchObject({ startedEventId: 6, runId: 'child-run-1' });
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 7 });
  });

  it('while a workflow task runs: buffered, its id fixed when the buffer is flushed after the task', () => {
    const run = parentWithChildAndStartedTask();
    recordChildStarted(run, run.state.children[5]!, CHILD);
    expect(run.newEvents).toEqual([]);
    expect(run.state.bufferedEvents).toHaveLength(1);
    expect(run.state.children[5]!.startedEventId).toBe(-1);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 6, startedEventId: 7 });

    const completing = reopen(run, at(4_000));
    completeTask(completing, []);
    expect(eventNames(completing.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'CHILD_WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(completing.newEvents[1]!.eventId).toBe(9);
    expect(completing.newEvents[1]!.eventTime).toEqual(at(3_000));
    expect(completing.state.children[5]!.startedEventId).toBe(9);
  });

  it('a child that starts and closes while the task runs: both buffered, the closing event wired to the started one at flush', () => {
    const run = parentWithChildAndStartedTask();
    recordChildStarted(run, run.state.children[5]!, CHILD);
    const closing = reopen(run, at(3_500));
    recordChildCompleted(closing, closing.state.children[5]!, CHILD, closingEvent({ workflowExecutionCompletedEventAttributes: { result: payloads('r') } }));
    expect(closing.newEvents).toEqual([]);
    expect(closing.state.children[5]).toBeUndefined();

    const completing = reopen(closing, at(4_000));
    completeTask(completing, []);
    expect(eventNames(completing.newEvents)).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'CHILD_WORKFLOW_EXECUTION_STARTED',
      'CHILD_WORKFLOW_EXECUTION_COMPLETED',
      'WORKFLOW_TASK_SCHEDULED',
    ]);
    expect(completing.newEvents[2]!.childWorkflowExecutionCompletedEventAttributes).toEqual(
      expect.objectContaining({ initiatedEventId: 5, startedEventId: 9, result: payloads('r') }),
    );
  });
});

describe('recordChildStartFailed', () => {
  it('writes StartChildWorkflowExecutionFailed (WORKFLOW_ALREADY_EXISTS) from the initiated event, forgets the child and schedules a task', () => {
    const { run, initiated } = parentWithChild({ control: 'ctl' });
    recordChildStartFailed(run, run.state.children[5]!, initiated);
    expect(eventNames(run.newEvents)).toEqual(['START_CHILD_WORKFLOW_EXECUTION_FAILED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents[0]!.startChildWorkflowExecutionFailedEventAttributes).toEqual({
      namespace: 'default',
      namespaceId: 'ns-1',
      workflowId: 'child-1',
      workflowType: { name: 'Child' },
      cause: StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
      control: 'ctl',
      initiatedEventId: 5,
      workflowTaskCompletedEventId: 4,
    });
    expect(run.state.children).toEqual({});
  });

  it('is buffered while a workflow task runs', () => {
    const run = parentWithChildAndStartedTask();
    recordChildStartFailed(run, run.state.children[5]!, undefined);
    expect(run.newEvents).toEqual([]);
    expect(run.state.bufferedEvents[0]!.startChildWorkflowExecutionFailedEventAttributes).toEqual(
      expect.objectContaining({ initiatedEventId: 5, control: '', workflowTaskCompletedEventId: 0 }),
    );
  });
});

describe('recordChildCompleted', () => {
  it.each([
    [
      'completed',
      { workflowExecutionCompletedEventAttributes: { result: payloads('r') } },
      'CHILD_WORKFLOW_EXECUTION_COMPLETED',
      (e: HistoryEvent) => e.childWorkflowExecutionCompletedEventAttributes,
      { result: payloads('r') },
    ],
    [
      'failed',
      { workflowExecutionFailedEventAttributes: { failure: { message: 'boom' }, retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED } },
      'CHILD_WORKFLOW_EXECUTION_FAILED',
      (e: HistoryEvent) => e.childWorkflowExecutionFailedEventAttributes,
      { failure: expect.objectContaining({ message: 'boom' }), retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED },
    ],
    [
      'canceled',
      { workflowExecutionCanceledEventAttributes: { details: payloads('d') } },
      'CHILD_WORKFLOW_EXECUTION_CANCELED',
      (e: HistoryEvent) => e.childWorkflowExecutionCanceledEventAttributes,
      { details: payloads('d') },
    ],
    [
      'timed out',
      { workflowExecutionTimedOutEventAttributes: { retryState: RetryState.RETRY_STATE_TIMEOUT } },
      'CHILD_WORKFLOW_EXECUTION_TIMED_OUT',
      (e: HistoryEvent) => e.childWorkflowExecutionTimedOutEventAttributes,
      { retryState: RetryState.RETRY_STATE_TIMEOUT },
    ],
    [
      'terminated',
      { workflowExecutionTerminatedEventAttributes: { reason: 'stop' } },
      'CHILD_WORKFLOW_EXECUTION_TERMINATED',
      (e: HistoryEvent) => e.childWorkflowExecutionTerminatedEventAttributes,
      {},
    ],
  ] as const)('a child that %s: the matching Child… event wired to its started event, the child forgotten, a workflow task', (_name, completion, name, attrsOf, specific) => {
    const run = parentWithStartedChildSeen();
    recordChildCompleted(run, run.state.children[5]!, CHILD, closingEvent(completion));
    expect(eventNames(run.newEvents)).toEqual([name, 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents.map((e) => e.eventId)).toEqual([10, 11]);
    expect(attrsOf(run.newEvents[0]!)).toEqual(
      expect.objectContaining({ namespace: 'default', namespaceId: 'ns-1', workflowExecution: CHILD, workflowType: { name: 'Child' }, initiatedEventId: 5, startedEventId: 6, ...specific }),
    );
    expect(run.state.children).toEqual({});
  });

  it('with a workflow task already scheduled the closing event is appended and no other task scheduled', () => {
    const run = parentWithStartedChild();
    recordChildCompleted(run, run.state.children[5]!, CHILD, closingEvent({ workflowExecutionCompletedEventAttributes: {} }));
    expect(eventNames(run.newEvents)).toEqual(['CHILD_WORKFLOW_EXECUTION_COMPLETED']);
    expect(run.transferTasks).toEqual([]);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 7 });
  });

  it('a child that closes before its start was recorded: ChildStarted (first run, the initiated header), the closing event, then the workflow task', () => {
    // As Temporal's recordStartedEventIfMissing: both child events, then the task at the end of the transaction.
    const { run, initiated } = parentWithChild({ header: { fields: { trace: payload('t-1') } } });
    recordChildCompleted(run, run.state.children[5]!, CHILD_LAST_RUN, closingEvent({ workflowExecutionCompletedEventAttributes: { result: payloads('r') } }), {
      initiatedEvent: initiated,
      firstExecutionRunId: CHILD.runId,
    });
    expect(eventNames(run.newEvents)).toEqual(['CHILD_WORKFLOW_EXECUTION_STARTED', 'CHILD_WORKFLOW_EXECUTION_COMPLETED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents[0]!.childWorkflowExecutionStartedEventAttributes).toEqual(
      expect.objectContaining({ initiatedEventId: 5, workflowExecution: CHILD, workflowType: { name: 'Child' }, header: { fields: { trace: payload('t-1') } } }),
    );
    expect(run.newEvents[1]!.childWorkflowExecutionCompletedEventAttributes).toEqual(
      expect.objectContaining({ initiatedEventId: 5, startedEventId: 6, workflowExecution: CHILD_LAST_RUN, result: payloads('r') }),
    );
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 8 });
    expect(run.state.children).toEqual({});
    expect(run.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
  });

  it('a child that closes before its start was recorded, while a workflow task runs: both events buffered, wired when flushed', () => {
    const run = parentWithChildAndStartedTask();
    recordChildCompleted(run, run.state.children[5]!, CHILD, closingEvent({ workflowExecutionCompletedEventAttributes: {} }), { initiatedEvent: undefined, firstExecutionRunId: CHILD.runId });
    expect(run.newEvents).toEqual([]);
    expect(eventNames(run.state.bufferedEvents)).toEqual(['CHILD_WORKFLOW_EXECUTION_STARTED', 'CHILD_WORKFLOW_EXECUTION_COMPLETED']);
    const completing = reopen(run, at(4_000));
    completeTask(completing, []);
    expect(eventNames(completing.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'CHILD_WORKFLOW_EXECUTION_STARTED', 'CHILD_WORKFLOW_EXECUTION_COMPLETED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(completing.newEvents[2]!.childWorkflowExecutionCompletedEventAttributes).toMatchObject({ startedEventId: completing.newEvents[1]!.eventId });
  });
});
