import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import { addMs, cronBackoffMs, durationToMs, mergePayloadMap, newRunId } from '@kairos/domain';
import type { SearchAttributes } from '@kairos/proto/temporal/api/common/v1/message';
import type { RespondWorkflowTaskCompletedRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { randomUUID } from 'node:crypto';
import type {
  ContinueAsNewWorkflowExecutionCommandAttributes,
  ScheduleActivityTaskCommandAttributes,
} from '@kairos/proto/temporal/api/command/v1/message';
import { newExecution } from './newRun';
import { decideRetry, withRetryDefaults } from './retryPolicy';
import { initiateChild } from './children';
import { initiateExternalCancel, initiateExternalSignal } from './external';
import { BadCommandAttributesError, closeActivity, scheduleActivity, startActivity } from './activities';
import { ExecutionUpdate } from './executionUpdate';
import { payloadsSize } from './payloads';
import { materializeTransientWorkflowTask } from './workflowTasks';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';
import type { UpdateMessages } from './updates';
import {
  ActivityInfo,
  Command,
  CommandType,
  ContinueAsNewInitiator,
  Failure,
  Payloads,
  EventType,
  RetryState,
  StartWorkflowExecutionRequest,
  TaskQueue,
  TaskQueueKind,
  TimerInfo,
  TimerTaskKind,
  WorkflowExecutionStatus,
  WorkflowTaskFailedCause,
  type WorkflowTaskInfo,
} from './protos';

const CLOSING_COMMANDS = new Set<CommandType>([
  CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

function badAttributes(cause: WorkflowTaskFailedCause, message: string): WorkflowTaskCompletionRejected {
  return new WorkflowTaskCompletionRejected(cause, message);
}

/**
 * Writes WorkflowTaskCompleted and then one event per command, in command order (the SDKs match
 * command events to their commands by position).
 */
/** An activity the completing worker runs itself (eager dispatch), started in this same update. */
export interface EagerActivity {
  activity: ActivityInfo;
  attrs: ScheduleActivityTaskCommandAttributes;
}

/**
 * Checks search attributes a command sets against the namespace's (searchAttributesProblem of
 * @kairos/domain): Temporal's message, or undefined when they are fine.
 */
export type SearchAttributesCheck = (searchAttributes: SearchAttributes | undefined) => string | undefined;

/** Whether a completion sets search attributes (the caller then loads what checks them). */
export function commandsSetSearchAttributes(request: RespondWorkflowTaskCompletedRequest): boolean {
  return request.commands.some(
    (c) =>
      c.commandType === CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ||
      Object.keys(c.continueAsNewWorkflowExecutionCommandAttributes?.searchAttributes?.indexedFields ?? {}).length > 0,
  );
}

export function applyCommands(
  update: ExecutionUpdate,
  task: WorkflowTaskInfo,
  request: RespondWorkflowTaskCompletedRequest,
  hasBufferedEvents: boolean,
  checkSearchAttributes: SearchAttributesCheck = () => undefined,
  updateMessages?: UpdateMessages,
): EagerActivity[] {
  const closingIndex = request.commands.findIndex((c) => CLOSING_COMMANDS.has(c.commandType));
  if (closingIndex >= 0 && hasBufferedEvents) {
    throw new WorkflowTaskCompletionRejected(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND);
  }
  if (closingIndex >= 0 && closingIndex !== request.commands.length - 1) {
    throw badAttributes(
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES,
      'invalid command sequence: a workflow-closing command must be the last command',
    );
  }

  materializeTransientWorkflowTask(update, request.identity);
  const completed = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, {
    workflowTaskCompletedEventAttributes: {
      scheduledEventId: task.scheduledEventId,
      startedEventId: task.startedEventId,
      identity: request.identity,
      binaryChecksum: request.binaryChecksum,
      workerVersion: request.workerVersionStamp,
      sdkMetadata: request.sdkMetadata,
      meteringMetadata: request.meteringMetadata,
      deployment: request.deployment,
      versioningBehavior: request.versioningBehavior,
      workerDeploymentName: request.deploymentOptions?.deploymentName ?? '',
    },
  });
  update.info.lastCompletedWorkflowTaskStartedEventId = task.startedEventId;
  addAutoResetPoint(update, request.workerVersionStamp?.buildId || request.binaryChecksum, !request.workerVersionStamp?.buildId, completed.eventId);
  update.state.workflowTask = undefined;

  const eager: EagerActivity[] = [];
  for (const command of request.commands) {
    try {
      if (command.commandType === CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE) {
        // The message's events (update accepted / completed) take the command's place in order.
        const messageId = command.protocolMessageCommandAttributes?.messageId ?? '';
        if (!updateMessages) throw badAttributes(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE, `ProtocolMessageCommand referenced absent message ID ${messageId}`);
        updateMessages.applyForCommand(messageId);
        continue;
      }
      const firstNewEvent = update.newEvents.length;
      applyCommand(update, command, completed.eventId, request.identity, eager, checkSearchAttributes);
      // As Temporal does: the command's metadata (summary, details) and the SDK's event group
      // markers go on the event the command wrote.
      const event = update.newEvents[firstNewEvent];
      if (event && command.userMetadata) event.userMetadata = command.userMetadata;
      if (event && command.eventGroupMarkers.length > 0) event.eventGroupMarkers = command.eventGroupMarkers;
    } catch (err) {
      if (err instanceof BadCommandAttributesError) throw badAttributes(err.failedCause, err.message);
      throw err;
    }
  }
  if (updateMessages) {
    updateMessages.applyRemaining();
    // Temporal does not count unanswered updates against a worker that just closed the run.
    if (update.isOpen) updateMessages.rejectUnprocessed();
  }
  // As Temporal does after all commands: start the eager activities still pending in an open run
  // (one may have been cancelled, or the run closed, by a later command of the same task).
  return eager.filter(({ activity }) => {
    if (!update.isOpen || !update.state.activities[activity.scheduledEventId]) return false;
    startActivity(update, activity, randomUUID(), request.identity);
    return true;
  });
}

function closeWorkflow(update: ExecutionUpdate, status: WorkflowExecutionStatus, eventId: number): void {
  update.info.status = status;
  update.info.closeTime = update.now;
  update.info.completionEventId = eventId;
  update.closed = true;
}

/**
 * Temporal's payload limit for one command: past the error limit the task fails and the run is
 * terminated (a payload that big can never succeed); past the warn limit it is logged.
 */
function checkPayloadSize(update: ExecutionUpdate, size: number, cause: WorkflowTaskFailedCause, what: string): void {
  if (size > update.limits.blobSizeLimitError) {
    throw new WorkflowTaskCompletionRejected(cause, `${what} exceeds size limit.`, true);
  }
  if (size > update.limits.blobSizeLimitWarn) update.warnings.push({ message: 'payload size exceeds warn limit', fields: { what, size, warnLimit: update.limits.blobSizeLimitWarn } });
}

function applyCommand(
  update: ExecutionUpdate,
  command: Command,
  completedEventId: number,
  identity: string,
  eager: EagerActivity[],
  checkSearchAttributes: SearchAttributesCheck,
): void {
  switch (command.commandType) {
    case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
      const attrs = command.scheduleActivityTaskCommandAttributes!;
      checkPayloadSize(update, payloadsSize(attrs.input), WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, 'ScheduleActivityTaskCommandAttributes.Input');
      const pending = Object.keys(update.state.activities).length;
      if (pending >= update.limits.pendingActivitiesLimit) {
        throw new WorkflowTaskCompletionRejected(
          WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_ACTIVITIES_LIMIT_EXCEEDED,
          `the number of pending activities, ${pending}, has reached the per-workflow limit of ${update.limits.pendingActivitiesLimit}`,
        );
      }
      const runEagerly = attrs.requestEagerExecution;
      const activity = scheduleActivity(update, attrs, completedEventId, runEagerly);
      if (runEagerly) eager.push({ activity, attrs });
      return;
    }

    case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
      const scheduledEventId = command.requestCancelActivityTaskCommandAttributes?.scheduledEventId ?? 0;
      const activity = update.state.activities[scheduledEventId];
      if (!activity) {
        throw badAttributes(
          WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
          `invalid history builder state for action: ActivityTaskCancelRequested, ScheduledEventID: ${scheduledEventId}`,
        );
      }
      const requested = update.appendEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, {
        activityTaskCancelRequestedEventAttributes: { scheduledEventId, workflowTaskCompletedEventId: completedEventId },
      });
      activity.cancelRequested = true;
      activity.cancelRequestedEventId = requested.eventId;
      if (!activity.started) {
        // Never started: cancelled at once, and the workflow is told in a new workflow task.
        closeActivity(update, activity, {
          type: EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
          attrs: {
            details: { payloads: [jsonPayload('ACTIVITY_ID_NOT_STARTED')] },
            identity,
            latestCancelRequestedEventId: requested.eventId,
          },
        });
      }
      return;
    }

    case CommandType.COMMAND_TYPE_START_TIMER: {
      const attrs = command.startTimerCommandAttributes!;
      if (update.state.timers[attrs.timerId]) {
        throw badAttributes(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID, `invalid history builder state for action: TimerStarted, TimerID: ${attrs.timerId}`);
      }
      const event = update.appendEvent(EventType.EVENT_TYPE_TIMER_STARTED, {
        timerStartedEventAttributes: {
          timerId: attrs.timerId,
          startToFireTimeout: attrs.startToFireTimeout,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      const expiry = addMs(update.now, durationToMs(attrs.startToFireTimeout));
      update.state.timers[attrs.timerId] = TimerInfo.fromPartial({ timerId: attrs.timerId, startedEventId: event.eventId, expiryTime: expiry });
      update.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_USER_TIMER, fireTime: expiry, eventId: event.eventId, timerId: attrs.timerId });
      return;
    }

    case CommandType.COMMAND_TYPE_CANCEL_TIMER: {
      const timerId = command.cancelTimerCommandAttributes!.timerId;
      const timer = update.state.timers[timerId];
      if (!timer) {
        throw badAttributes(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES, `invalid history builder state for action: TimerCanceled, TimerID: ${timerId}`);
      }
      update.appendEvent(EventType.EVENT_TYPE_TIMER_CANCELED, {
        timerCanceledEventAttributes: { timerId, startedEventId: timer.startedEventId, workflowTaskCompletedEventId: completedEventId, identity },
      });
      delete update.state.timers[timerId];
      return;
    }

    case CommandType.COMMAND_TYPE_RECORD_MARKER: {
      const attrs = command.recordMarkerCommandAttributes!;
      checkPayloadSize(
        update,
        Object.values(attrs.details).reduce((n, p) => n + payloadsSize(p), 0),
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
        'RecordMarkerCommandAttributes.Details',
      );
      update.appendEvent(EventType.EVENT_TYPE_MARKER_RECORDED, {
        markerRecordedEventAttributes: {
          markerName: attrs.markerName,
          details: attrs.details,
          workflowTaskCompletedEventId: completedEventId,
          header: attrs.header,
          failure: attrs.failure,
        },
      });
      return;
    }

    case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
      const searchAttributes = command.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes;
      const cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES;
      if (!searchAttributes) throw badAttributes(cause, 'SearchAttributes is not set on UpsertWorkflowSearchAttributesCommand.');
      if (Object.keys(searchAttributes.indexedFields).length === 0) throw badAttributes(cause, 'IndexedFields is not set on UpsertWorkflowSearchAttributesCommand.');
      const problem = checkSearchAttributes(searchAttributes);
      if (problem) throw badAttributes(cause, problem);
      update.appendEvent(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
        upsertWorkflowSearchAttributesEventAttributes: { workflowTaskCompletedEventId: completedEventId, searchAttributes },
      });
      // Temporal's MergeMapOfPayload: a null or empty-list value removes the attribute.
      update.info.searchAttributes = { indexedFields: mergePayloadMap(update.info.searchAttributes?.indexedFields, searchAttributes.indexedFields) };
      update.visibilityChanged = true;
      return;
    }

    case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES: {
      const upsertedMemo = command.modifyWorkflowPropertiesCommandAttributes!.upsertedMemo;
      update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, {
        workflowPropertiesModifiedEventAttributes: { workflowTaskCompletedEventId: completedEventId, upsertedMemo },
      });
      update.info.memo = { fields: mergePayloadMap(update.info.memo?.fields, upsertedMemo?.fields) };
      update.visibilityChanged = true;
      return;
    }

    case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION: {
      // (Temporal reports this one with the schedule-activity cause.)
      checkPayloadSize(
        update,
        payloadsSize(command.completeWorkflowExecutionCommandAttributes?.result),
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
        'CompleteWorkflowExecutionCommandAttributes.Result',
      );
      const result = command.completeWorkflowExecutionCommandAttributes?.result;
      // A cron workflow's next run follows at its next scheduled time, with this result.
      const cronMs = cronBackoff(update);
      const nextRunId = cronMs !== undefined ? newRunId() : '';
      const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, {
        workflowExecutionCompletedEventAttributes: { result, workflowTaskCompletedEventId: completedEventId, newExecutionRunId: nextRunId },
      });
      closeWorkflow(update, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, event.eventId);
      if (cronMs !== undefined) startNextRunOfChain(update, nextRunId, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, cronMs, { lastCompletionResult: result });
      return;
    }

    case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION: {
      const failure = command.failWorkflowExecutionCommandAttributes?.failure;
      checkPayloadSize(
        update,
        failure ? Failure.encode(failure).finish().length : 0,
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
        'FailWorkflowExecutionCommandAttributes.Failure',
      );
      failWorkflow(update, failure, completedEventId);
      return;
    }

    case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
      const attrs = command.startChildWorkflowExecutionCommandAttributes!;
      const cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES;
      if (!attrs.workflowId) throw badAttributes(cause, 'Required field WorkflowId is not set on command.');
      if (!attrs.workflowType?.name) throw badAttributes(cause, 'Required field WorkflowType is not set on command.');
      checkPayloadSize(update, payloadsSize(attrs.input), cause, 'StartChildWorkflowExecutionCommandAttributes.Input');
      initiateChild(update, attrs, completedEventId);
      return;
    }

    case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION: {
      const attrs = command.signalExternalWorkflowExecutionCommandAttributes!;
      const cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES;
      if (!attrs.execution?.workflowId) throw badAttributes(cause, 'WorkflowId is not set on command.');
      if (!attrs.signalName) throw badAttributes(cause, 'SignalName is not set on command.');
      checkPayloadSize(update, payloadsSize(attrs.input), cause, 'SignalExternalWorkflowExecutionCommandAttributes.Input');
      initiateExternalSignal(update, attrs, completedEventId);
      return;
    }

    case CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION: {
      const attrs = command.requestCancelExternalWorkflowExecutionCommandAttributes!;
      if (!attrs.workflowId) {
        throw badAttributes(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES, 'WorkflowId is not set on command.');
      }
      initiateExternalCancel(update, attrs, completedEventId);
      return;
    }

    case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
      continueAsNew(update, command.continueAsNewWorkflowExecutionCommandAttributes!, completedEventId, checkSearchAttributes);
      return;
    }

    case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION: {
      const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, {
        workflowExecutionCanceledEventAttributes: {
          details: command.cancelWorkflowExecutionCommandAttributes?.details,
          workflowTaskCompletedEventId: completedEventId,
        },
      });
      closeWorkflow(update, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, event.eventId);
      return;
    }

    default:
      throw new ApiError(Status.UNIMPLEMENTED, `Kairos does not support command ${CommandType[command.commandType]} yet`);
  }
}

/**
 * FailWorkflowExecution: WorkflowExecutionFailed and, with a retry policy that allows another
 * attempt, the next attempt as a new run of the chain after the policy's backoff; without one, a
 * cron workflow's next scheduled run. The failed event names the new run; both are written
 * together, as continue-as-new.
 */
function failWorkflow(update: ExecutionUpdate, failure: Failure | undefined, completedEventId: number): void {
  const info = update.info;
  const decision = retryDecision(update, failure);
  const retrying = decision.retryState === RetryState.RETRY_STATE_IN_PROGRESS;
  const cronMs = retrying ? undefined : cronBackoff(update);
  const nextRunId = retrying || cronMs !== undefined ? newRunId() : '';
  const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
    workflowExecutionFailedEventAttributes: {
      failure,
      retryState: decision.retryState,
      workflowTaskCompletedEventId: completedEventId,
      newExecutionRunId: nextRunId,
    },
  });
  closeWorkflow(update, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, event.eventId);
  if (retrying) startNextRunOfChain(update, nextRunId, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY, decision.backoffMs, { failure });
  else if (cronMs !== undefined) {
    startNextRunOfChain(update, nextRunId, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, cronMs, { failure, lastCompletionResult: info.lastCompletionResult });
  }
}

/** What the run's retry policy says about `failure` (RETRY_POLICY_NOT_SET without one). */
export function retryDecision(update: ExecutionUpdate, failure: Failure | undefined): { retryState: RetryState; backoffMs: number } {
  const info = update.info;
  if (!info.retryPolicy) return { retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET, backoffMs: 0 };
  return decideRetry({
    policy: withRetryDefaults(info.retryPolicy),
    attempt: info.attempt || 1,
    failure,
    cancelRequested: false,
    now: update.now,
    expiration: info.workflowExecutionExpirationTime,
  });
}

/** A cron workflow's wait until its next scheduled run (Temporal's GetCronBackoffDuration), or undefined. */
export function cronBackoff(update: ExecutionUpdate): number | undefined {
  const info = update.info;
  if (!info.cronSchedule) return undefined;
  return cronBackoffMs(info.cronSchedule, info.executionTime ?? info.startTime!, update.now);
}

/**
 * The next run of a retried or cron chain, as Temporal sets it up: the first run's input, header,
 * policies, memo and search attributes, the chain's execution deadline, a new attempt count (or
 * the next attempt, for a retry), written with the closing run.
 */
export function startNextRunOfChain(
  update: ExecutionUpdate,
  nextRunId: string,
  initiator: ContinueAsNewInitiator,
  backoffMs: number,
  carried: { failure?: Failure; lastCompletionResult?: Payloads },
): void {
  const info = update.info;
  const retry = initiator === ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY;
  update.continuedRun = newExecution(
    info.namespaceId,
    nextRunId,
    StartWorkflowExecutionRequest.fromPartial({
      workflowId: info.workflowId,
      workflowType: { name: info.workflowTypeName },
      taskQueue: info.taskQueue,
      input: info.startInput,
      workflowExecutionTimeout: info.workflowExecutionTimeout,
      workflowRunTimeout: info.workflowRunTimeout,
      workflowTaskTimeout: info.workflowTaskTimeout,
      requestId: randomUUID(),
      header: info.startHeader,
      memo: info.memo,
      searchAttributes: info.searchAttributes,
      retryPolicy: info.retryPolicy,
      cronSchedule: info.cronSchedule,
      priority: info.priority,
    }),
    undefined,
    {
      continuedExecutionRunId: info.runId,
      firstExecutionRunId: info.firstExecutionRunId,
      initiator,
      continuedFailure: carried.failure,
      lastCompletionResult: carried.lastCompletionResult,
      workflowExecutionExpirationTime: info.workflowExecutionExpirationTime,
      backoffMs: continueAsNewBackoffMs(update, backoffMs),
      autoResetPoints: info.autoResetPoints,
      attempt: retry ? (info.attempt || 1) + 1 : 1,
    },
    info.parent,
  );
}

/** Temporal keeps at most this many auto-reset points per chain (the oldest go first). */
const MAX_AUTO_RESET_POINTS = 20;

/**
 * Temporal's auto-reset points: the first workflow task a build (or binary checksum) completed in
 * this chain, a place a reset can go back to; kept into continued runs.
 */
function addAutoResetPoint(update: ExecutionUpdate, buildId: string, isChecksum: boolean, completedEventId: number): void {
  if (!buildId) return;
  const info = update.info;
  const points = info.autoResetPoints?.points ?? [];
  if (points.some((p) => (isChecksum ? p.binaryChecksum : p.buildId) === buildId)) return;
  const point = {
    binaryChecksum: isChecksum ? buildId : '',
    buildId: isChecksum ? '' : buildId,
    runId: info.runId,
    firstWorkflowTaskCompletedId: completedEventId,
    createTime: update.now,
    expireTime: update.retentionMs > 0 ? addMs(update.now, update.retentionMs) : undefined,
    resettable: true,
  };
  info.autoResetPoints = { points: [...points, point].slice(-MAX_AUTO_RESET_POINTS) };
}

/** Temporal's workflowIdReuseMinimalInterval: a continued run starts no sooner than this after its predecessor. */
const CONTINUE_AS_NEW_MIN_INTERVAL_MS = 1_000;

/** The backoff before a continued run's first workflow task, as Temporal computes it. */
function continueAsNewBackoffMs(update: ExecutionUpdate, requestedMs: number): number {
  const lifetime = update.now.getTime() - (update.info.executionTime ?? update.info.startTime!).getTime();
  return lifetime + requestedMs < CONTINUE_AS_NEW_MIN_INTERVAL_MS ? CONTINUE_AS_NEW_MIN_INTERVAL_MS - lifetime : requestedMs;
}

/**
 * Closes the run with WorkflowExecutionContinuedAsNew and prepares its successor (same workflow
 * id, same chain); both are written together. Unset type, queue and timeouts carry over.
 */
function continueAsNew(
  update: ExecutionUpdate,
  attrs: ContinueAsNewWorkflowExecutionCommandAttributes,
  completedEventId: number,
  checkSearchAttributes: SearchAttributesCheck,
): void {
  const cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES;
  checkPayloadSize(update, payloadsSize(attrs.input), cause, 'ContinueAsNewWorkflowExecutionCommandAttributes.Input');
  const info = update.info;
  const nextRunId = newRunId();
  const workflowType = attrs.workflowType?.name ? attrs.workflowType : { name: info.workflowTypeName };
  const taskQueue = TaskQueue.fromPartial({ name: attrs.taskQueue?.name || info.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
  const searchAttributesProblem = checkSearchAttributes(attrs.searchAttributes);
  if (searchAttributesProblem) {
    throw badAttributes(
      WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
      `invalid SearchAttributes on ContinueAsNewWorkflowExecutionCommand: ${searchAttributesProblem}. WorkflowType=${workflowType.name} TaskQueue=${taskQueue.name}`,
    );
  }
  const workflowRunTimeout = durationToMs(attrs.workflowRunTimeout) > 0 ? attrs.workflowRunTimeout : durationToMs(info.workflowRunTimeout) > 0 ? info.workflowRunTimeout : undefined;
  const workflowTaskTimeout = durationToMs(attrs.workflowTaskTimeout) > 0 ? attrs.workflowTaskTimeout : info.workflowTaskTimeout;
  const initiator = attrs.initiator || ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW;
  const event = update.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
    workflowExecutionContinuedAsNewEventAttributes: {
      newExecutionRunId: nextRunId,
      workflowType,
      taskQueue,
      input: attrs.input,
      workflowRunTimeout,
      workflowTaskTimeout,
      workflowTaskCompletedEventId: completedEventId,
      backoffStartInterval: attrs.backoffStartInterval,
      initiator,
      failure: attrs.failure,
      lastCompletionResult: attrs.lastCompletionResult,
      header: attrs.header,
      memo: attrs.memo,
      searchAttributes: attrs.searchAttributes,
      inheritBuildId: attrs.inheritBuildId,
    },
  });
  closeWorkflow(update, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, event.eventId);
  update.continuedRun = newExecution(
    info.namespaceId,
    nextRunId,
    StartWorkflowExecutionRequest.fromPartial({
      workflowId: info.workflowId,
      workflowType,
      taskQueue,
      input: attrs.input,
      workflowExecutionTimeout: info.workflowExecutionTimeout,
      workflowRunTimeout,
      workflowTaskTimeout,
      requestId: randomUUID(),
      header: attrs.header,
      memo: attrs.memo,
      searchAttributes: attrs.searchAttributes,
      retryPolicy: attrs.retryPolicy,
      cronSchedule: attrs.cronSchedule,
      priority: info.priority,
    }),
    undefined,
    {
      continuedExecutionRunId: info.runId,
      firstExecutionRunId: info.firstExecutionRunId,
      initiator,
      backoffMs: continueAsNewBackoffMs(update, durationToMs(attrs.backoffStartInterval)),
      autoResetPoints: info.autoResetPoints,
      continuedFailure: attrs.failure,
      lastCompletionResult: attrs.lastCompletionResult,
      workflowExecutionExpirationTime: info.workflowExecutionExpirationTime,
    },
    // A child's next run is still its parent's child.
    info.parent,
  );
}

function jsonPayload(value: unknown) {
  return {
    externalPayloads: [],
    metadata: { encoding: new TextEncoder().encode('json/plain') },
    data: new TextEncoder().encode(JSON.stringify(value)),
  };
}
