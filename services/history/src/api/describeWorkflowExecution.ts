import { runNotFound } from '@kairos/common/errors';
import type { DescribeWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { PendingActivityState, PendingWorkflowTaskState } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { withTypeMetadata } from '@kairos/domain';
import type { HistoryContext } from './context';
import { DescribeWorkflowExecutionResponse, WorkflowExecutionStatus, type ActivityInfo, type Duration } from '../workflow/protos';
import { activityOptionsOf } from '../workflow/activityOperations';
import { VersioningBehavior } from '@kairos/proto/temporal/api/enums/v1/workflow';
import type { VersioningOverride } from '@kairos/proto/temporal/api/workflow/v1/message';

export async function describeWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: DescribeWorkflowExecutionRequest,
): Promise<DescribeWorkflowExecutionResponse> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  const snapshot = await ctx.executions.read(key);
  if (!snapshot) throw runNotFound(key.workflowId, key.runId);
  const state = snapshot.mutableState;
  const now = new Date();
  const info = state.executionInfo!;
  const task = state.workflowTask;
  // As Temporal's frontend (ApplyTypeMap): payloads set without the `type` metadata get it.
  const searchAttributes = Object.keys(info.searchAttributes?.indexedFields ?? {}).length
    ? withTypeMetadata(info.searchAttributes, await ctx.store.getSearchAttributes(namespaceId))
    : info.searchAttributes;
  return DescribeWorkflowExecutionResponse.fromPartial({
    executionConfig: {
      taskQueue: info.taskQueue,
      workflowExecutionTimeout: info.workflowExecutionTimeout,
      workflowRunTimeout: info.workflowRunTimeout,
      defaultWorkflowTaskTimeout: info.workflowTaskTimeout,
      userMetadata: info.userMetadata,
    },
    workflowExecutionInfo: {
      execution: { workflowId: info.workflowId, runId: info.runId },
      type: { name: info.workflowTypeName },
      startTime: info.startTime,
      closeTime: info.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING ? undefined : info.closeTime,
      status: info.status,
      historyLength: state.nextEventId - 1,
      executionTime: info.executionTime,
      // Temporal always sends these, empty when there is nothing.
      memo: info.memo ?? { fields: {} },
      searchAttributes: searchAttributes ?? { indexedFields: {} },
      autoResetPoints: info.autoResetPoints ?? { points: [] },
      taskQueue: info.taskQueue!.name,
      // One store write is one state transition.
      stateTransitionCount: snapshot.dbVersion,
      historySizeBytes: info.historySizeBytes,
      parentNamespaceId: info.parent?.namespaceId ?? '',
      parentExecution: info.parent?.execution,
      rootExecution: info.parent?.rootExecution ?? { workflowId: info.workflowId, runId: info.runId },
      firstRunId: info.firstExecutionRunId,
      executionDuration: undefined,
      // Set by UpdateWorkflowExecutionOptions (Kairos keeps no other versioning information).
      versioningInfo: info.versioningOverride ? { versioningOverride: withDeprecatedBehavior(info.versioningOverride) } : undefined,
    },
    workflowExtendedInfo: {
      executionExpirationTime: info.workflowExecutionExpirationTime,
      runExpirationTime: info.workflowRunExpirationTime,
      cancelRequested: info.cancelRequested,
      // A run made by a reset keeps the start time of the run it was rebuilt from.
      originalStartTime: info.originalStartTime ?? info.startTime,
      resetRunId: info.resetRunId,
      lastResetTime: info.lastResetTime,
    },
    pendingChildren: Object.values(state.children).map((c) => ({
      workflowId: c.workflowId,
      runId: c.runId,
      workflowTypeName: c.workflowTypeName,
      initiatedId: c.initiatedEventId,
      parentClosePolicy: c.parentClosePolicy,
    })),
    pendingActivities: Object.values(state.activities).map((a) => pendingActivityInfo(a, now)),
    pendingWorkflowTask: task
      ? {
          state: task.startedEventId > 0
            ? PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
            : PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED,
          scheduledTime: task.scheduledTime,
          originalScheduledTime: task.scheduledTime,
          startedTime: task.startedTime,
          attempt: task.attempt,
        }
      : undefined,
  });
}

/** One pending activity as Temporal's GetPendingActivityInfo shows it, with its pause and options. */
function pendingActivityInfo(a: ActivityInfo, now: Date) {
  let state = a.cancelRequested
    ? PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
    : a.started
      ? PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
      : PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED;
  let nextAttemptScheduleTime: Date | undefined;
  let currentRetryInterval: Duration | undefined;
  const scheduled = a.currentAttemptScheduledTime;
  // A retry waiting for its backoff (not while paused: nothing is dispatched then).
  if (state === PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED && !a.paused && scheduled && scheduled.getTime() > now.getTime()) {
    nextAttemptScheduleTime = scheduled;
    currentRetryInterval = durationFromMs(scheduled.getTime() - (a.lastAttemptCompleteTime?.getTime() ?? 0));
  }
  if (a.paused) {
    if (state === PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED) state = PendingActivityState.PENDING_ACTIVITY_STATE_PAUSED;
    else if (state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) state = PendingActivityState.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED;
  }
  const options = activityOptionsOf(a);
  return {
    activityId: a.activityId,
    activityType: a.activityType,
    state,
    heartbeatDetails: a.lastHeartbeatDetails,
    lastHeartbeatTime: a.lastHeartbeatTime,
    lastStartedTime: a.startedTime,
    attempt: Math.max(a.attempt, 1),
    maximumAttempts: a.retryPolicy?.maximumAttempts ?? 0,
    scheduledTime: a.currentAttemptScheduledTime,
    lastFailure: a.lastFailure,
    lastWorkerIdentity: a.lastWorkerIdentity,
    lastAttemptCompleteTime: a.lastAttemptCompleteTime,
    nextAttemptScheduleTime,
    currentRetryInterval,
    paused: a.paused,
    pauseInfo: a.paused && a.pauseInfo
      ? { pauseTime: a.pauseInfo.pauseTime, manual: { identity: a.pauseInfo.identity, reason: a.pauseInfo.reason } }
      : undefined,
    priority: a.priority,
    activityOptions: { ...options, taskQueue: { name: options.taskQueue!.name, kind: 0, normalName: options.taskQueue!.name }, startDelay: undefined },
  };
}

function durationFromMs(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

/** As Temporal's Describe: an override also names its behavior in the deprecated `behavior` field. */
function withDeprecatedBehavior(override: VersioningOverride): VersioningOverride {
  if (override.autoUpgrade) return { ...override, behavior: VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE };
  if (override.pinned) return { ...override, behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED };
  return override;
}
