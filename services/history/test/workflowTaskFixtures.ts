// Builders for unit tests of workflow task completions: commands as the SDKs send them, the
// completion request around them, update protocol messages, and runs taken through a completion.
import { RespondWorkflowTaskCompletedRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { Acceptance, Rejection, Request, Response } from '@kairos/proto/temporal/api/update/v1/message';
import { Message } from '@kairos/proto/temporal/api/protocol/v1/message';
import { Payload } from '@kairos/proto/temporal/api/common/v1/message';
import { completeWorkflowTask, startWorkflowTaskForPoller, type CompletionOutcome } from '../src/workflow/workflowTaskCompletion';
import type { SearchAttributesCheck } from '../src/workflow/commands';
import type { RunTransaction } from '../src/workflow/runTransaction';
import { Command, CommandType, Payloads } from '../src/workflow/protos';
import { reopen, runWithStartedWorkflowTask, T0 } from './runFixtures';

type CompletionFields = NonNullable<Parameters<typeof RespondWorkflowTaskCompletedRequest.fromPartial>[0]>;
type CommandFields = NonNullable<Parameters<typeof Command.fromPartial>[0]>;
type Attrs<K extends keyof CommandFields> = NonNullable<CommandFields[K]>;

const encoder = new TextEncoder();

/** A json/plain payload of `value`, as the SDKs' default converter makes it. */
export function payload(value: unknown): Payload {
  return Payload.fromPartial({ metadata: { encoding: encoder.encode('json/plain') }, data: encoder.encode(JSON.stringify(value)) });
}

/** Payloads of the given values. */
export function payloads(...values: unknown[]): Payloads {
  return Payloads.fromPartial({ payloads: values.map(payload) });
}

/** Payloads of one payload whose data is `bytes` long (for the size limits). */
export function payloadsOfSize(bytes: number): Payloads {
  return Payloads.fromPartial({ payloads: [{ metadata: {}, data: new Uint8Array(bytes) }] });
}

/** One command of each kind, with the fields the SDKs always set; `overrides` go into its attributes. */
export const commands = {
  scheduleActivity: (activityId: string, overrides: Attrs<'scheduleActivityTaskCommandAttributes'> = {}) =>
    Command.fromPartial({
      commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
      scheduleActivityTaskCommandAttributes: { activityId, activityType: { name: 'act' }, taskQueue: { name: 'tq' }, startToCloseTimeout: { seconds: 10 }, ...overrides },
    }),
  requestCancelActivity: (scheduledEventId: number) =>
    Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK, requestCancelActivityTaskCommandAttributes: { scheduledEventId } }),
  startTimer: (timerId: string, seconds = 5) =>
    Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId, startToFireTimeout: { seconds } } }),
  cancelTimer: (timerId: string) => Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_CANCEL_TIMER, cancelTimerCommandAttributes: { timerId } }),
  recordMarker: (markerName: string, details: Record<string, Payloads> = {}) =>
    Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_RECORD_MARKER, recordMarkerCommandAttributes: { markerName, details } }),
  upsertSearchAttributes: (indexedFields: Record<string, Payload>) =>
    Command.fromPartial({
      commandType: CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
      upsertWorkflowSearchAttributesCommandAttributes: { searchAttributes: { indexedFields } },
    }),
  modifyProperties: (fields: Record<string, Payload>) =>
    Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES, modifyWorkflowPropertiesCommandAttributes: { upsertedMemo: { fields } } }),
  complete: (result?: Payloads) =>
    Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: { result } }),
  fail: (message = 'boom') =>
    Command.fromPartial({
      commandType: CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
      failWorkflowExecutionCommandAttributes: { failure: { message, applicationFailureInfo: { type: 'Error' } } },
    }),
  cancel: (details?: Payloads) =>
    Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION, cancelWorkflowExecutionCommandAttributes: { details } }),
  startChild: (workflowId: string, overrides: Attrs<'startChildWorkflowExecutionCommandAttributes'> = {}) =>
    Command.fromPartial({
      commandType: CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
      startChildWorkflowExecutionCommandAttributes: { namespace: 'default', workflowId, workflowType: { name: 'Child' }, ...overrides },
    }),
  signalExternal: (workflowId: string, signalName: string, overrides: Attrs<'signalExternalWorkflowExecutionCommandAttributes'> = {}) =>
    Command.fromPartial({
      commandType: CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
      signalExternalWorkflowExecutionCommandAttributes: { namespace: 'default', execution: { workflowId }, signalName, ...overrides },
    }),
  cancelExternal: (workflowId: string, overrides: Attrs<'requestCancelExternalWorkflowExecutionCommandAttributes'> = {}) =>
    Command.fromPartial({
      commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION,
      requestCancelExternalWorkflowExecutionCommandAttributes: { namespace: 'default', workflowId, ...overrides },
    }),
  continueAsNew: (overrides: Attrs<'continueAsNewWorkflowExecutionCommandAttributes'> = {}) =>
    Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION, continueAsNewWorkflowExecutionCommandAttributes: overrides }),
  protocolMessage: (messageId: string) =>
    Command.fromPartial({ commandType: CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE, protocolMessageCommandAttributes: { messageId } }),
};

/** A RespondWorkflowTaskCompletedRequest carrying `commandList`, from worker `worker`. */
export function completion(commandList: Command[], overrides: CompletionFields = {}): RespondWorkflowTaskCompletedRequest {
  return RespondWorkflowTaskCompletedRequest.fromPartial({ identity: 'worker', namespace: 'default', ...overrides, commands: commandList });
}

/** Completes the run's started workflow task with `commandList`, as RespondWorkflowTaskCompleted does. */
export function completeTask(run: RunTransaction, commandList: Command[], overrides: CompletionFields = {}, check?: SearchAttributesCheck): CompletionOutcome {
  return completeWorkflowTask(run, run.state.workflowTask!, completion(commandList, overrides), { checkSearchAttributes: check });
}

/** The next transaction of a new run whose first workflow task completed with `commandList` (at T0). */
export function runAfterFirstCompletion(commandList: Command[] = [], overrides: CompletionFields = {}): RunTransaction {
  const run = reopen(runWithStartedWorkflowTask(), T0);
  const outcome = completeTask(run, commandList, overrides);
  if (outcome.kind !== 'completed') throw new Error(`the fixture's completion was ${outcome.kind}`);
  return reopen(run, new Date(T0.getTime() + 1_000));
}

/** The run's scheduled workflow task taken by a poller (from its sticky queue when `polledSticky`). */
export function pollTask(run: RunTransaction, polledSticky = false, identity = 'worker'): Message[] {
  return startWorkflowTaskForPoller(run, { requestId: `poll-${run.state.nextEventId}`, identity, polledSticky });
}

/** The request of workflow update `updateId` as a client sends it. */
export function updateRequest(updateId: string): Request {
  return Request.fromPartial({ meta: { updateId, identity: 'client' }, input: { name: 'add' } });
}

/**
 * The worker's answer to update `updateId`, with id `<updateId>/<kind>`: acceptance (sequenced at
 * `sequencingEventId`), rejection, or a successful response.
 */
export function updateMessage(updateId: string, kind: 'accept' | 'reject' | 'complete', sequencingEventId = 1): Message {
  const body =
    kind === 'accept'
      ? {
          typeUrl: 'type.googleapis.com/temporal.api.update.v1.Acceptance',
          value: Acceptance.encode(Acceptance.fromPartial({ acceptedRequestMessageId: `${updateId}/request`, acceptedRequestSequencingEventId: sequencingEventId })).finish(),
        }
      : kind === 'reject'
        ? { typeUrl: 'type.googleapis.com/temporal.api.update.v1.Rejection', value: Rejection.encode(Rejection.fromPartial({ failure: { message: 'rejected' } })).finish() }
        : {
            typeUrl: 'type.googleapis.com/temporal.api.update.v1.Response',
            value: Response.encode(Response.fromPartial({ meta: { updateId }, outcome: { success: payloads('done') } })).finish(),
          };
  return Message.fromPartial({ id: `${updateId}/${kind}`, protocolInstanceId: updateId, body });
}
