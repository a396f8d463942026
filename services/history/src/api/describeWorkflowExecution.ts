import { runNotFound } from '@kairos/common/errors';
import type { DescribeWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { PendingActivityState, PendingWorkflowTaskState } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { withTypeMetadata } from '@kairos/domain';
import type { HistoryContext } from './context';
import { DescribeWorkflowExecutionResponse, WorkflowExecutionStatus } from '../workflow/protos';

export async function describeWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: DescribeWorkflowExecutionRequest,
): Promise<DescribeWorkflowExecutionResponse> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  const snapshot = await ctx.executions.read(key);
  if (!snapshot) throw runNotFound(key.workflowId, key.runId);
  const state = snapshot.mutableState;
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
    pendingActivities: Object.values(state.activities).map((a) => ({
      activityId: a.activityId,
      activityType: a.activityType,
      state: a.cancelRequested
        ? PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
        : a.started
          ? PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
          : PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
      heartbeatDetails: a.lastHeartbeatDetails,
      lastHeartbeatTime: a.lastHeartbeatTime,
      lastStartedTime: a.startedTime,
      attempt: a.attempt,
      maximumAttempts: a.retryPolicy?.maximumAttempts ?? 0,
      scheduledTime: a.currentAttemptScheduledTime,
      lastFailure: a.lastFailure,
      lastWorkerIdentity: a.lastWorkerIdentity,
    })),
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
