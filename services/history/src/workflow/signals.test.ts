import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import { appendSignal, deliverSignal, MAX_SIGNALS_PER_EXECUTION, requestRunCancellation, type Signal } from './signals';
import { eventNames, reopen, T0 } from '../../test/runFixtures';
import { at, completeTaskAt, newRunAt, payloads, startTaskAt, transferKinds } from '../../test/activityFixtures';

const signal = (fields: Partial<Signal> = {}): Signal => ({ signalName: 'greet', input: payloads('hi'), identity: 'client', requestId: 'sig-1', header: { fields: {} }, ...fields });
const cancel = (requestId = 'cancel-1') => ({ reason: 'no longer needed', identity: 'client', requestId });

/** A run started at T0 whose first task (started at T0+1 s) completed at T0+2 s with no command: idle, next event 5. */
const idleRun = () => completeTaskAt(startTaskAt(newRunAt(T0), at(1)), at(2));
/** A run whose first workflow task is started (event 3) and not completed. */
const runWithTaskInFlight = () => startTaskAt(newRunAt(T0), at(1));

describe('appendSignal', () => {
  it('writes WorkflowExecutionSignaled and schedules a workflow task to deliver it', () => {
    const tx = reopen(idleRun(), at(3));
    appendSignal(tx, signal({ externalWorkflowExecution: { workflowId: 'sender', runId: 'r' } }));
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[0]!.eventId).toBe(5);
    expect(tx.newEvents[0]!.workflowExecutionSignaledEventAttributes).toMatchObject({
      signalName: 'greet',
      input: payloads('hi'),
      identity: 'client',
      header: { fields: {} },
      requestId: 'sig-1',
      externalWorkflowExecution: { workflowId: 'sender', runId: 'r' },
    });
    expect(tx.info.signalCount).toBe(1);
    expect(transferKinds(tx)).toEqual(['WORKFLOW_TASK']);
  });

  it('adds no workflow task when one is already scheduled', () => {
    const tx = reopen(newRunAt(T0), at(1));
    appendSignal(tx, signal());
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED']);
    expect(tx.transferTasks).toEqual([]);
  });

  it('is buffered while a workflow task is started; that task’s completion writes it and schedules the next task', () => {
    const tx = reopen(runWithTaskInFlight(), at(2));
    appendSignal(tx, signal());
    expect(tx.newEvents).toEqual([]);
    expect(tx.transferTasks).toEqual([]);
    expect(eventNames(tx.state.bufferedEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED']);
    const completion = completeTaskAt(tx, at(3));
    expect(eventNames(completion.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(completion.newEvents[1]!.eventId).toBe(5);
    expect(completion.newEvents[1]!.eventTime).toEqual(at(2));
  });

  it('refuses the signal past Temporal’s 10,000 per run (INVALID_ARGUMENT), writing nothing', () => {
    const tx = reopen(idleRun(), at(3));
    tx.info.signalCount = MAX_SIGNALS_PER_EXECUTION - 1;
    appendSignal(tx, signal());
    expect(tx.info.signalCount).toBe(10_000);
    const next = reopen(tx, at(4));
    let error: unknown;
    try {
      appendSignal(next, signal({ requestId: 'sig-2' }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT, message: 'exceeded workflow execution limit for signal events' });
    expect(next.newEvents).toEqual([]);
    expect(next.info.signalCount).toBe(10_000);
  });
});

describe('deliverSignal', () => {
  it('applies a request id once: a retried signal changes nothing', () => {
    const tx = reopen(idleRun(), at(3));
    expect(deliverSignal(tx, signal())).toBe(true);
    const retried = reopen(tx, at(4));
    expect(deliverSignal(retried, signal())).toBe(false);
    expect(retried.newEvents).toEqual([]);
    expect(retried.info.signalCount).toBe(1);
    expect(deliverSignal(retried, signal({ requestId: 'sig-2' }))).toBe(true);
    expect(eventNames(retried.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED']);
  });

  it('never deduplicates signals without a request id', () => {
    const tx = reopen(idleRun(), at(3));
    expect(deliverSignal(tx, signal({ requestId: '' }))).toBe(true);
    expect(deliverSignal(tx, signal({ requestId: '' }))).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_EXECUTION_SIGNALED']);
    expect(tx.state.appliedRequestIds).toEqual([]);
  });
});

describe('requestRunCancellation', () => {
  it('writes WorkflowExecutionCancelRequested and a workflow task, once', () => {
    const tx = reopen(idleRun(), at(3));
    expect(requestRunCancellation(tx, cancel())).toBe(true);
    expect(eventNames(tx.newEvents)).toEqual(['WORKFLOW_EXECUTION_CANCEL_REQUESTED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(tx.newEvents[0]!.workflowExecutionCancelRequestedEventAttributes).toEqual({
      cause: 'no longer needed',
      identity: 'client',
      externalInitiatedEventId: 0,
      externalWorkflowExecution: undefined,
    });
    expect(tx.info.cancelRequested).toBe(true);

    // Asking again (a new request, or the same one retried) changes nothing.
    const again = reopen(tx, at(4));
    expect(requestRunCancellation(again, cancel('cancel-2'))).toBe(false);
    expect(requestRunCancellation(again, cancel())).toBe(false);
    expect(again.newEvents).toEqual([]);
    expect(again.state.appliedRequestIds).toEqual(['cancel-1']);
  });

  it('records the workflow that asked (RequestCancelExternal) and its initiated event', () => {
    const tx = reopen(idleRun(), at(3));
    requestRunCancellation(tx, cancel(), { execution: { workflowId: 'parent', runId: 'p-run' }, initiatedEventId: 7 });
    expect(tx.newEvents[0]!.workflowExecutionCancelRequestedEventAttributes).toMatchObject({
      externalWorkflowExecution: { workflowId: 'parent', runId: 'p-run' },
      externalInitiatedEventId: 7,
    });
  });

  it('is buffered while a workflow task is started', () => {
    const tx = reopen(runWithTaskInFlight(), at(2));
    expect(requestRunCancellation(tx, cancel())).toBe(true);
    expect(tx.newEvents).toEqual([]);
    expect(eventNames(tx.state.bufferedEvents)).toEqual(['WORKFLOW_EXECUTION_CANCEL_REQUESTED']);
    expect(tx.info.cancelRequested).toBe(true);
  });
});
