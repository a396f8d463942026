import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import { Acceptance, Rejection, Request, Response } from '@kairos/proto/temporal/api/update/v1/message';
import { Message } from '@kairos/proto/temporal/api/protocol/v1/message';
import { UpdateInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import { eventNames, newRun, reopen } from '../../test/runFixtures';
import { commands, completeTask, pollTask, runAfterFirstCompletion, updateMessage, updateRequest } from '../../test/workflowTaskFixtures';
import { RunTransaction } from './runTransaction';
import { EventType, MutableState, TransferTaskKind, WorkflowExecutionStatus, WorkflowTaskFailedCause } from './protos';
import {
  abortDeliveredUpdates,
  admitUpdate,
  admitWorkflowUpdate,
  hasUnsentUpdates,
  inFlightUpdates,
  MAX_IN_FLIGHT_UPDATES,
  MAX_TOTAL_UPDATES,
  outgoingUpdateMessages,
  UNPROCESSED_UPDATE_FAILURE,
  UpdateMessages,
} from './updates';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';

function runningRun(): RunTransaction {
  return new RunTransaction(
    MutableState.fromPartial({
      executionInfo: { namespaceId: 'ns', workflowId: 'wf', runId: 'run', status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING },
      nextEventId: 8,
    }),
    new Date(),
  );
}

const request = (updateId: string) => Request.fromPartial({ meta: { updateId, identity: 'client' }, input: { name: 'add' } });

function message(updateId: string, kind: 'accept' | 'reject' | 'complete'): Message {
  const body =
    kind === 'accept'
      ? { typeUrl: 'type.googleapis.com/temporal.api.update.v1.Acceptance', value: Acceptance.encode(Acceptance.fromPartial({ acceptedRequestMessageId: `${updateId}/request`, acceptedRequestSequencingEventId: 7 })).finish() }
      : kind === 'reject'
        ? { typeUrl: 'type.googleapis.com/temporal.api.update.v1.Rejection', value: Rejection.encode(Rejection.fromPartial({ failure: { message: 'no' } })).finish() }
        : { typeUrl: 'type.googleapis.com/temporal.api.update.v1.Response', value: Response.encode(Response.fromPartial({ meta: { updateId }, outcome: { success: { payloads: [] } } })).finish() };
  return Message.fromPartial({ id: `${updateId}/${kind}`, protocolInstanceId: updateId, body });
}

describe('workflow updates on mutable state', () => {
  it('sends admitted updates in admission order, sequenced after the event before WorkflowTaskStarted, and marks them sent', () => {
    const run = runningRun();
    admitUpdate(run, request('b'));
    admitUpdate(run, request('a'));
    expect(hasUnsentUpdates(run)).toBe(true);
    const messages = outgoingUpdateMessages(run, 10);
    expect(messages.map((m) => [m.id, m.protocolInstanceId, m.eventId])).toEqual([
      ['b/request', 'b', 9],
      ['a/request', 'a', 9],
    ]);
    expect(Request.decode(messages[0]!.body!.value).meta?.updateId).toBe('b');
    expect(hasUnsentUpdates(run)).toBe(false);
    expect(inFlightUpdates(run)).toBe(2);
  });

  it('acceptance and response write Accepted and Completed; the record keeps only event ids', () => {
    const run = runningRun();
    admitUpdate(run, request('u'));
    outgoingUpdateMessages(run, 10);
    const messages = new UpdateMessages(run, [message('u', 'accept'), message('u', 'complete')]);
    messages.applyForCommand('u/accept');
    messages.applyRemaining();
    expect(run.newEvents.map((e) => e.eventType)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    ]);
    const accepted = run.newEvents[0]!.workflowExecutionUpdateAcceptedEventAttributes!;
    expect(accepted.acceptedRequest?.meta?.updateId).toBe('u');
    expect(accepted.acceptedRequestMessageId).toBe('u/request');
    expect(accepted.acceptedRequestSequencingEventId).toBe(7);
    expect(run.newEvents[1]!.workflowExecutionUpdateCompletedEventAttributes!.acceptedEventId).toBe(run.newEvents[0]!.eventId);
    expect(run.state.updates.u).toMatchObject({ request: undefined, acceptedEventId: 8, completedEventId: 9 });
    expect(inFlightUpdates(run)).toBe(0);
  });

  it('a rejection writes nothing and removes the record; an unanswered sent update is rejected by the server', () => {
    const run = runningRun();
    admitUpdate(run, request('r'));
    admitUpdate(run, request('ignored'));
    outgoingUpdateMessages(run, 10);
    admitUpdate(run, request('late')); // arrived while the task ran: not sent, kept
    const messages = new UpdateMessages(run, [message('r', 'reject')]);
    expect(messages.onlyRejections).toBe(true);
    messages.applyRemaining();
    messages.rejectUnprocessed();
    expect(run.newEvents).toEqual([]);
    expect(Object.keys(run.state.updates)).toEqual(['late']);
    expect(messages.rejections).toEqual([
      { updateId: 'r', failure: expect.objectContaining({ message: 'no' }) },
      { updateId: 'ignored', failure: UNPROCESSED_UPDATE_FAILURE },
    ]);
    expect(hasUnsentUpdates(run)).toBe(true);
  });

  it('refuses a response before acceptance, a second acceptance, and a command naming an absent message', () => {
    const run = runningRun();
    admitUpdate(run, request('u'));
    outgoingUpdateMessages(run, 10);
    const early = new UpdateMessages(run, [message('u', 'complete')]);
    expect(() => early.applyRemaining()).toThrow(/received \*run.Response message while in state Sent/);
    const twice = new UpdateMessages(run, [message('u', 'accept')]);
    twice.applyRemaining();
    expect(() => new UpdateMessages(run, [message('u', 'accept')]).applyRemaining()).toThrow(/while in state Accepted/);
    try {
      new UpdateMessages(run, []).applyForCommand('missing');
      throw new Error('expected a refusal');
    } catch (err) {
      expect(err).toBeInstanceOf(WorkflowTaskCompletionRejected);
      expect((err as WorkflowTaskCompletionRejected).failedCause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE);
    }
  });

  it('an answer for an unknown update is taken when it echoes the request, refused otherwise', () => {
    const run = runningRun();
    const echoed = Message.fromPartial({
      id: 'x/accept',
      protocolInstanceId: 'x',
      body: {
        typeUrl: 'type.googleapis.com/temporal.api.update.v1.Acceptance',
        value: Acceptance.encode(Acceptance.fromPartial({ acceptedRequestMessageId: 'x/request', acceptedRequestSequencingEventId: 7, acceptedRequest: request('x') })).finish(),
      },
    });
    new UpdateMessages(run, [echoed]).applyRemaining();
    expect(run.state.updates.x?.acceptedEventId).toBe(8);
    expect(() => new UpdateMessages(run, [message('nobody', 'accept')]).applyRemaining()).toThrow(/wasn't found on the server/);
  });
});

const AT = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(AT.getTime() + ms);

/** A run whose first task completed; update `updateId` admitted at AT went out with a speculative task started at AT+1s. */
function runWithUpdateDelivered(updateId = 'u1'): RunTransaction {
  const run = reopen(runAfterFirstCompletion(), AT);
  admitWorkflowUpdate(run, updateRequest(updateId));
  const starting = reopen(run, at(1_000));
  pollTask(starting);
  return reopen(starting, at(2_000));
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('admitWorkflowUpdate', () => {
  it('records the update and schedules a speculative task when none is pending: no event', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    admitWorkflowUpdate(run, updateRequest('u1'));
    expect(run.state.updates.u1).toMatchObject({ admittedSeq: 1, sent: false, acceptedEventId: 0, completedEventId: 0 });
    expect(run.state.updates.u1?.request?.meta?.updateId).toBe('u1');
    expect(run.wakeWaiters).toBe(true);
    expect(run.newEvents).toEqual([]);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 5, speculative: true });
    expect(run.transferTasks).toEqual([expect.objectContaining({ kind: TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK, scheduledEventId: 5 })]);
  });

  it('a pending workflow task carries it: no other task', () => {
    const run = reopen(newRun(), AT);
    admitWorkflowUpdate(run, updateRequest('u1'));
    expect(run.state.updates.u1).toBeDefined();
    expect(run.transferTasks).toEqual([]);
    expect(run.state.workflowTask).toMatchObject({ scheduledEventId: 2, speculative: false });
  });

  it('is refused while the workflow task keeps failing (attempt 3 on)', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    run.info.workflowTaskAttempt = 2;
    admitWorkflowUpdate(run, updateRequest('ok'));
    run.info.workflowTaskAttempt = 3;
    const refused = apiError(() => admitWorkflowUpdate(run, updateRequest('no')));
    expect(refused.code).toBe(Status.FAILED_PRECONDITION);
    expect(refused.message).toBe('Unable to perform workflow execution update due to Workflow Task in failed state.');
    expect(run.state.updates.no).toBeUndefined();
  });

  it('is refused with 10 updates in flight; completed ones do not count', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    for (let i = 0; i < MAX_IN_FLIGHT_UPDATES; i++) admitWorkflowUpdate(run, updateRequest(`u${i}`));
    const refused = apiError(() => admitWorkflowUpdate(run, updateRequest('one-more')));
    expect(refused.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(refused.message).toBe('limit on number of concurrent in-flight updates has been reached (10)');
    run.state.updates.u0!.completedEventId = 9;
    admitWorkflowUpdate(run, updateRequest('one-more'));
    expect(inFlightUpdates(run)).toBe(10);
  });

  it('is refused once the run has seen 2,000 distinct updates', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    for (let i = 0; i < MAX_TOTAL_UPDATES; i++) run.state.updates[`done-${i}`] = UpdateInfo.fromPartial({ acceptedEventId: 5, completedEventId: 6 });
    const refused = apiError(() => admitWorkflowUpdate(run, updateRequest('u1')));
    expect(refused.code).toBe(Status.FAILED_PRECONDITION);
    expect(refused.message).toMatch(/^The limit on the total number of distinct updates in this workflow has been reached \(2000\)\./);
  });
});

describe('abortDeliveredUpdates', () => {
  it('drops the updates the failed task delivered and the worker did not accept; keeps the rest', () => {
    const run = runWithUpdateDelivered('sent');
    admitWorkflowUpdate(run, updateRequest('unsent'));
    run.state.updates.accepted = UpdateInfo.fromPartial({ acceptedEventId: 4, admittedSeq: 0 });
    run.wakeWaiters = false;
    expect(abortDeliveredUpdates(run)).toEqual(['sent']);
    expect(Object.keys(run.state.updates).sort()).toEqual(['accepted', 'unsent']);
    expect(run.wakeWaiters).toBe(true);
  });

  it('changes nothing when the task delivered nothing', () => {
    const run = reopen(runAfterFirstCompletion(), AT);
    expect(abortDeliveredUpdates(run)).toEqual([]);
    expect(run.wakeWaiters).toBe(false);
  });
});

describe('update messages in a completion', () => {
  it('each message takes its PROTOCOL_MESSAGE command’s place among the command events', () => {
    const run = runWithUpdateDelivered('u1');
    const outcome = completeTask(run, [commands.startTimer('t1'), commands.protocolMessage('u1/accept'), commands.startTimer('t2'), commands.protocolMessage('u1/complete')], {
      messages: [updateMessage('u1', 'complete'), updateMessage('u1', 'accept', 4)],
    });
    expect(outcome.kind).toBe('completed');
    expect(eventNames(run.newEvents)).toEqual([
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_COMPLETED',
      'TIMER_STARTED',
      'WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
      'TIMER_STARTED',
      'WORKFLOW_EXECUTION_UPDATE_COMPLETED',
    ]);
    expect(run.newEvents[4]!.workflowExecutionUpdateAcceptedEventAttributes).toEqual(
      expect.objectContaining({ protocolInstanceId: 'u1', acceptedRequestMessageId: 'u1/request', acceptedRequestSequencingEventId: 4 }),
    );
    expect(run.newEvents[6]!.workflowExecutionUpdateCompletedEventAttributes?.acceptedEventId).toBe(run.newEvents[4]!.eventId);
    expect(run.state.updates.u1).toMatchObject({ acceptedEventId: 9, completedEventId: 11 });
  });

  it('messages no command names follow all the command events, in request order', () => {
    const run = runWithUpdateDelivered('u1');
    completeTask(run, [commands.startTimer('t1')], { messages: [updateMessage('u1', 'accept', 4), updateMessage('u1', 'complete')] });
    expect(eventNames(run.newEvents).slice(2)).toEqual(['WORKFLOW_TASK_COMPLETED', 'TIMER_STARTED', 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED', 'WORKFLOW_EXECUTION_UPDATE_COMPLETED']);
  });

  it('a delivered update the worker ignored is rejected by the server, unless the worker closed the run', () => {
    const run = runWithUpdateDelivered('u1');
    const outcome = completeTask(run, [commands.startTimer('t1')]);
    expect(outcome).toMatchObject({ kind: 'completed', rejections: [{ updateId: 'u1', failure: UNPROCESSED_UPDATE_FAILURE }] });
    expect(run.state.updates.u1).toBeUndefined();

    const closing = runWithUpdateDelivered('u1');
    expect(completeTask(closing, [commands.complete()])).toMatchObject({ kind: 'completed', rejections: [] });
    expect(closing.state.updates.u1).toMatchObject({ sent: true, acceptedEventId: 0 });
  });

  it('after the run closed in the same completion, an acceptance is dropped and a rejection still counts', () => {
    const run = runWithUpdateDelivered('u1');
    admitUpdate(run, updateRequest('u2'));
    outgoingUpdateMessages(run, 6);
    const outcome = completeTask(run, [commands.complete()], { messages: [updateMessage('u1', 'accept', 4), updateMessage('u2', 'reject')] });
    expect(eventNames(run.newEvents)).toEqual(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED', 'WORKFLOW_EXECUTION_COMPLETED']);
    expect(outcome).toMatchObject({ kind: 'completed', rejections: [{ updateId: 'u2' }] });
    expect(run.state.updates.u1?.acceptedEventId).toBe(0);
  });
});
