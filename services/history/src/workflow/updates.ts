import { setting } from '@kairos/common/settings';
import { Acceptance, Rejection, Request, Response } from '@kairos/proto/temporal/api/update/v1/message';
import { Message } from '@kairos/proto/temporal/api/protocol/v1/message';
import { UpdateInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import { failedPrecondition, resourceExhausted, workflowNotReady } from '@kairos/common/errors';
import { ResourceExhaustedCause, ResourceExhaustedScope } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';
import { scheduleSpeculativeWorkflowTask } from './workflowTasks';
import type { RunTransaction } from './runTransaction';
import { EventType, Failure, WorkflowTaskFailedCause } from './protos';

/*
 * Workflow updates on a run's mutable state, as Temporal runs them:
 * - admitted: the request is kept (here in mutable state, so it survives a restart) and goes to
 *   the worker as a protocol message with the next workflow task;
 * - the worker answers in its completion with Acceptance (WorkflowExecutionUpdateAccepted is
 *   written, holding the request), Rejection (nothing is written and the record goes) and
 *   Response (WorkflowExecutionUpdateCompleted);
 * - accepted and completed updates keep a small record (event ids) for deduplication.
 */

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const REQUEST_TYPE = 'temporal.api.update.v1.Request';
const ACCEPTANCE_TYPE = 'temporal.api.update.v1.Acceptance';
const REJECTION_TYPE = 'temporal.api.update.v1.Rejection';
const RESPONSE_TYPE = 'temporal.api.update.v1.Response';

/** Temporal's limits: updates admitted but not completed, and all updates of a run. */
export const MAX_IN_FLIGHT_UPDATES = setting('history.maxInFlightUpdates');
export const MAX_TOTAL_UPDATES = setting('history.maxTotalUpdates');

/** Server-made failures, with Temporal's wording and types. */
export const UNPROCESSED_UPDATE_FAILURE = Failure.fromPartial({
  message: "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow Update is not supported by the worker.",
  source: 'Server',
  applicationFailureInfo: { type: 'UnprocessedUpdate', nonRetryable: true },
});
export const ACCEPTED_UPDATE_COMPLETED_WORKFLOW_FAILURE = Failure.fromPartial({
  message: 'Workflow Update failed because the Workflow completed before the Update completed.',
  source: 'Server',
  applicationFailureInfo: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
});

export type UpdateStage = 'admitted' | 'accepted' | 'completed';

export function stageOf(info: UpdateInfo): UpdateStage {
  if (info.completedEventId > 0) return 'completed';
  if (info.acceptedEventId > 0) return 'accepted';
  return 'admitted';
}

/** Updates admitted and not yet completed. */
export function inFlightUpdates(run: RunTransaction): number {
  return Object.values(run.state.updates).filter((u) => u.completedEventId === 0).length;
}

/** Temporal fails updates fast while the run's workflow task keeps failing (from this attempt on). */
const FAILING_WORKFLOW_TASK_ATTEMPT = setting('history.failingWorkflowTaskAttempt');

/**
 * UpdateWorkflowExecution on an open run that does not know the update id yet: refused while
 * the workflow task keeps failing or past Temporal's limits; otherwise admitted, with a
 * speculative workflow task to carry it when no task is scheduled (a started one is followed by
 * one after it completes).
 */
export function admitWorkflowUpdate(run: RunTransaction, request: Request): void {
  if (run.info.workflowTaskAttempt >= FAILING_WORKFLOW_TASK_ATTEMPT) {
    throw workflowNotReady('Unable to perform workflow execution update due to Workflow Task in failed state.');
  }
  if (inFlightUpdates(run) >= MAX_IN_FLIGHT_UPDATES) {
    throw resourceExhausted(
      ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
      ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
      `limit on number of concurrent in-flight updates has been reached (${MAX_IN_FLIGHT_UPDATES})`,
    );
  }
  if (Object.keys(run.state.updates).length >= MAX_TOTAL_UPDATES) {
    throw failedPrecondition(
      `The limit on the total number of distinct updates in this workflow has been reached (${MAX_TOTAL_UPDATES}). ` +
        "Make sure any duplicate updates share an Update ID so the server can deduplicate them, and consider rejecting updates that you aren't going to process. " +
        'You can also Continue-as-New to avoid this; we recommend you check Continue-as-New Suggested in your Workflow.',
    );
  }
  admitUpdate(run, request);
  scheduleSpeculativeWorkflowTask(run);
}

/** Records a new update; the caller has checked the limits and that the id is new. */
export function admitUpdate(run: RunTransaction, request: Request): void {
  run.state.updatesAdmitted += 1;
  run.state.updates[request.meta!.updateId] = UpdateInfo.fromPartial({ request, admittedSeq: run.state.updatesAdmitted });
  run.wakeWaiters = true;
}

/**
 * The workflow task that delivered updates failed: those it delivered and the worker did not
 * accept fail for good (the workflow saw them; a retry must not repeat them); those it did not
 * deliver wait for the next task. Returns the ids of the aborted ones.
 */
export function abortDeliveredUpdates(run: RunTransaction): string[] {
  const sent = Object.entries(run.state.updates).filter(([, u]) => u.sent && u.acceptedEventId === 0).map(([id]) => id);
  for (const id of sent) delete run.state.updates[id];
  if (sent.length > 0) run.wakeWaiters = true;
  return sent;
}

/** Whether some admitted update has not gone to a worker yet (it needs a workflow task). */
export function hasUnsentUpdates(run: RunTransaction): boolean {
  return Object.values(run.state.updates).some((u) => u.request && !u.sent);
}

/**
 * The protocol messages a starting workflow task carries: every update not yet accepted, in
 * admission order, sequenced after the event before WorkflowTaskStarted (as Temporal does).
 * They are marked sent.
 */
export function outgoingUpdateMessages(run: RunTransaction, startedEventId: number): Message[] {
  const pending = Object.entries(run.state.updates)
    .filter(([, info]) => info.request && info.acceptedEventId === 0 && !info.admittedInHistory)
    .sort(([, a], [, b]) => a.admittedSeq - b.admittedSeq);
  return pending.map(([updateId, info]) => {
    info.sent = true;
    return Message.fromPartial({
      id: `${updateId}/request`,
      protocolInstanceId: updateId,
      eventId: startedEventId - 1,
      body: { typeUrl: TYPE_URL_PREFIX + REQUEST_TYPE, value: Request.encode(info.request!).finish() },
    });
  });
}

/** A rejection to report to the update's waiters once the completion is committed. */
export interface UpdateRejection {
  updateId: string;
  failure: Failure | undefined;
}

function badMessage(detail: string): WorkflowTaskCompletionRejected {
  return new WorkflowTaskCompletionRejected(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE, detail);
}

type Body = { kind: 'acceptance'; msg: Acceptance } | { kind: 'rejection'; msg: Rejection } | { kind: 'response'; msg: Response };

function decodeBody(message: Message): Body {
  const typeName = message.body?.typeUrl.slice(message.body.typeUrl.lastIndexOf('/') + 1) ?? '';
  const value = message.body?.value ?? new Uint8Array();
  switch (typeName) {
    case ACCEPTANCE_TYPE:
      return { kind: 'acceptance', msg: Acceptance.decode(value) };
    case REJECTION_TYPE:
      return { kind: 'rejection', msg: Rejection.decode(value) };
    case RESPONSE_TYPE:
      return { kind: 'response', msg: Response.decode(value) };
    default:
      throw badMessage(`unsupported protocol message type ${typeName || '(none)'}`);
  }
}

const GO_TYPE: Record<Body['kind'], string> = { acceptance: '*run.Acceptance', rejection: '*run.Rejection', response: '*run.Response' };
const STATE_NAME: Record<UpdateStage, string> = { admitted: 'Sent', accepted: 'Accepted', completed: 'Completed' };

/**
 * The update messages of one workflow task completion. Messages a PROTOCOL_MESSAGE command names
 * are applied at that command (so their events sit among the command events in order), the rest
 * after all commands, in request order.
 */
export class UpdateMessages {
  private readonly pending: Map<string, Message>;
  private readonly handled = new Set<string>();
  readonly rejections: UpdateRejection[] = [];

  constructor(private readonly run: RunTransaction, messages: Message[]) {
    this.pending = new Map(messages.map((m) => [m.id, m]));
  }

  /** True when every message is a rejection: a speculative task answering only those leaves no trace. */
  get onlyRejections(): boolean {
    return [...this.pending.values()].every((m) => decodeBody(m).kind === 'rejection');
  }

  /** The message a PROTOCOL_MESSAGE command names. */
  applyForCommand(messageId: string): void {
    const message = this.pending.get(messageId);
    if (!message) throw badMessage(`ProtocolMessageCommand referenced absent message ID ${messageId}`);
    this.pending.delete(messageId);
    this.apply(message);
  }

  /** Messages no command named, in request order. */
  applyRemaining(): void {
    for (const message of [...this.pending.values()]) {
      this.pending.delete(message.id);
      this.apply(message);
    }
  }

  /**
   * Updates this task delivered that the worker neither accepted nor rejected are rejected by
   * the server (Temporal: an SDK that does not know updates would get them again and again).
   */
  rejectUnprocessed(): void {
    for (const [updateId, info] of Object.entries(this.run.state.updates)) {
      if (info.sent && info.acceptedEventId === 0 && !this.handled.has(updateId)) this.reject(updateId, UNPROCESSED_UPDATE_FAILURE);
    }
  }

  private apply(message: Message): void {
    const body = decodeBody(message);
    const updateId = message.protocolInstanceId;
    let info = this.run.state.updates[updateId];
    if (!info) info = this.resurrect(updateId, body);
    // A run closed by an earlier command takes only rejections; the rest is dropped (its
    // callers learn from the closed run).
    if (!this.run.isOpen && body.kind !== 'rejection') return;
    const stage = stageOf(info);
    const allowed = body.kind === 'response' ? stage === 'accepted' : stage === 'admitted';
    if (!allowed) {
      throw badMessage(`invalid state transition attempted for Update ${updateId}: received ${GO_TYPE[body.kind]} message while in state ${STATE_NAME[stage]}`);
    }
    this.handled.add(updateId);
    switch (body.kind) {
      case 'acceptance':
        return this.accept(updateId, info, body.msg);
      case 'rejection':
        return this.reject(updateId, body.msg.failure);
      case 'response':
        return this.complete(updateId, info, body.msg);
    }
  }

  /**
   * An update the run has no record of, answered by a worker that echoes its request: taken as
   * admitted (Temporal's "resurrection"); without the request it is an error.
   */
  private resurrect(updateId: string, body: Body): UpdateInfo {
    const echoed = body.kind === 'acceptance' ? body.msg.acceptedRequest : body.kind === 'rejection' ? body.msg.rejectedRequest : undefined;
    if (!echoed?.meta || echoed.meta.updateId !== updateId) {
      throw badMessage(`update ${updateId} wasn't found on the server. This is most likely a transient error which will be resolved automatically by retries`);
    }
    this.run.state.updatesAdmitted += 1;
    const info = UpdateInfo.fromPartial({ request: echoed, admittedSeq: this.run.state.updatesAdmitted, sent: true });
    this.run.state.updates[updateId] = info;
    return info;
  }

  private accept(updateId: string, info: UpdateInfo, acceptance: Acceptance): void {
    if (!acceptance.acceptedRequestSequencingEventId) throw badMessage('invalid *run.Acceptance: accepted_request_sequencing_event_id is not set');
    if (!acceptance.acceptedRequestMessageId) throw badMessage('invalid *run.Acceptance: accepted_request_message_id is not set');
    const event = this.run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, {
      workflowExecutionUpdateAcceptedEventAttributes: {
        protocolInstanceId: updateId,
        acceptedRequestMessageId: info.admittedInHistory ? acceptance.acceptedRequestMessageId : `${updateId}/request`,
        acceptedRequestSequencingEventId: acceptance.acceptedRequestSequencingEventId,
        acceptedRequest: info.admittedInHistory ? undefined : info.request,
      },
    });
    info.acceptedEventId = event.eventId;
    info.request = undefined;
    info.sent = false;
  }

  private reject(updateId: string, failure: Failure | undefined): void {
    delete this.run.state.updates[updateId];
    this.rejections.push({ updateId, failure });
    this.run.wakeWaiters = true;
  }

  private complete(updateId: string, info: UpdateInfo, response: Response): void {
    if (!response.meta) throw badMessage('invalid *run.Response: meta is not set');
    if (response.meta.updateId !== updateId) throw badMessage(`invalid *run.Response: meta.update_id != ${updateId}`);
    if (!response.outcome) throw badMessage('invalid *run.Response: outcome is not set');
    const event = this.run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, {
      workflowExecutionUpdateCompletedEventAttributes: { meta: response.meta, acceptedEventId: info.acceptedEventId, outcome: response.outcome },
    });
    info.completedEventId = event.eventId;
  }
}
