import { describe, expect, it } from 'vitest';
import { Acceptance, Rejection, Request, Response } from '@kairos/proto/temporal/api/update/v1/message';
import { Message } from '@kairos/proto/temporal/api/protocol/v1/message';
import { RunTransaction } from './runTransaction';
import { EventType, MutableState, WorkflowExecutionStatus, WorkflowTaskFailedCause } from './protos';
import { admitUpdate, hasUnsentUpdates, inFlightUpdates, outgoingUpdateMessages, UNPROCESSED_UPDATE_FAILURE, UpdateMessages } from './updates';
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
