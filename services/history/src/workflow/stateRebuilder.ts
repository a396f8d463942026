import { randomUUID } from 'node:crypto';
import { addMs, DEFAULT_LIMITS, durationToMs, mergePayloadMap, mergePriorities } from '@kairos/domain';
import { ChildExecutionInfo, ExternalRequestInfo, UpdateInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import { addAutoResetPoint } from './autoResetPoints';
import { RunTransaction } from './runTransaction';
import {
  ActivityInfo,
  ExecutionInfo,
  MutableState,
  TaskQueue,
  TaskQueueKind,
  TimerInfo,
  WorkflowExecutionStatus,
  WorkflowTaskInfo,
  type HistoryEvent,
} from './protos';

/*
 * Temporal's StateRebuilder, for ResetWorkflowExecution: the mutable state a run would have after
 * the given events, rebuilt for a new run id. Pure: no tasks are created here (the reset arms
 * what the rebuilt state needs), and no I/O.
 */

export interface RebuildTarget {
  namespaceId: string;
  workflowId: string;
  /** The new run's id: auto-reset points made while replaying name it, as Temporal's do. */
  runId: string;
  /** The time of the rebuild: the new run's start and execution time, as Temporal's. */
  now: Date;
  /** The base run's start request id (Temporal keeps it on the reset run). */
  startRequestId: string;
  /** When the chain's reset lineage started (the base's original start time). */
  originalStartTime: Date | undefined;
  /** The namespace's retention: the auto-reset points made while replaying expire with it. */
  retentionMs: number;
}

/** Rebuilds the state after `events` (ids 1..n, in order, starting with WorkflowExecutionStarted). */
export function rebuildMutableState(events: HistoryEvent[], target: RebuildTarget): MutableState {
  const first = events[0];
  const started = first?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error('rebuildMutableState: the history does not start with WorkflowExecutionStarted');
  // As Temporal's RefreshExpirationTimeoutTask on a reset: both deadlines count again from now,
  // the run's no later than the execution's.
  const runMs = durationToMs(started.workflowRunTimeout);
  const executionMs = durationToMs(started.workflowExecutionTimeout);
  const executionDeadline = executionMs > 0 ? addMs(target.now, executionMs) : undefined;
  const runDeadline = runMs > 0 ? addMs(target.now, runMs) : undefined;
  const info = ExecutionInfo.fromPartial({
    namespaceId: target.namespaceId,
    workflowId: target.workflowId,
    runId: target.runId,
    firstExecutionRunId: started.firstExecutionRunId,
    workflowTypeName: started.workflowType?.name ?? '',
    taskQueue: TaskQueue.fromPartial({ name: started.taskQueue?.name ?? '', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }),
    workflowTaskTimeout: started.workflowTaskTimeout,
    workflowRunTimeout: started.workflowRunTimeout,
    workflowExecutionTimeout: started.workflowExecutionTimeout,
    startTime: target.now,
    executionTime: target.now,
    status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
    startRequestId: target.startRequestId,
    workflowRunExpirationTime: runDeadline && executionDeadline && executionDeadline < runDeadline ? executionDeadline : runDeadline,
    workflowExecutionExpirationTime: executionDeadline,
    memo: started.memo,
    searchAttributes: started.searchAttributes,
    workflowTaskAttempt: 1,
    autoResetPoints: started.prevAutoResetPoints,
    parent: started.parentWorkflowExecution
      ? {
          namespace: started.parentWorkflowNamespace,
          namespaceId: started.parentWorkflowNamespaceId,
          execution: started.parentWorkflowExecution,
          initiatedEventId: started.parentInitiatedEventId,
          rootExecution: started.rootWorkflowExecution,
        }
      : undefined,
    retryPolicy: started.retryPolicy,
    attempt: started.attempt || 1,
    startInput: started.retryPolicy || started.cronSchedule ? started.input : undefined,
    startHeader: started.retryPolicy || started.cronSchedule ? started.header : undefined,
    cronSchedule: started.cronSchedule,
    lastCompletionResult: started.cronSchedule ? started.lastCompletionResult : undefined,
    priority: started.priority,
    userMetadata: first.userMetadata,
    originalStartTime: target.originalStartTime,
    lastResetTime: target.now,
  });
  const state = MutableState.fromPartial({ executionInfo: info, nextEventId: 1 });
  for (const event of events) {
    if (event.eventId !== state.nextEventId) throw new Error(`rebuildMutableState: event ${event.eventId} where ${state.nextEventId} was expected`);
    apply(state, event, target);
    state.nextEventId += 1;
  }
  return state;
}

/** One event's effect on the state (the ones that change nothing a later step reads are skipped). */
function apply(state: MutableState, event: HistoryEvent, target: RebuildTarget): void {
  const info = state.executionInfo!;
  const time = event.eventTime ?? target.now;
  const a = event;
  if (a.workflowTaskScheduledEventAttributes) {
    const attrs = a.workflowTaskScheduledEventAttributes;
    state.workflowTasksScheduled += 1;
    info.workflowTaskAttempt = attrs.attempt || 1;
    // The rebuilt run has no sticky worker: its tasks go to the normal queue.
    state.workflowTask = WorkflowTaskInfo.fromPartial({
      scheduledEventId: event.eventId,
      attempt: attrs.attempt || 1,
      taskQueue: { name: info.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      scheduledTime: time,
      startToCloseTimeout: attrs.startToCloseTimeout,
      stamp: state.workflowTasksScheduled,
    });
  } else if (a.workflowTaskStartedEventAttributes) {
    const task = state.workflowTask;
    if (task) {
      task.startedEventId = event.eventId;
      task.startedTime = time;
      task.requestId = a.workflowTaskStartedEventAttributes.requestId;
      task.identity = a.workflowTaskStartedEventAttributes.identity;
    }
  } else if (a.workflowTaskCompletedEventAttributes) {
    const attrs = a.workflowTaskCompletedEventAttributes;
    state.workflowTask = undefined;
    info.workflowTaskAttempt = 1;
    info.lastCompletedWorkflowTaskStartedEventId = attrs.startedEventId;
    addAutoResetPoint(new RunTransaction(state, target.now, DEFAULT_LIMITS, target.retentionMs), attrs.binaryChecksum, attrs.workerVersion?.buildId ?? '', event.eventId);
  } else if (a.workflowTaskFailedEventAttributes || a.workflowTaskTimedOutEventAttributes) {
    const attempt = state.workflowTask?.attempt ?? info.workflowTaskAttempt;
    state.workflowTask = undefined;
    info.workflowTaskAttempt = attempt + 1;
  } else if (a.activityTaskScheduledEventAttributes) {
    const attrs = a.activityTaskScheduledEventAttributes;
    state.activities[event.eventId] = ActivityInfo.fromPartial({
      priority: mergePriorities(info.priority, attrs.priority),
      scheduledEventId: event.eventId,
      activityId: attrs.activityId,
      activityType: attrs.activityType,
      taskQueue: { name: attrs.taskQueue?.name ?? '', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      scheduleToCloseTimeout: attrs.scheduleToCloseTimeout,
      scheduleToStartTimeout: attrs.scheduleToStartTimeout,
      startToCloseTimeout: attrs.startToCloseTimeout,
      heartbeatTimeout: attrs.heartbeatTimeout,
      retryPolicy: attrs.retryPolicy,
      scheduledTime: time,
      currentAttemptScheduledTime: time,
      attempt: 1,
    });
  } else if (a.activityTaskStartedEventAttributes) {
    const attrs = a.activityTaskStartedEventAttributes;
    const activity = state.activities[attrs.scheduledEventId];
    if (activity) {
      activity.started = true;
      activity.startedTime = time;
      activity.startedIdentity = attrs.identity;
      activity.startedRequestId = attrs.requestId;
      activity.attempt = attrs.attempt || 1;
      activity.lastFailure = attrs.lastFailure;
    }
  } else if (a.activityTaskCancelRequestedEventAttributes) {
    const activity = state.activities[a.activityTaskCancelRequestedEventAttributes.scheduledEventId];
    if (activity) {
      activity.cancelRequested = true;
      activity.cancelRequestedEventId = event.eventId;
    }
  } else if (a.activityTaskCompletedEventAttributes) {
    delete state.activities[a.activityTaskCompletedEventAttributes.scheduledEventId];
  } else if (a.activityTaskFailedEventAttributes) {
    delete state.activities[a.activityTaskFailedEventAttributes.scheduledEventId];
  } else if (a.activityTaskTimedOutEventAttributes) {
    delete state.activities[a.activityTaskTimedOutEventAttributes.scheduledEventId];
  } else if (a.activityTaskCanceledEventAttributes) {
    delete state.activities[a.activityTaskCanceledEventAttributes.scheduledEventId];
  } else if (a.timerStartedEventAttributes) {
    const attrs = a.timerStartedEventAttributes;
    state.timers[attrs.timerId] = TimerInfo.fromPartial({
      timerId: attrs.timerId,
      startedEventId: event.eventId,
      expiryTime: addMs(time, durationToMs(attrs.startToFireTimeout)),
    });
  } else if (a.timerFiredEventAttributes) {
    delete state.timers[a.timerFiredEventAttributes.timerId];
  } else if (a.timerCanceledEventAttributes) {
    delete state.timers[a.timerCanceledEventAttributes.timerId];
  } else if (a.workflowExecutionSignaledEventAttributes) {
    info.signalCount = (info.signalCount ?? 0) + 1;
  } else if (a.workflowExecutionCancelRequestedEventAttributes) {
    info.cancelRequested = true;
  } else if (a.upsertWorkflowSearchAttributesEventAttributes) {
    const upserted = a.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields;
    info.searchAttributes = { indexedFields: mergePayloadMap(info.searchAttributes?.indexedFields, upserted) };
  } else if (a.workflowPropertiesModifiedEventAttributes) {
    const upserted = a.workflowPropertiesModifiedEventAttributes.upsertedMemo?.fields;
    info.memo = { fields: mergePayloadMap(info.memo?.fields, upserted) };
  } else if (a.startChildWorkflowExecutionInitiatedEventAttributes) {
    const attrs = a.startChildWorkflowExecutionInitiatedEventAttributes;
    state.children[event.eventId] = ChildExecutionInfo.fromPartial({
      initiatedEventId: event.eventId,
      namespace: attrs.namespace,
      namespaceId: attrs.namespaceId || info.namespaceId,
      workflowId: attrs.workflowId,
      workflowTypeName: attrs.workflowType?.name ?? '',
      parentClosePolicy: attrs.parentClosePolicy,
      createRequestId: randomUUID(),
    });
  } else if (a.childWorkflowExecutionStartedEventAttributes) {
    const attrs = a.childWorkflowExecutionStartedEventAttributes;
    const child = state.children[attrs.initiatedEventId];
    if (child) {
      child.startedEventId = event.eventId;
      child.runId = attrs.workflowExecution?.runId ?? '';
    }
  } else {
    const closedChild =
      a.startChildWorkflowExecutionFailedEventAttributes ??
      a.childWorkflowExecutionCompletedEventAttributes ??
      a.childWorkflowExecutionFailedEventAttributes ??
      a.childWorkflowExecutionCanceledEventAttributes ??
      a.childWorkflowExecutionTimedOutEventAttributes ??
      a.childWorkflowExecutionTerminatedEventAttributes;
    if (closedChild) {
      delete state.children[closedChild.initiatedEventId];
      return;
    }
    applyExternalOrUpdate(state, event);
  }
}

/** Signals and cancellations sent to other runs, and workflow updates. */
function applyExternalOrUpdate(state: MutableState, event: HistoryEvent): void {
  const info = state.executionInfo!;
  const signal = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
  const cancel = event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes;
  if (signal || cancel) {
    const execution = (signal ?? cancel)!.workflowExecution;
    state.externalRequests[event.eventId] = ExternalRequestInfo.fromPartial({
      initiatedEventId: event.eventId,
      cancel: Boolean(cancel),
      namespace: (signal ?? cancel)!.namespace,
      namespaceId: info.namespaceId,
      execution: { workflowId: execution?.workflowId ?? '', runId: execution?.runId ?? '' },
      control: (signal ?? cancel)!.control,
      requestId: randomUUID(),
    });
    return;
  }
  const answered =
    event.externalWorkflowExecutionSignaledEventAttributes ??
    event.signalExternalWorkflowExecutionFailedEventAttributes ??
    event.externalWorkflowExecutionCancelRequestedEventAttributes ??
    event.requestCancelExternalWorkflowExecutionFailedEventAttributes;
  if (answered) {
    delete state.externalRequests[answered.initiatedEventId];
    return;
  }
  const admitted = event.workflowExecutionUpdateAdmittedEventAttributes;
  if (admitted?.request?.meta) {
    state.updatesAdmitted += 1;
    // The request is in history: the worker reads it there, so it is not sent again as a message.
    state.updates[admitted.request.meta.updateId] = UpdateInfo.fromPartial({ request: admitted.request, admittedSeq: state.updatesAdmitted, sent: true, admittedInHistory: true });
    return;
  }
  const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
  if (accepted) {
    const existing = state.updates[accepted.protocolInstanceId];
    if (!existing) state.updatesAdmitted += 1;
    state.updates[accepted.protocolInstanceId] = UpdateInfo.fromPartial({
      admittedSeq: existing?.admittedSeq ?? state.updatesAdmitted,
      acceptedEventId: event.eventId,
    });
    return;
  }
  const completed = event.workflowExecutionUpdateCompletedEventAttributes;
  if (completed?.meta) {
    const existing = state.updates[completed.meta.updateId];
    if (existing) existing.completedEventId = event.eventId;
  }
}
