import { describe, expect, it } from 'vitest';
import { CancelExternalWorkflowExecutionFailedCause, SignalExternalWorkflowExecutionFailedCause } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import { eventNames, reopen, runWithStartedWorkflowTask } from '../../test/runFixtures';
import { commands, completeTask, payload, payloads, pollTask } from '../../test/workflowTaskFixtures';
import { recordExternalDelivered, recordExternalFailed } from './external';
import type { RunTransaction } from './runTransaction';
import { scheduleWorkflowTask } from './workflowTasks';
import { TransferTask, TransferTaskKind } from './protos';

const AT = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(AT.getTime() + ms);
const OTHER_RUN = '0190f3a1-1111-7abc-8def-123456789abc';
const OTHER = { workflowId: 'other', runId: OTHER_RUN };

/** The first task completes at AT with a signal (event 5) and a cancel request (event 6) for another run. */
function initiateBoth(): RunTransaction {
  const run = reopen(runWithStartedWorkflowTask(), AT);
  completeTask(run, [
    commands.signalExternal('other', 'ping', { execution: OTHER, input: payloads('hi'), control: 'sig-ctl', header: { fields: { h: payload(1) } } }),
    commands.cancelExternal('other', { runId: OTHER_RUN, control: 'cancel-ctl', reason: 'done with it', childWorkflowOnly: true }),
  ]);
  return run;
}

/** The same run, next transaction (AT+1s), no workflow task pending. */
function idle(): RunTransaction {
  return reopen(initiateBoth(), at(1_000));
}

/** The same run with its next workflow task (7, 8) started, at AT+3s. */
function withStartedTask(): RunTransaction {
  const run = idle();
  scheduleWorkflowTask(run);
  const polled = reopen(run, at(2_000));
  pollTask(polled);
  return reopen(polled, at(3_000));
}

describe('initiating external requests', () => {
  it('SignalExternalWorkflowExecutionInitiated, the pending request and an EXTERNAL_REQUEST task', () => {
    const run = initiateBoth();
    expect(eventNames(run.newEvents)).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
      'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
    ]);
    expect(run.newEvents[1]!.signalExternalWorkflowExecutionInitiatedEventAttributes).toEqual(
      expect.objectContaining({
        workflowTaskCompletedEventId: 4,
        namespace: 'default',
        namespaceId: 'ns-1',
        workflowExecution: OTHER,
        signalName: 'ping',
        input: payloads('hi'),
        control: 'sig-ctl',
        header: { fields: { h: payload(1) } },
      }),
    );
    expect(run.state.externalRequests[5]).toMatchObject({ initiatedEventId: 5, cancel: false, namespace: 'default', namespaceId: 'ns-1', execution: OTHER, control: 'sig-ctl' });
    expect(run.state.externalRequests[5]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const base = { kind: TransferTaskKind.TRANSFER_TASK_KIND_EXTERNAL_REQUEST, namespaceId: 'ns-1', workflowId: 'wf-1', runId: 'run-1' };
    expect(run.transferTasks).toEqual([TransferTask.fromPartial({ ...base, scheduledEventId: 5 }), TransferTask.fromPartial({ ...base, scheduledEventId: 6 })]);
  });

  it('RequestCancelExternalWorkflowExecutionInitiated, and a pending request marked as a cancellation', () => {
    const run = initiateBoth();
    expect(run.newEvents[2]!.requestCancelExternalWorkflowExecutionInitiatedEventAttributes).toEqual(
      expect.objectContaining({
        workflowTaskCompletedEventId: 4,
        namespace: 'default',
        namespaceId: 'ns-1',
        workflowExecution: OTHER,
        control: 'cancel-ctl',
        childWorkflowOnly: true,
        reason: 'done with it',
      }),
    );
    expect(run.state.externalRequests[6]).toMatchObject({ initiatedEventId: 6, cancel: true, execution: OTHER, control: 'cancel-ctl' });
    expect(run.state.externalRequests[6]!.requestId).not.toBe(run.state.externalRequests[5]!.requestId);
  });
});

describe('outcomes of external requests', () => {
  it('a delivered signal: ExternalWorkflowExecutionSignaled with its control, the request forgotten, a workflow task', () => {
    const run = idle();
    recordExternalDelivered(run, run.state.externalRequests[5]!);
    expect(eventNames(run.newEvents)).toEqual(['EXTERNAL_WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents[0]!.externalWorkflowExecutionSignaledEventAttributes).toEqual({
      initiatedEventId: 5,
      namespace: 'default',
      namespaceId: 'ns-1',
      workflowExecution: OTHER,
      control: 'sig-ctl',
    });
    expect(Object.keys(run.state.externalRequests)).toEqual(['6']);
    expect(run.transferTasks).toEqual([expect.objectContaining({ kind: TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK, scheduledEventId: 8 })]);
  });

  it('a delivered cancellation: ExternalWorkflowExecutionCancelRequested', () => {
    const run = idle();
    recordExternalDelivered(run, run.state.externalRequests[6]!);
    expect(eventNames(run.newEvents)).toEqual(['EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents[0]!.externalWorkflowExecutionCancelRequestedEventAttributes).toEqual({
      initiatedEventId: 6,
      namespace: 'default',
      namespaceId: 'ns-1',
      workflowExecution: OTHER,
    });
    expect(Object.keys(run.state.externalRequests)).toEqual(['5']);
  });

  it('a run not found: the Failed events (EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND), with no workflow task completed id', () => {
    const run = idle();
    recordExternalFailed(run, run.state.externalRequests[5]!);
    recordExternalFailed(run, run.state.externalRequests[6]!);
    expect(eventNames(run.newEvents)).toEqual([
      'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED',
      'WORKFLOW_TASK_SCHEDULED',
      'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED',
    ]);
    expect(run.newEvents[0]!.signalExternalWorkflowExecutionFailedEventAttributes).toEqual(
      expect.objectContaining({
        cause: SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
        initiatedEventId: 5,
        workflowExecution: OTHER,
        namespace: 'default',
        namespaceId: 'ns-1',
        control: 'sig-ctl',
        workflowTaskCompletedEventId: 0,
      }),
    );
    expect(run.newEvents[2]!.requestCancelExternalWorkflowExecutionFailedEventAttributes).toEqual(
      expect.objectContaining({
        cause: CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND,
        initiatedEventId: 6,
        control: 'cancel-ctl',
        workflowTaskCompletedEventId: 0,
      }),
    );
    expect(run.state.externalRequests).toEqual({});
    expect(run.transferTasks).toHaveLength(1);
  });

  it('outcomes are buffered while a workflow task runs', () => {
    const run = withStartedTask();
    recordExternalDelivered(run, run.state.externalRequests[5]!);
    recordExternalFailed(run, run.state.externalRequests[6]!);
    expect(run.newEvents).toEqual([]);
    expect(run.state.bufferedEvents.map((e) => e.eventId)).toEqual([0, 0]);
    expect(run.transferTasks).toEqual([]);
    const completing = reopen(run, at(4_000));
    completeTask(completing, []);
    expect(eventNames(completing.newEvents)).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'EXTERNAL_WORKFLOW_EXECUTION_SIGNALED',
      'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED',
      'WORKFLOW_TASK_SCHEDULED',
    ]);
    expect(completing.newEvents.map((e) => e.eventId)).toEqual([9, 10, 11, 12]);
  });
});
