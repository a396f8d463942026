import { randomUUID } from 'node:crypto';
import { commandNotSupported, invalidCommandSequence, unknownCommandType } from '@kairos/common/errors';
import { mergePayloadMap } from '@kairos/domain';
import { Memo, type Payload } from '@kairos/proto/temporal/api/common/v1/message';
import type { ScheduleActivityTaskCommandAttributes } from '@kairos/proto/temporal/api/command/v1/message';
import type { RespondWorkflowTaskCompletedRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { BadCommandAttributesError, requestActivityCancellation, scheduleActivity, startActivity } from './activities';
import { addAutoResetPoint } from './autoResetPoints';
import { initiateChild } from './children';
import { cancelRun, completeRun, failRun } from './closeRun';
import { initiateExternalCancel, initiateExternalSignal } from './external';
import { continueAsNew } from './nextRun';
import { payloadsSize } from './payloads';
import type { RunTransaction } from './runTransaction';
import { cancelTimer, startTimer } from './timers';
import {
  validateCancelTimer,
  validateContinueAsNew,
  validateFailWorkflow,
  validateModifyWorkflowProperties,
  validateProtocolMessage,
  validateRecordMarker,
  validateRequestCancelActivity,
  validateRequestCancelExternal,
  validateScheduleActivity,
  validateSignalExternal,
  validateStartChild,
  validateStartTimer,
  validateUpsertSearchAttributes,
  type CommandContext,
  type SearchAttributesCheck,
} from './commandValidation';
import type { UpdateMessages } from './updates';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';
import { materializeTransientWorkflowTask } from './workflowTasks';
import { ActivityInfo, Command, CommandType, EventType, Failure, WorkflowTaskFailedCause, type WorkflowTaskInfo } from './protos';
import { memoSizeLimitError } from '@kairos/domain';

/*
 * The commands of a workflow task completion, dispatched to the transitions that carry them out:
 * each command is checked (attributes, payload limits) and then applied in order, one or more
 * events per command.
 */

const CLOSING_COMMANDS = new Set<CommandType>([
  CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

/** The commands that may come before others (Temporal's ValidateCommandSequence lists them). */
const NON_CLOSING_COMMANDS = new Set<CommandType>([
  CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
  CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
  CommandType.COMMAND_TYPE_START_TIMER,
  CommandType.COMMAND_TYPE_CANCEL_TIMER,
  CommandType.COMMAND_TYPE_RECORD_MARKER,
  CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES,
  CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE,
  CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION,
  CommandType.COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION,
]);

/** A command type as Temporal's messages name it: COMMAND_TYPE_START_TIMER is StartTimer (an unknown value, its number). */
function commandTypeName(type: CommandType): string {
  const name = CommandType[type] as string | undefined;
  if (!name || type < 0) return String(type);
  return name
    .replace(/^COMMAND_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep, c: string) => c.toUpperCase());
}

/**
 * Temporal's ValidateCommandSequence, before anything else of the completion: a closing command
 * must be the last one, and every command must be of a known type. Its error is answered as is
 * (INVALID_ARGUMENT) and nothing is written: the task stays started until it times out.
 */
export function validateCommandSequence(commands: Command[]): void {
  let closing: CommandType | undefined;
  for (const command of commands) {
    if (closing !== undefined) throw invalidCommandSequence(commands.map((c) => commandTypeName(c.commandType)), commandTypeName(closing));
    if (CLOSING_COMMANDS.has(command.commandType)) closing = command.commandType;
    else if (!NON_CLOSING_COMMANDS.has(command.commandType)) throw unknownCommandType(commandTypeName(command.commandType));
  }
}

function badAttributes(cause: WorkflowTaskFailedCause, message: string): WorkflowTaskCompletionRejected {
  return new WorkflowTaskCompletionRejected(cause, message);
}

/** An activity the completing worker runs itself (eager dispatch), started in this same transaction. */
export interface EagerActivity {
  activity: ActivityInfo;
  attrs: ScheduleActivityTaskCommandAttributes;
}

export type { SearchAttributesCheck } from './commandValidation';

/** Whether a completion sets search attributes (the caller then loads what checks them). */
export function commandsSetSearchAttributes(request: RespondWorkflowTaskCompletedRequest): boolean {
  return request.commands.some(
    (c) =>
      c.commandType === CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ||
      Object.keys(c.continueAsNewWorkflowExecutionCommandAttributes?.searchAttributes?.indexedFields ?? {}).length > 0 ||
      Object.keys(c.startChildWorkflowExecutionCommandAttributes?.searchAttributes?.indexedFields ?? {}).length > 0,
  );
}

/** What a completion's commands are checked with, besides the run itself. */
export interface CommandOptions {
  /** The namespace's search attributes check (loaded only when a command sets some). */
  checkSearchAttributes?: SearchAttributesCheck;
  updateMessages?: UpdateMessages;
  /** The run's namespace by name, and which other namespaces the commands name exist (unset in unit tests: not checked). */
  namespace?: { name: string; exists: (name: string) => boolean };
}

/**
 * Writes WorkflowTaskCompleted and then the events of each command, in command order (the SDKs
 * match command events to their commands by position). Returns the eager activities it started.
 */
export function applyCommands(
  run: RunTransaction,
  task: WorkflowTaskInfo,
  request: RespondWorkflowTaskCompletedRequest,
  hasBufferedEvents: boolean,
  options: CommandOptions = {},
): EagerActivity[] {
  validateCommandSequence(request.commands);
  const { updateMessages } = options;
  const ctx: CommandContext = {
    info: run.info,
    namespaceName: options.namespace?.name ?? '',
    namespaceExists: options.namespace?.exists ?? (() => true),
    checkSearchAttributes: options.checkSearchAttributes ?? (() => undefined),
    childrenStarted: new Set(),
  };

  materializeTransientWorkflowTask(run, request.identity);
  const completed = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, {
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
  run.info.lastCompletedWorkflowTaskStartedEventId = task.startedEventId;
  addAutoResetPoint(run, request.binaryChecksum, request.workerVersionStamp?.buildId ?? '', completed.eventId);
  run.state.workflowTask = undefined;

  const eager: EagerActivity[] = [];
  for (const command of request.commands) {
    try {
      // Events that came while the task ran must be seen before the run may close (Temporal
      // checks this first at each closing command).
      if (CLOSING_COMMANDS.has(command.commandType) && hasBufferedEvents) {
        throw new WorkflowTaskCompletionRejected(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND);
      }
      if (command.commandType === CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE) {
        // The message's events (update accepted / completed) take the command's place in order.
        const messageId = validateProtocolMessage(command.protocolMessageCommandAttributes);
        if (!updateMessages) throw badAttributes(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE, `ProtocolMessageCommand referenced absent message ID ${messageId}`);
        updateMessages.applyForCommand(messageId);
        continue;
      }
      const firstNewEvent = run.newEvents.length;
      applyCommand(run, command, completed.eventId, request.identity, eager, ctx);
      // As Temporal does: the command's metadata (summary, details) and the SDK's event group
      // markers go on the event the command wrote.
      const event = run.newEvents[firstNewEvent];
      if (event && command.userMetadata) event.userMetadata = command.userMetadata;
      if (event && command.eventGroupMarkers.length > 0) event.eventGroupMarkers = command.eventGroupMarkers;
    } catch (err) {
      if (err instanceof BadCommandAttributesError) throw badAttributes(err.failedCause, err.message);
      throw err;
    }
  }
  // A command closed the run: what the commands buffered (a never-started activity's
  // ActivityTaskCanceled) is dropped, as Temporal's history builder drops its buffer once the
  // workflow has finished. (Events buffered while the task ran would have refused a closing
  // command with UNHANDLED_COMMAND.)
  if (!run.isOpen) run.state.bufferedEvents = [];
  if (updateMessages) {
    updateMessages.applyRemaining();
    // Temporal does not count unanswered updates against a worker that just closed the run.
    if (run.isOpen) updateMessages.rejectUnprocessed();
  }
  // As Temporal does after all commands: start the eager activities still pending in an open run
  // (one may have been cancelled, or the run closed, by a later command of the same task).
  return eager.filter(({ activity }) => {
    if (!run.isOpen || !run.state.activities[activity.scheduledEventId]) return false;
    startActivity(run, activity, randomUUID(), request.identity);
    return true;
  });
}

/**
 * Temporal's payload limit for one command: past the error limit the task fails and the run is
 * terminated (a payload that big can never succeed); past the warn limit it is logged.
 */
function checkPayloadSize(run: RunTransaction, size: number, cause: WorkflowTaskFailedCause, what: string): void {
  if (size > run.limits.blobSizeLimitError) {
    throw new WorkflowTaskCompletionRejected(cause, `${what} exceeds size limit.`, true);
  }
  if (size > run.limits.blobSizeLimitWarn) run.warnings.push({ message: 'payload size exceeds warn limit', fields: { what, size, warnLimit: run.limits.blobSizeLimitWarn } });
}

/** Whether a command names a namespace (the caller then resolves the names to check them). */
export function commandsNameNamespace(request: RespondWorkflowTaskCompletedRequest): boolean {
  return namedNamespaces(request).length > 0;
}

/** The namespaces the completion's commands name (children, external signals and cancellations). */
export function namedNamespaces(request: RespondWorkflowTaskCompletedRequest): string[] {
  const names = request.commands.map(
    (c) =>
      c.startChildWorkflowExecutionCommandAttributes?.namespace ||
      c.signalExternalWorkflowExecutionCommandAttributes?.namespace ||
      c.requestCancelExternalWorkflowExecutionCommandAttributes?.namespace ||
      '',
  );
  return [...new Set(names.filter((n) => n))];
}

/** Temporal's size of a payload map (memo fields, search attributes): keys and data bytes. */
function payloadMapSize(fields: Record<string, Payload> | undefined): number {
  return Object.entries(fields ?? {}).reduce((n, [key, p]) => n + Buffer.byteLength(key) + (p.data?.length ?? 0), 0);
}

/** A memo past Temporal's memo limit fails the task and terminates the run, as an oversized payload does. */
function checkMemoSize(size: number, cause: WorkflowTaskFailedCause, message: string): void {
  if (size > memoSizeLimitError()) throw new WorkflowTaskCompletionRejected(cause, message, true);
}

/** Each command type's attributes field, the name Temporal's messages give it, and the cause a missing one fails the task with. */
const COMMAND_ATTRIBUTES: ReadonlyMap<CommandType, { field: keyof Command; name: string; cause: WorkflowTaskFailedCause }> = new Map([
  [CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK, { field: 'scheduleActivityTaskCommandAttributes', name: 'ScheduleActivityTask', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK, { field: 'requestCancelActivityTaskCommandAttributes', name: 'RequestCancelActivityTask', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_START_TIMER, { field: 'startTimerCommandAttributes', name: 'StartTimer', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_CANCEL_TIMER, { field: 'cancelTimerCommandAttributes', name: 'CancelTimer', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_RECORD_MARKER, { field: 'recordMarkerCommandAttributes', name: 'RecordMarker', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, { field: 'upsertWorkflowSearchAttributesCommandAttributes', name: 'UpsertWorkflowSearchAttributes', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES, { field: 'modifyWorkflowPropertiesCommandAttributes', name: 'ModifyWorkflowProperties', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, { field: 'completeWorkflowExecutionCommandAttributes', name: 'CompleteWorkflowExecution', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_COMPLETE_WORKFLOW_EXECUTION_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, { field: 'failWorkflowExecutionCommandAttributes', name: 'FailWorkflowExecution', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION, { field: 'cancelWorkflowExecutionCommandAttributes', name: 'CancelWorkflowExecution', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_WORKFLOW_EXECUTION_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION, { field: 'startChildWorkflowExecutionCommandAttributes', name: 'StartChildWorkflowExecution', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION, { field: 'signalExternalWorkflowExecutionCommandAttributes', name: 'SignalExternalWorkflowExecution', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION, { field: 'requestCancelExternalWorkflowExecutionCommandAttributes', name: 'RequestCancelExternalWorkflowExecution', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_ATTRIBUTES }],
  [CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION, { field: 'continueAsNewWorkflowExecutionCommandAttributes', name: 'ContinueAsNewWorkflowExecution', cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES }],
]);

/** A command without its attributes fails the workflow task as Temporal's validator does ("…CommandAttributes is not set on …Command."). */
function checkAttributesSet(command: Command): void {
  const spec = COMMAND_ATTRIBUTES.get(command.commandType);
  if (spec && command[spec.field] === undefined) {
    throw badAttributes(spec.cause, `${spec.name}CommandAttributes is not set on ${spec.name}Command.`);
  }
}

function applyCommand(
  run: RunTransaction,
  command: Command,
  completedEventId: number,
  identity: string,
  eager: EagerActivity[],
  ctx: CommandContext,
): void {
  checkAttributesSet(command);
  switch (command.commandType) {
    case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
      const attrs = validateScheduleActivity(command.scheduleActivityTaskCommandAttributes!, run.info);
      checkPayloadSize(run, payloadsSize(attrs.input), WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, 'ScheduleActivityTaskCommandAttributes.Input');
      const pending = Object.keys(run.state.activities).length;
      if (pending >= run.limits.pendingActivitiesLimit) {
        throw new WorkflowTaskCompletionRejected(
          WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PENDING_ACTIVITIES_LIMIT_EXCEEDED,
          `the number of pending activities, ${pending}, has reached the per-workflow limit of ${run.limits.pendingActivitiesLimit}`,
        );
      }
      const runEagerly = attrs.requestEagerExecution;
      const activity = scheduleActivity(run, attrs, completedEventId, runEagerly);
      if (runEagerly) eager.push({ activity, attrs });
      return;
    }

    case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
      const attrs = command.requestCancelActivityTaskCommandAttributes!;
      validateRequestCancelActivity(attrs);
      // A never-started activity's ActivityTaskCanceled is buffered: completeWorkflowTask flushes it
      // and schedules the workflow task that tells the workflow, after all the commands.
      requestActivityCancellation(run, attrs.scheduledEventId, completedEventId, identity);
      return;
    }

    case CommandType.COMMAND_TYPE_START_TIMER:
      return startTimer(run, validateStartTimer(command.startTimerCommandAttributes!), completedEventId);

    case CommandType.COMMAND_TYPE_CANCEL_TIMER: {
      const attrs = command.cancelTimerCommandAttributes!;
      validateCancelTimer(attrs);
      return cancelTimer(run, attrs.timerId, completedEventId, identity);
    }

    case CommandType.COMMAND_TYPE_RECORD_MARKER: {
      const attrs = command.recordMarkerCommandAttributes!;
      validateRecordMarker(attrs);
      checkPayloadSize(
        run,
        Object.values(attrs.details).reduce((n, p) => n + payloadsSize(p), 0),
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES,
        'RecordMarkerCommandAttributes.Details',
      );
      run.appendEvent(EventType.EVENT_TYPE_MARKER_RECORDED, {
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
      const searchAttributes = validateUpsertSearchAttributes(command.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes, ctx);
      const cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES;
      checkPayloadSize(run, payloadMapSize(searchAttributes.indexedFields), cause, 'UpsertWorkflowSearchAttributesCommandAttributes');
      run.appendEvent(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
        upsertWorkflowSearchAttributesEventAttributes: { workflowTaskCompletedEventId: completedEventId, searchAttributes },
      });
      // Temporal's MergeMapOfPayload: a null or empty-list value removes the attribute.
      run.info.searchAttributes = { indexedFields: mergePayloadMap(run.info.searchAttributes?.indexedFields, searchAttributes.indexedFields) };
      run.visibilityChanged = true;
      return;
    }

    case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES: {
      const attrs = command.modifyWorkflowPropertiesCommandAttributes!;
      validateModifyWorkflowProperties(attrs);
      const upsertedMemo = attrs.upsertedMemo!;
      const cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES;
      checkPayloadSize(run, payloadMapSize(upsertedMemo.fields), cause, 'ModifyWorkflowPropertiesCommandAttributes');
      const memo = { fields: mergePayloadMap(run.info.memo?.fields, upsertedMemo.fields) };
      checkMemoSize(Memo.encode(memo).finish().length, cause, 'ModifyWorkflowPropertiesCommandAttributes. Memo exceeds size limit.');
      run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, {
        workflowPropertiesModifiedEventAttributes: { workflowTaskCompletedEventId: completedEventId, upsertedMemo },
      });
      run.info.memo = memo;
      run.visibilityChanged = true;
      return;
    }

    case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION: {
      const result = command.completeWorkflowExecutionCommandAttributes?.result;
      // (Temporal reports this one with the schedule-activity cause.)
      checkPayloadSize(run, payloadsSize(result), WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, 'CompleteWorkflowExecutionCommandAttributes.Result');
      return completeRun(run, result, completedEventId);
    }

    case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION: {
      const attrs = command.failWorkflowExecutionCommandAttributes!;
      validateFailWorkflow(attrs);
      checkPayloadSize(
        run,
        Failure.encode(attrs.failure!).finish().length,
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES,
        'FailWorkflowExecutionCommandAttributes.Failure',
      );
      return failRun(run, attrs.failure, completedEventId);
    }

    case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
      const attrs = validateStartChild(command.startChildWorkflowExecutionCommandAttributes!, ctx);
      const cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES;
      checkPayloadSize(run, payloadsSize(attrs.input), cause, 'StartChildWorkflowExecutionCommandAttributes. Input');
      checkMemoSize(attrs.memo ? Memo.encode(attrs.memo).finish().length : 0, cause, 'StartChildWorkflowExecutionCommandAttributes.Memo exceeds size limit.');
      initiateChild(run, attrs, completedEventId);
      ctx.childrenStarted.add(attrs.workflowId);
      return;
    }

    case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION: {
      const attrs = command.signalExternalWorkflowExecutionCommandAttributes!;
      validateSignalExternal(attrs, ctx);
      checkPayloadSize(run, payloadsSize(attrs.input), WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES, 'SignalExternalWorkflowExecutionCommandAttributes.Input');
      // (The outcome events name the target namespace: the run's own when the command names none.)
      return initiateExternalSignal(run, attrs, completedEventId, ctx.namespaceName);
    }

    case CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION: {
      const attrs = command.requestCancelExternalWorkflowExecutionCommandAttributes!;
      validateRequestCancelExternal(attrs, ctx);
      return initiateExternalCancel(run, attrs, completedEventId, ctx.namespaceName);
    }

    case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION: {
      const attrs = validateContinueAsNew(command.continueAsNewWorkflowExecutionCommandAttributes!, ctx);
      const cause = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES;
      checkPayloadSize(run, payloadsSize(attrs.input), cause, 'ContinueAsNewWorkflowExecutionCommandAttributes. Input');
      checkMemoSize(attrs.memo ? Memo.encode(attrs.memo).finish().length : 0, cause, 'ContinueAsNewWorkflowExecutionCommandAttributes. Memo exceeds size limit.');
      return continueAsNew(run, attrs, completedEventId);
    }

    case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
      return cancelRun(run, command.cancelWorkflowExecutionCommandAttributes?.details, completedEventId);

    default:
      throw commandNotSupported(CommandType[command.commandType] ?? String(command.commandType));
  }
}
