import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import { DEFAULT_LIMITS, type Limits } from '@kairos/domain';
import type { SearchAttributes } from '@kairos/proto/temporal/api/common/v1/message';
import { eventNames, reopen, runWithStartedWorkflowTask } from '../../test/runFixtures';
import { commands, completion, payload, payloads, payloadsOfSize, pollTask, runAfterFirstCompletion } from '../../test/workflowTaskFixtures';
import { applyCommands, commandsSetSearchAttributes, type SearchAttributesCheck } from './commands';
import type { RunTransaction } from './runTransaction';
import { appendSignal } from './signals';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';
import { scheduleWorkflowTask } from './workflowTasks';
import {
  Command,
  CommandType,
  RetryState,
  TimerTaskKind,
  TransferTaskKind,
  WorkflowExecutionStatus,
  WorkflowTaskFailedCause,
} from './protos';

const AT = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(AT.getTime() + ms);
const Cause = WorkflowTaskFailedCause;

type CompletionFields = Parameters<typeof completion>[1];

/** Applies `commandList` as the started task's completion (what completeWorkflowTask does before the sticky queue and the next task). */
function apply(run: RunTransaction, commandList: Command[], overrides: CompletionFields = {}, check?: SearchAttributesCheck) {
  return applyCommands(run, run.state.workflowTask!, completion(commandList, overrides), run.state.bufferedEvents.length > 0, { checkSearchAttributes: check });
}

/** A new run whose first task (events 2, 3) is started, at AT. */
function started(limits: Limits = DEFAULT_LIMITS, startOverrides = {}): RunTransaction {
  return reopen(runWithStartedWorkflowTask(startOverrides), AT, limits);
}

/** A run whose first task completed with `first` (events 4…), whose next task is started at AT. */
function startedAfter(first: Command[]): RunTransaction {
  const run = reopen(runAfterFirstCompletion(first), at(-2_000));
  scheduleWorkflowTask(run);
  const polled = reopen(run, at(-1_000));
  pollTask(polled);
  return reopen(polled, AT);
}

/** The ApiError `fn` throws (answered to the worker as is, nothing written). */
function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the completion to be answered with an error');
}

/** The rejection `fn` throws. */
function rejection(fn: () => unknown): WorkflowTaskCompletionRejected {
  try {
    fn();
  } catch (err) {
    if (err instanceof WorkflowTaskCompletionRejected) return err;
    throw err;
  }
  throw new Error('expected the completion to be refused');
}

describe('applyCommands: order and refusals of the whole completion', () => {
  it('writes WorkflowTaskCompleted first, then one event per command in command order, each pointing at it', () => {
    const run = started();
    apply(run, [commands.startTimer('t1'), commands.recordMarker('m'), commands.startTimer('t2')], {
      binaryChecksum: 'bin-1',
      sdkMetadata: { langUsedFlags: [3] },
      meteringMetadata: { nonfirstLocalActivityExecutionAttempts: 2 },
      deploymentOptions: { deploymentName: 'dep' },
    });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_STARTED', 'MARKER_RECORDED', 'TIMER_STARTED']);
    expect(run.newEvents.map((e) => e.eventId)).toEqual([4, 5, 6, 7]);
    expect(run.newEvents[0]!.workflowTaskCompletedEventAttributes).toEqual(
      expect.objectContaining({
        scheduledEventId: 2,
        startedEventId: 3,
        identity: 'worker',
        binaryChecksum: 'bin-1',
        sdkMetadata: expect.objectContaining({ langUsedFlags: [3] }),
        meteringMetadata: { nonfirstLocalActivityExecutionAttempts: 2 },
        workerDeploymentName: 'dep',
      }),
    );
    expect(run.newEvents[1]!.timerStartedEventAttributes).toEqual(expect.objectContaining({ timerId: 't1', workflowTaskCompletedEventId: 4 }));
    expect(run.newEvents[2]!.markerRecordedEventAttributes).toEqual(expect.objectContaining({ markerName: 'm', workflowTaskCompletedEventId: 4 }));
    expect(run.newEvents[3]!.timerStartedEventAttributes?.timerId).toBe('t2');
    expect(run.state.workflowTask).toBeUndefined();
    expect(run.info.lastCompletedWorkflowTaskStartedEventId).toBe(3);
  });

  it('a closing command that is not last is answered INVALID_ARGUMENT naming the sequence; nothing is written', () => {
    // Temporal's ValidateCommandSequence: its error is answered as is, no WorkflowTaskFailed.
    const run = started();
    const thrown = apiError(() => apply(run, [commands.complete(), commands.startTimer('t1')]));
    expect(thrown.code).toBe(Status.INVALID_ARGUMENT);
    expect(thrown.message).toBe('invalid command sequence: [CompleteWorkflowExecution, StartTimer], command CompleteWorkflowExecution must be the last command.');
    expect(run.newEvents).toEqual([]);
    expect(run.state.workflowTask).toMatchObject({ startedEventId: 3 });

    const continued = apiError(() => apply(started(), [commands.startTimer('t1'), commands.continueAsNew(), commands.cancel()]));
    expect(continued.message).toBe(
      'invalid command sequence: [StartTimer, ContinueAsNewWorkflowExecution, CancelWorkflowExecution], command ContinueAsNewWorkflowExecution must be the last command.',
    );
  });

  it('checks the sequence before the buffered events: a closing command not last is INVALID_ARGUMENT, not UNHANDLED_COMMAND', () => {
    const run = started();
    appendSignal(run, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    const thrown = apiError(() => apply(run, [commands.fail(), commands.recordMarker('m')]));
    expect(thrown.message).toBe('invalid command sequence: [FailWorkflowExecution, RecordMarker], command FailWorkflowExecution must be the last command.');
  });

  it('a command of no known type is answered INVALID_ARGUMENT "unknown command type"', () => {
    const unspecified = apiError(() => apply(started(), [commands.startTimer('t1'), Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_UNSPECIFIED })]));
    expect(unspecified.code).toBe(Status.INVALID_ARGUMENT);
    expect(unspecified.message).toBe('unknown command type: Unspecified');
    expect(apiError(() => apply(started(), [Command.fromPartial({ commandType: 99 as CommandType })])).message).toBe('unknown command type: 99');
  });

  it.each([
    ['complete', commands.complete()],
    ['fail', commands.fail()],
    ['cancel', commands.cancel()],
    ['continue-as-new', commands.continueAsNew()],
  ])('a closing command (%s) while events are buffered fails the task with UNHANDLED_COMMAND', (_name, closing) => {
    const run = started();
    appendSignal(run, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    const refused = rejection(() => apply(run, [commands.startTimer('t1'), closing]));
    expect(refused.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND);
    expect(refused.message).toBe('UnhandledCommand');
    expect(run.isOpen).toBe(true);
  });

  it('with events buffered, a bad command before the closing one fails the task with its own cause (Temporal checks in command order)', () => {
    const run = started();
    appendSignal(run, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    const refused = rejection(() => apply(run, [commands.startTimer(''), commands.complete()]));
    expect(refused.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES);
  });

  it('other commands with buffered events are applied (the events follow in the next task)', () => {
    const run = started();
    appendSignal(run, { signalName: 'go', identity: 'client', requestId: 'sig-1' });
    apply(run, [commands.startTimer('t1')]);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_STARTED']);
    expect(run.state.bufferedEvents).toHaveLength(1);
  });

  it('an unsupported command is answered UNIMPLEMENTED', () => {
    const run = started();
    const nexus = Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION, scheduleNexusOperationCommandAttributes: { endpoint: 'e', service: 's', operation: 'o' } });
    let thrown: unknown;
    try {
      apply(run, [nexus]);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect((thrown as ApiError).code).toBe(Status.UNIMPLEMENTED);
    expect((thrown as ApiError).message).toBe('Kairos does not support command COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION yet');
  });

  it('a PROTOCOL_MESSAGE command without the completion’s messages fails the task', () => {
    const refused = rejection(() => apply(started(), [commands.protocolMessage('u1/accept')]));
    expect(refused.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE);
    expect(refused.message).toBe('BadUpdateWorkflowExecutionMessage: ProtocolMessageCommand referenced absent message ID u1/accept');
  });

  it('copies the command’s user metadata and event group markers onto the event it writes', () => {
    const run = started();
    const timer = Command.fromPartial({
      ...commands.startTimer('t1'),
      userMetadata: { summary: payload('wait a bit') },
      eventGroupMarkers: [{ label: { id: 'g1', label: payload('group') } }],
    });
    apply(run, [timer, commands.startTimer('t2')]);
    expect(run.newEvents[1]!.userMetadata?.summary).toEqual(payload('wait a bit'));
    expect(run.newEvents[1]!.eventGroupMarkers).toEqual([expect.objectContaining({ label: expect.objectContaining({ id: 'g1' }) })]);
    expect(run.newEvents[2]!.userMetadata).toBeUndefined();
    expect(run.newEvents[2]!.eventGroupMarkers).toEqual([]);
    expect(run.newEvents[0]!.userMetadata).toBeUndefined();
  });
});

describe('applyCommands: each command', () => {
  it('ScheduleActivityTask: ActivityTaskScheduled, the pending activity and its transfer task', () => {
    const run = started();
    const eager = apply(run, [commands.scheduleActivity('a1')]);
    expect(eager).toEqual([]);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_SCHEDULED']);
    expect(run.newEvents[1]!.activityTaskScheduledEventAttributes).toEqual(
      expect.objectContaining({ activityId: 'a1', workflowTaskCompletedEventId: 4, taskQueue: expect.objectContaining({ name: 'tq' }) }),
    );
    expect(run.state.activities[5]).toMatchObject({ activityId: 'a1', attempt: 1, started: false });
    expect(run.transferTasks).toEqual([expect.objectContaining({ kind: TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK, scheduledEventId: 5 })]);
  });

  it('ScheduleActivityTask with bad attributes fails the task with the activity’s cause', () => {
    const refused = rejection(() => apply(started(), [commands.scheduleActivity('')]));
    expect(refused.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES);
    expect(refused.message).toBe('BadScheduleActivityAttributes: activityId is not set');
    const duplicate = rejection(() => apply(started(), [commands.scheduleActivity('a1'), commands.scheduleActivity('a1')]));
    expect(duplicate.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID);
  });

  it('RequestCancelActivityTask: ActivityTaskCancelRequested, and for one never started a buffered Canceled; an unknown one fails the task', () => {
    const run = startedAfter([commands.scheduleActivity('a1')]);
    apply(run, [commands.requestCancelActivity(5)]);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED']);
    const completedId = run.newEvents[0]!.eventId;
    expect(run.newEvents[1]!.activityTaskCancelRequestedEventAttributes).toEqual({ scheduledEventId: 5, workflowTaskCompletedEventId: completedId });
    // Written when completeWorkflowTask flushes the buffer, before the next WorkflowTaskScheduled.
    expect(eventNames(run.state.bufferedEvents)).toEqual(['ACTIVITY_TASK_CANCELED']);
    expect(run.state.bufferedEvents[0]!.activityTaskCanceledEventAttributes).toEqual(
      expect.objectContaining({ scheduledEventId: 5, startedEventId: 0, latestCancelRequestedEventId: run.newEvents[1]!.eventId, identity: 'worker' }),
    );
    expect(run.state.activities[5]).toBeUndefined();
    expect(run.state.workflowTask).toBeUndefined();

    const unknown = rejection(() => apply(started(), [commands.requestCancelActivity(42)]));
    expect(unknown.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES);
  });

  it('cancelling a never-started activity schedules no workflow task among the commands; a closing command drops its Canceled event', () => {
    // As Temporal: the Canceled event is buffered (its history builder buffers every event a
    // command does not write itself) and is dropped once the workflow has finished.
    const run = startedAfter([commands.scheduleActivity('a1')]);
    apply(run, [commands.requestCancelActivity(5), commands.startTimer('t1')]);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED', 'TIMER_STARTED']);
    expect(eventNames(run.state.bufferedEvents)).toEqual(['ACTIVITY_TASK_CANCELED']);
    expect(run.state.workflowTask).toBeUndefined();

    const closing = startedAfter([commands.scheduleActivity('a1')]);
    apply(closing, [commands.requestCancelActivity(5), commands.complete()]);
    expect(eventNames(closing.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_CANCEL_REQUESTED', 'WORKFLOW_EXECUTION_COMPLETED']);
    expect(closing.isOpen).toBe(false);
    expect(closing.state.bufferedEvents).toEqual([]);
    expect(closing.state.activities).toEqual({});
    expect(closing.state.workflowTask).toBeUndefined();
  });

  it('StartTimer and CancelTimer: TimerStarted with its timer task; TimerCanceled naming the started event', () => {
    const run = started();
    apply(run, [commands.startTimer('t1', 30)]);
    expect(run.newEvents[1]!.timerStartedEventAttributes).toEqual({ timerId: 't1', startToFireTimeout: { seconds: 30, nanos: 0 }, workflowTaskCompletedEventId: 4 });
    expect(run.state.timers.t1).toMatchObject({ startedEventId: 5, expiryTime: at(30_000) });
    expect(run.timerTasks).toEqual([expect.objectContaining({ kind: TimerTaskKind.TIMER_TASK_KIND_USER_TIMER, fireTime: at(30_000), eventId: 5, timerId: 't1' })]);

    const cancelling = startedAfter([commands.startTimer('t1', 30)]);
    apply(cancelling, [commands.cancelTimer('t1')]);
    expect(eventNames(cancelling.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_CANCELED']);
    expect(cancelling.newEvents[1]!.timerCanceledEventAttributes).toEqual({
      timerId: 't1',
      startedEventId: 5,
      workflowTaskCompletedEventId: cancelling.newEvents[0]!.eventId,
      identity: 'worker',
    });
    expect(cancelling.state.timers.t1).toBeUndefined();
  });

  it('RecordMarker: MarkerRecorded with the details, header and failure', () => {
    const run = started();
    const marker = Command.fromPartial({
      commandType: CommandType.COMMAND_TYPE_RECORD_MARKER,
      recordMarkerCommandAttributes: { markerName: 'LocalActivity', details: { data: payloads(1) }, header: { fields: { h: payload('v') } }, failure: { message: 'la failed' } },
    });
    apply(run, [marker]);
    expect(run.newEvents[1]!.markerRecordedEventAttributes).toEqual(
      expect.objectContaining({
        markerName: 'LocalActivity',
        details: { data: payloads(1) },
        workflowTaskCompletedEventId: 4,
        header: { fields: { h: payload('v') } },
        failure: expect.objectContaining({ message: 'la failed' }),
      }),
    );
  });

  it('UpsertWorkflowSearchAttributes: the event, the run’s attributes merged (a null value removes one), visibility changed', () => {
    const run = started(DEFAULT_LIMITS, { searchAttributes: { indexedFields: { A: payload(1), B: payload('b') } } });
    const seen: Array<SearchAttributes | undefined> = [];
    const check: SearchAttributesCheck = (sa) => {
      seen.push(sa);
      return undefined;
    };
    apply(run, [commands.upsertSearchAttributes({ A: payload(null), C: payload(true) })], {}, check);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES']);
    expect(run.newEvents[1]!.upsertWorkflowSearchAttributesEventAttributes).toEqual({
      workflowTaskCompletedEventId: 4,
      searchAttributes: { indexedFields: { A: payload(null), C: payload(true) } },
    });
    expect(run.info.searchAttributes).toEqual({ indexedFields: { B: payload('b'), C: payload(true) } });
    expect(run.visibilityChanged).toBe(true);
    expect(seen).toEqual([{ indexedFields: { A: payload(null), C: payload(true) } }]);
  });

  it('UpsertWorkflowSearchAttributes refused: none set, none indexed, or the check’s problem (BAD_SEARCH_ATTRIBUTES)', () => {
    const unset = Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, upsertWorkflowSearchAttributesCommandAttributes: {} });
    expect(rejection(() => apply(started(), [unset])).message).toBe('BadSearchAttributes: SearchAttributes is not set on UpsertWorkflowSearchAttributesCommand.');
    expect(rejection(() => apply(started(), [commands.upsertSearchAttributes({})])).message).toBe('BadSearchAttributes: IndexedFields is not set on UpsertWorkflowSearchAttributesCommand.');
    const run = started();
    const refused = rejection(() => apply(run, [commands.upsertSearchAttributes({ Nope: payload(1) })], {}, () => ({ message: 'search attribute Nope is not defined', unmapped: true })));
    expect(refused.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES);
    expect(refused.message).toBe('BadSearchAttributes: search attribute Nope is not defined');
    expect(run.visibilityChanged).toBe(false);
  });

  it('ModifyWorkflowProperties: WorkflowPropertiesModified and the memo merged', () => {
    const run = started(DEFAULT_LIMITS, { memo: { fields: { keep: payload(1), drop: payload(2) } } });
    apply(run, [commands.modifyProperties({ drop: payload(null), added: payload('x') })]);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_PROPERTIES_MODIFIED']);
    expect(run.newEvents[1]!.workflowPropertiesModifiedEventAttributes).toEqual({
      workflowTaskCompletedEventId: 4,
      upsertedMemo: { fields: { drop: payload(null), added: payload('x') } },
    });
    expect(run.info.memo).toEqual({ fields: { keep: payload(1), added: payload('x') } });
    expect(run.visibilityChanged).toBe(true);
  });

  it('CompleteWorkflowExecution: WorkflowExecutionCompleted closes the run', () => {
    const run = started();
    apply(run, [commands.complete(payloads('done'))]);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_COMPLETED']);
    expect(run.newEvents[1]!.workflowExecutionCompletedEventAttributes).toEqual(
      expect.objectContaining({ result: payloads('done'), workflowTaskCompletedEventId: 4, newExecutionRunId: '' }),
    );
    expect(run.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    expect(run.info.completionEventId).toBe(5);
    expect(run.closed).toBe(true);
  });

  it('FailWorkflowExecution: WorkflowExecutionFailed (no retry policy) closes the run', () => {
    const run = started();
    apply(run, [commands.fail('boom')]);
    expect(run.newEvents[1]!.workflowExecutionFailedEventAttributes).toEqual(
      expect.objectContaining({ failure: expect.objectContaining({ message: 'boom' }), retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET, workflowTaskCompletedEventId: 4 }),
    );
    expect(run.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED);
    expect(run.continuedRun).toBeUndefined();
  });

  it('CancelWorkflowExecution: WorkflowExecutionCanceled closes the run', () => {
    const run = started();
    apply(run, [commands.cancel(payloads('bye'))]);
    expect(run.newEvents[1]!.workflowExecutionCanceledEventAttributes).toEqual({ details: payloads('bye'), workflowTaskCompletedEventId: 4 });
    expect(run.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
  });

  it('a child, signal or cancellation aimed at another namespace is refused before its ids are looked at, as Temporal by default', () => {
    const namespace = { name: 'default', exists: (name: string) => name === 'other' };
    const cases: Array<[Command, WorkflowTaskFailedCause]> = [
      [commands.startChild('', { namespace: 'other' }), Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES],
      [commands.signalExternal('', 'sig', { namespace: 'other' }), Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES],
      [commands.cancelExternal('', { namespace: 'other' }), Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES],
    ];
    for (const [command, cause] of cases) {
      const run = started();
      const refused = rejection(() => applyCommands(run, run.state.workflowTask!, completion([command]), false, { namespace }));
      expect(refused.failedCause).toBe(cause);
      expect(refused.detail).toBe('cross namespace commands are not allowed');
    }
    // A namespace that does not exist is NOT_FOUND, as Temporal's lookup answers, and fails nothing.
    const missing = started();
    const notFound = apiError(() => applyCommands(missing, missing.state.workflowTask!, completion([commands.signalExternal('wf', 'sig', { namespace: 'nowhere' })]), false, { namespace }));
    expect(notFound.code).toBe(Status.NOT_FOUND);
    expect(notFound.message).toBe('Namespace nowhere is not found.');
    // The run's own namespace, or none, is fine.
    const own = started();
    applyCommands(own, own.state.workflowTask!, completion([commands.signalExternal('wf', 'sig'), commands.cancelExternal('wf', { namespace: '' })]), false, { namespace });
    expect(eventNames(own.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED', 'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED']);
  });

  it('StartChildWorkflowExecution: the Initiated event; missing ids are refused', () => {
    const run = started();
    apply(run, [commands.startChild('child-1')]);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'START_CHILD_WORKFLOW_EXECUTION_INITIATED']);
    expect(run.state.children[5]).toMatchObject({ workflowId: 'child-1' });

    const noId = rejection(() => apply(started(), [commands.startChild('')]));
    expect(noId.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES);
    expect(noId.message).toBe('BadStartChildExecutionAttributes: Required field WorkflowId is not set on StartChildWorkflowExecutionCommand. WorkflowType=Child Namespace=default');
    const noType = rejection(() => apply(started(), [commands.startChild('child-1', { workflowType: { name: '' } })]));
    expect(noType.message).toBe('BadStartChildExecutionAttributes: Required field WorkflowType is not set on StartChildWorkflowExecutionCommand. WorkflowId=child-1 Namespace=default');
  });

  it('SignalExternalWorkflowExecution and RequestCancelExternalWorkflowExecution: Initiated events; missing ids are refused', () => {
    const run = started();
    apply(run, [commands.signalExternal('other', 'ping'), commands.cancelExternal('other')]);
    expect(eventNames(run.newEvents)).toEqual([
      'WORKFLOW_TASK_COMPLETED',
      'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
      'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
    ]);
    expect(Object.keys(run.state.externalRequests)).toEqual(['5', '6']);

    const noTarget = rejection(() => apply(started(), [commands.signalExternal('', 'ping')]));
    expect(noTarget.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES);
    expect(noTarget.message).toBe('BadSignalWorkflowExecutionAttributes: WorkflowId is not set on SignalExternalWorkflowExecutionCommand. Namespace=default RunId= SignalName=ping');
    expect(rejection(() => apply(started(), [commands.signalExternal('other', '')])).message).toBe(
      'BadSignalWorkflowExecutionAttributes: SignalName is not set on SignalExternalWorkflowExecutionCommand. WorkflowId=other Namespace=default RunId=',
    );
    const noCancelTarget = rejection(() => apply(started(), [commands.cancelExternal('')]));
    expect(noCancelTarget.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES);
    expect(noCancelTarget.message).toBe('BadRequestCancelExternalWorkflowExecutionAttributes: WorkflowId is not set on RequestCancelExternalWorkflowExecutionCommand. Namespace=default RunId=');
  });

  it('ContinueAsNewWorkflowExecution: WorkflowExecutionContinuedAsNew naming its successor, written with it', () => {
    const run = started();
    apply(run, [commands.continueAsNew({ input: payloads(2) })]);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_CONTINUED_AS_NEW']);
    const next = run.continuedRun!;
    expect(next).toBeDefined();
    expect(run.newEvents[1]!.workflowExecutionContinuedAsNewEventAttributes).toEqual(
      expect.objectContaining({ newExecutionRunId: next.info.runId, workflowType: { name: 'Example' }, workflowTaskCompletedEventId: 4, input: payloads(2) }),
    );
    expect(run.info.status).toBe(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW);
    expect(next.newEvents[0]!.workflowExecutionStartedEventAttributes).toEqual(
      expect.objectContaining({ continuedExecutionRunId: 'run-1', firstExecutionRunId: 'run-1', input: payloads(2) }),
    );
  });

  it('ContinueAsNewWorkflowExecution with search attributes the namespace refuses fails the task with Temporal’s message', () => {
    const seen: Array<SearchAttributes | undefined> = [];
    const refused = rejection(() =>
      apply(started(), [commands.continueAsNew({ workflowType: { name: 'Next' }, searchAttributes: { indexedFields: { Nope: payload(1) } } })], {}, (sa) => {
        seen.push(sa);
        return { message: 'invalid value for search attribute Nope of type Int: bad', unmapped: false };
      }),
    );
    expect(refused.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES);
    expect(refused.message).toBe(
      'BadSearchAttributes: invalid SearchAttributes on ContinueAsNewWorkflowExecutionCommand: invalid value for search attribute Nope of type Int: bad. WorkflowType=Next TaskQueue=name:"tq"  kind:TASK_QUEUE_KIND_NORMAL',
    );
    expect(seen).toEqual([{ indexedFields: { Nope: payload(1) } }]);
    // A name the namespace does not know is reported as the alias mapper words it, before the rest.
    const unmapped = rejection(() =>
      apply(started(), [commands.continueAsNew({ workflowRunTimeout: { seconds: -1 }, searchAttributes: { indexedFields: { Nope: payload(1) } } })], {}, () => ({
        message: 'Namespace default has no mapping defined for search attribute Nope',
        unmapped: true,
      })),
    );
    expect(unmapped.message).toBe('BadSearchAttributes: Namespace default has no mapping defined for search attribute Nope');
  });

  it('commandsSetSearchAttributes: upserts, and children and continue-as-new with attributes', () => {
    expect(commandsSetSearchAttributes(completion([commands.startChild('c', { searchAttributes: { indexedFields: { A: payload(1) } } })]))).toBe(true);
    expect(commandsSetSearchAttributes(completion([commands.startTimer('t1')]))).toBe(false);
    expect(commandsSetSearchAttributes(completion([commands.upsertSearchAttributes({ A: payload(1) })]))).toBe(true);
    expect(commandsSetSearchAttributes(completion([commands.continueAsNew()]))).toBe(false);
    expect(commandsSetSearchAttributes(completion([commands.continueAsNew({ searchAttributes: { indexedFields: { A: payload(1) } } })]))).toBe(true);
  });
});

describe('applyCommands: limits', () => {
  const limits = { ...DEFAULT_LIMITS, blobSizeLimitError: 1_000, blobSizeLimitWarn: 100 };

  it.each([
    ['ScheduleActivityTaskCommandAttributes.Input', Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, (p: ReturnType<typeof payloadsOfSize>) => commands.scheduleActivity('a1', { input: p })],
    ['RecordMarkerCommandAttributes.Details', Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES, (p: ReturnType<typeof payloadsOfSize>) => commands.recordMarker('m', { data: p })],
    // (Temporal reports this one with the schedule-activity cause.)
    ['CompleteWorkflowExecutionCommandAttributes.Result', Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, (p: ReturnType<typeof payloadsOfSize>) => commands.complete(p)],
    ['StartChildWorkflowExecutionCommandAttributes. Input', Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES, (p: ReturnType<typeof payloadsOfSize>) => commands.startChild('c', { input: p })],
    ['SignalExternalWorkflowExecutionCommandAttributes.Input', Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES, (p: ReturnType<typeof payloadsOfSize>) => commands.signalExternal('o', 's', { input: p })],
    ['ContinueAsNewWorkflowExecutionCommandAttributes. Input', Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES, (p: ReturnType<typeof payloadsOfSize>) => commands.continueAsNew({ input: p })],
  ])('a payload past the error limit (%s) fails the task and terminates the run', (what, cause, make) => {
    const refused = rejection(() => apply(started(limits), [make(payloadsOfSize(2_000))]));
    expect(refused.failedCause).toBe(cause);
    expect(refused.terminatesWorkflow).toBe(true);
    expect(refused.detail).toBe(`${what} exceeds size limit.`);
  });

  it('a failure past the error limit fails the task with BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES and terminates the run', () => {
    const big = Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, failWorkflowExecutionCommandAttributes: { failure: { message: 'x'.repeat(2_000) } } });
    const refused = rejection(() => apply(started(limits), [big]));
    expect(refused.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES);
    expect(refused.terminatesWorkflow).toBe(true);
    expect(refused.detail).toBe('FailWorkflowExecutionCommandAttributes.Failure exceeds size limit.');
  });

  it('a payload past the warn limit is applied and noted in the transaction’s warnings', () => {
    const run = started(limits);
    apply(run, [commands.scheduleActivity('a1', { input: payloadsOfSize(500) })]);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_COMPLETED', 'ACTIVITY_TASK_SCHEDULED']);
    expect(run.warnings).toEqual([
      { message: 'payload size exceeds warn limit', fields: { what: 'ScheduleActivityTaskCommandAttributes.Input', size: expect.any(Number), warnLimit: 100 } },
    ]);
    expect(run.warnings[0]!.fields.size).toBeGreaterThan(500);
    const small = started(limits);
    apply(small, [commands.scheduleActivity('a1', { input: payloadsOfSize(10) })]);
    expect(small.warnings).toEqual([]);
  });

  it('refuses an activity past the pending-activities limit', () => {
    const refused = rejection(() => apply(started({ ...DEFAULT_LIMITS, pendingActivitiesLimit: 1 }), [commands.scheduleActivity('a1'), commands.scheduleActivity('a2')]));
    expect(refused.failedCause).toBe(Cause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_ACTIVITIES_LIMIT_EXCEEDED);
    expect(refused.message).toBe('PendingActivitiesLimitExceeded: the number of pending activities, 1, has reached the per-workflow limit of 1');
    expect(refused.terminatesWorkflow).toBe(false);
  });
});

describe('auto-reset points', () => {
  it('the first completion of a build id adds a point (expiring with the namespace retention); later ones of that build do not', () => {
    const run = started();
    apply(run, [], { workerVersionStamp: { buildId: 'b1', useVersioning: false } });
    expect(run.info.autoResetPoints?.points).toEqual([
      { buildId: 'b1', binaryChecksum: '', runId: 'run-1', firstWorkflowTaskCompletedId: 4, createTime: AT, expireTime: at(24 * 3600_000), resettable: true },
    ]);
    const again = startedAfter([]);
    again.info.autoResetPoints = run.info.autoResetPoints;
    apply(again, [], { workerVersionStamp: { buildId: 'b1', useVersioning: false } });
    expect(again.info.autoResetPoints?.points).toHaveLength(1);
  });

  it('a point per pair of binary checksum and build id: either, both, or neither (as the Temporal server)', () => {
    const run = started();
    apply(run, [], { binaryChecksum: 'sum-1' });
    expect(run.info.autoResetPoints?.points).toEqual([expect.objectContaining({ binaryChecksum: 'sum-1', buildId: '', firstWorkflowTaskCompletedId: 4 })]);
    const both = started();
    apply(both, [], { binaryChecksum: 'sum-1', workerVersionStamp: { buildId: 'b1', useVersioning: false } });
    expect(both.info.autoResetPoints?.points).toEqual([expect.objectContaining({ binaryChecksum: 'sum-1', buildId: 'b1' })]);
    const none = started();
    apply(none, []);
    expect(none.info.autoResetPoints?.points).toEqual([expect.objectContaining({ binaryChecksum: '', buildId: '', firstWorkflowTaskCompletedId: 4 })]);
  });

  it('keeps at most 20 points, dropping the oldest', () => {
    const run = started();
    run.info.autoResetPoints = {
      points: Array.from({ length: 20 }, (_, i) => ({ buildId: `old-${i}`, binaryChecksum: '', runId: 'r0', firstWorkflowTaskCompletedId: i + 1, createTime: AT, expireTime: undefined, resettable: true })),
    };
    apply(run, [], { workerVersionStamp: { buildId: 'new', useVersioning: false } });
    const ids = run.info.autoResetPoints!.points.map((p) => p.buildId);
    expect(ids).toHaveLength(20);
    expect(ids[0]).toBe('old-1');
    expect(ids.at(-1)).toBe('new');
  });
});
