import { describe, expect, it } from 'vitest';
import { ResetReapplyExcludeType, ResetReapplyType } from '@kairos/proto/temporal/api/enums/v1/reset';
import { UpdateAdmittedEventOrigin } from '@kairos/proto/temporal/api/enums/v1/update';
import { CommandType, EventType, HistoryEvent, WorkflowTaskFailedCause } from './protos';
import { RunTransaction } from './runTransaction';
import { rebuildMutableState } from './stateRebuilder';
import { failWorkflowTaskForReset, reapplyEvents, reapplyExclusions, rearmPendingWork, scheduleWorkflowTaskAfterReset } from './reset';
import { eventNames, T0 } from '../../test/runFixtures';
import { at, completeTaskAt, newRunAt, scheduleActivityCommand, secs, signalAt, startTaskAt, timerKinds, transferKinds } from '../../test/activityFixtures';

/** A history: started, task 2-4 scheduling an activity (5) and a 60 s timer (6), a signal (7), task 8-9 started. */
function baseHistory(): HistoryEvent[] {
  let run = newRunAt(T0);
  const events = [...run.newEvents];
  const startTimer = { commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: 't1', startToFireTimeout: secs(60) } };
  for (const step of [
    (r: RunTransaction) => startTaskAt(r, at(1)),
    (r: RunTransaction) => completeTaskAt(r, at(2), [scheduleActivityCommand(), startTimer]),
    (r: RunTransaction) => signalAt(r, at(3)),
    (r: RunTransaction) => startTaskAt(r, at(4)),
  ]) {
    run = step(run);
    events.push(...run.newEvents);
  }
  return events;
}

/** The new run rebuilt from the first `count` events, as a transaction at T0+100 s. */
function rebuilt(events: HistoryEvent[], count: number): RunTransaction {
  const state = rebuildMutableState(events.slice(0, count), {
    namespaceId: 'ns-1',
    workflowId: 'wf-1',
    runId: 'run-2',
    now: at(100),
    startRequestId: 'start',
    originalStartTime: T0,
    retentionMs: 0,
  });
  return new RunTransaction(state, at(100));
}

describe('reset transitions', () => {
  it('fails the started workflow task with RESET_WORKFLOW naming both runs, then schedules a first attempt on the normal queue', () => {
    const run = rebuilt(baseHistory(), 9);
    failWorkflowTaskForReset(run, 'run-1', 'why');
    scheduleWorkflowTaskAfterReset(run);
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_FAILED', 'WORKFLOW_TASK_SCHEDULED']);
    expect(run.newEvents[0]).toMatchObject({
      eventId: 10,
      workflowTaskFailedEventAttributes: {
        scheduledEventId: 8,
        startedEventId: 9,
        cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
        failure: { message: 'why', resetWorkflowFailureInfo: {} },
        identity: 'history-service',
        baseRunId: 'run-1',
        newRunId: 'run-2',
      },
    });
    expect(run.newEvents[1]!.workflowTaskScheduledEventAttributes).toMatchObject({ attempt: 1, taskQueue: { kind: 1 } });
    expect(transferKinds(run)).toEqual(['WORKFLOW_TASK']);
  });

  it('starts a task that was only scheduled before failing it, and refuses a point with no task', () => {
    const events = baseHistory();
    const run = rebuilt(events, 2);
    failWorkflowTaskForReset(run, 'run-1', 'why');
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_FAILED']);
    expect(run.newEvents[1]!.workflowTaskFailedEventAttributes).toMatchObject({ scheduledEventId: 2, startedEventId: 3 });
    expect(() => failWorkflowTaskForReset(rebuilt(events, 4), 'run-1', 'why')).toThrow(
      'Can only reset workflow to event ID in range [WorkflowTaskScheduled +1, WorkflowTaskStarted + 1]: 5',
    );
  });

  it('re-arms the pending activity from now, the timer at its old expiry, and the run', () => {
    const run = rebuilt(baseHistory(), 9);
    rearmPendingWork(run, 'why');
    expect(run.state.activities[5]).toMatchObject({ scheduledTime: at(100), currentAttemptScheduledTime: at(100) });
    expect(transferKinds(run)).toEqual(['ACTIVITY_TASK']);
    expect(timerKinds(run)).toEqual(['USER_TIMER']);
    expect(run.timerTasks[0]).toMatchObject({ fireTime: at(62), timerId: 't1', runId: 'run-2' });
  });

  it('reapplies signals and updates unless excluded; cancel requests never', () => {
    const signal = { eventId: 20, eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, workflowExecutionSignaledEventAttributes: { signalName: 's', identity: 'me', requestId: 'r', input: undefined, header: undefined, externalWorkflowExecution: undefined, skipGenerateWorkflowTask: false, links: [] } } as unknown as HistoryEvent;
    const update = { eventId: 21, eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, workflowExecutionUpdateAcceptedEventAttributes: { protocolInstanceId: 'u1', acceptedRequestMessageId: 'm', acceptedRequestSequencingEventId: 1, acceptedRequest: { meta: { updateId: 'u1', identity: 'me' }, input: { name: 'up', args: undefined, header: undefined } } } } as unknown as HistoryEvent;
    const cancel = { eventId: 22, eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED, workflowExecutionCancelRequestedEventAttributes: { cause: 'c' } } as unknown as HistoryEvent;
    const all = rebuilt(baseHistory(), 9);
    reapplyEvents(all, [signal, update, cancel], reapplyExclusions([], ResetReapplyType.RESET_REAPPLY_TYPE_UNSPECIFIED));
    expect(eventNames(all.newEvents)).toEqual(['WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_UPDATE_ADMITTED']);
    expect(all.newEvents[0]!.workflowExecutionSignaledEventAttributes).toMatchObject({ signalName: 's', identity: 'me', requestId: 'r' });
    expect(all.newEvents[1]!.workflowExecutionUpdateAdmittedEventAttributes).toMatchObject({ request: { meta: { updateId: 'u1' } }, origin: UpdateAdmittedEventOrigin.UPDATE_ADMITTED_EVENT_ORIGIN_REAPPLY });
    expect(all.state.updates.u1).toMatchObject({ sent: true });
    expect(all.info.signalCount).toBe(2);

    const noSignals = rebuilt(baseHistory(), 9);
    reapplyEvents(noSignals, [signal, update], reapplyExclusions([ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL], ResetReapplyType.RESET_REAPPLY_TYPE_UNSPECIFIED));
    expect(eventNames(noSignals.newEvents)).toEqual(['WORKFLOW_EXECUTION_UPDATE_ADMITTED']);
  });

  it('reapplies what happened after the point to a child initiated before it, naming the new run events', () => {
    const head = baseHistory().slice(0, 4); // started, task 2-4 completed
    const ev = (eventId: number, fields: Parameters<typeof HistoryEvent.fromPartial>[0]) => HistoryEvent.fromPartial({ ...fields, eventId });
    const events = [
      ...head,
      ev(5, { eventType: EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, startChildWorkflowExecutionInitiatedEventAttributes: { workflowId: 'child', workflowType: { name: 'Child' } } }),
      ev(6, { eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, workflowTaskScheduledEventAttributes: { attempt: 1 } }),
      ev(7, { eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, workflowTaskStartedEventAttributes: { scheduledEventId: 6 } }),
    ];
    const run = rebuilt(events, 7);
    failWorkflowTaskForReset(run, 'run-1', 'why'); // 8
    reapplyEvents(
      run,
      [
        ev(20, { eventType: EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, childWorkflowExecutionStartedEventAttributes: { initiatedEventId: 5, workflowExecution: { workflowId: 'child', runId: 'c1' } } }),
        ev(25, { eventType: EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, childWorkflowExecutionCompletedEventAttributes: { initiatedEventId: 5, startedEventId: 20 } }),
        ev(26, { eventType: EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, childWorkflowExecutionCompletedEventAttributes: { initiatedEventId: 99, startedEventId: 21 } }),
      ],
      reapplyExclusions([], ResetReapplyType.RESET_REAPPLY_TYPE_UNSPECIFIED),
    );
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_FAILED', 'CHILD_WORKFLOW_EXECUTION_STARTED', 'CHILD_WORKFLOW_EXECUTION_COMPLETED']);
    expect(run.newEvents[1]!.eventId).toBe(9);
    expect(run.newEvents[2]!.childWorkflowExecutionCompletedEventAttributes).toMatchObject({ initiatedEventId: 5, startedEventId: 9 });
    expect(run.state.children).toEqual({});
  });

  it('reads the deprecated reset_reapply_type as Temporal does', () => {
    expect(reapplyExclusions([], ResetReapplyType.RESET_REAPPLY_TYPE_NONE)).toEqual({ signal: true, update: true });
    expect(reapplyExclusions([], ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL)).toEqual({ signal: false, update: true });
    expect(reapplyExclusions([], ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE)).toEqual({ signal: false, update: false });
    expect(reapplyExclusions([ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE], ResetReapplyType.RESET_REAPPLY_TYPE_UNSPECIFIED)).toEqual({ signal: false, update: true });
  });
});
