import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/dist/errors';
import { decodeTaskToken, encodeTaskToken } from '@kairos/domain';
import type { ExecutionKey } from '@kairos/persistence/dist/store';
import type { RecordActivityTaskStartedRequest } from '@kairos/proto/dist/generated/kairos/historyservice/v1/request_response';
import {
  RecordActivityTaskHeartbeatResponse,
  type RecordActivityTaskHeartbeatRequest,
  type RespondActivityTaskCanceledRequest,
  type RespondActivityTaskCompletedRequest,
  type RespondActivityTaskFailedRequest,
} from '@kairos/proto/dist/generated/temporal/api/workflowservice/v1/request_response';
import { closeActivity, failActivityAttempt, startActivity } from '../activities';
import type { HistoryContext } from '../context';
import type { ExecutionUpdate } from '../executionUpdate';
import { workflowNotFound } from '../executionManager';
import { ActivityInfo, EventType, PollActivityTaskQueueResponse, TaskTokenKind } from '../protos';
import { taskAlreadyStarted } from './workflowTaskApi';

function activityNotFound(): ApiError {
  return new ApiError(Status.NOT_FOUND, 'invalid activityID or activity already timed out or invoking workflow is completed');
}

export async function recordActivityTaskStarted(
  ctx: HistoryContext,
  request: RecordActivityTaskStartedRequest,
): Promise<PollActivityTaskQueueResponse> {
  const key: ExecutionKey = {
    namespaceId: request.namespaceId,
    workflowId: request.workflowExecution!.workflowId,
    runId: request.workflowExecution!.runId,
  };
  const { activity, workflowTypeName } = await ctx.executions.update(key, (update) => {
    const activity = update.state.activities[request.scheduledEventId];
    if (!update.isOpen || !activity || activity.attempt !== request.attempt) throw activityNotFound();
    if (activity.started) {
      if (activity.startedRequestId !== request.requestId) throw taskAlreadyStarted();
      update.discard();
    } else {
      startActivity(update, activity, request.requestId, request.identity, request.workerVersion);
    }
    return { activity: ActivityInfo.fromPartial(activity), workflowTypeName: update.info.workflowTypeName };
  });
  // Input and header live in the scheduled event; read it rather than copying them into state.
  const [scheduled] = await ctx.store.readHistory(key, activity.scheduledEventId, activity.scheduledEventId + 1, 1);
  const attrs = scheduled?.activityTaskScheduledEventAttributes;
  const namespace = await ctx.namespaces.getById(key.namespaceId);
  return PollActivityTaskQueueResponse.fromPartial({
    taskToken: encodeTaskToken({
      kind: TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK,
      namespaceId: key.namespaceId,
      workflowId: key.workflowId,
      runId: key.runId,
      scheduledEventId: activity.scheduledEventId,
      attempt: activity.attempt,
      activityId: activity.activityId,
    }),
    workflowNamespace: namespace.info!.name,
    workflowType: { name: workflowTypeName },
    workflowExecution: { workflowId: key.workflowId, runId: key.runId },
    activityType: activity.activityType,
    activityId: activity.activityId,
    header: attrs?.header,
    input: attrs?.input,
    heartbeatDetails: activity.lastHeartbeatDetails,
    scheduledTime: activity.scheduledTime,
    currentAttemptScheduledTime: activity.currentAttemptScheduledTime,
    startedTime: activity.startedTime,
    attempt: activity.attempt,
    scheduleToCloseTimeout: activity.scheduleToCloseTimeout ?? { seconds: 0, nanos: 0 },
    startToCloseTimeout: activity.startToCloseTimeout,
    heartbeatTimeout: activity.heartbeatTimeout,
    retryPolicy: activity.retryPolicy,
    priority: attrs?.priority,
  });
}

/** The pending activity a worker's token names, if that attempt is still the running one. */
function startedActivity(update: ExecutionUpdate, token: ReturnType<typeof decodeTaskToken>): ActivityInfo {
  if (!update.isOpen) throw workflowNotFound('workflow execution already completed');
  const activity = update.state.activities[token.scheduledEventId];
  if (!activity || !activity.started || activity.attempt !== token.attempt) throw activityNotFound();
  return activity;
}

function keyOf(token: ReturnType<typeof decodeTaskToken>): ExecutionKey {
  return { namespaceId: token.namespaceId, workflowId: token.workflowId, runId: token.runId };
}

function activityToken(bytes: Uint8Array, namespaceId: string) {
  const token = decodeTaskToken(bytes, TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK);
  if (token.namespaceId !== namespaceId) throw activityNotFound();
  return token;
}

export async function recordActivityTaskHeartbeat(
  ctx: HistoryContext,
  namespaceId: string,
  request: RecordActivityTaskHeartbeatRequest,
): Promise<RecordActivityTaskHeartbeatResponse> {
  const token = activityToken(request.taskToken, namespaceId);
  const cancelRequested = await ctx.executions.update(keyOf(token), (update) => {
    const activity = startedActivity(update, token);
    activity.lastHeartbeatDetails = request.details;
    activity.lastHeartbeatTime = update.now;
    return activity.cancelRequested;
  });
  return RecordActivityTaskHeartbeatResponse.fromPartial({ cancelRequested });
}

export async function respondActivityTaskCompleted(
  ctx: HistoryContext,
  namespaceId: string,
  request: RespondActivityTaskCompletedRequest,
): Promise<void> {
  const token = activityToken(request.taskToken, namespaceId);
  await ctx.executions.update(keyOf(token), (update) => {
    const activity = startedActivity(update, token);
    closeActivity(
      update,
      activity,
      { type: EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, attrs: { result: request.result, identity: request.identity } },
      request.workerVersion,
    );
  });
}

export async function respondActivityTaskFailed(
  ctx: HistoryContext,
  namespaceId: string,
  request: RespondActivityTaskFailedRequest,
): Promise<void> {
  const token = activityToken(request.taskToken, namespaceId);
  await ctx.executions.update(keyOf(token), (update) => {
    const activity = startedActivity(update, token);
    if (request.lastHeartbeatDetails) activity.lastHeartbeatDetails = request.lastHeartbeatDetails;
    failActivityAttempt(update, activity, request.failure, request.identity, request.workerVersion);
  });
}

export async function respondActivityTaskCanceled(
  ctx: HistoryContext,
  namespaceId: string,
  request: RespondActivityTaskCanceledRequest,
): Promise<void> {
  const token = activityToken(request.taskToken, namespaceId);
  await ctx.executions.update(keyOf(token), (update) => {
    const activity = startedActivity(update, token);
    if (!activity.cancelRequested) {
      throw new ApiError(
        Status.INVALID_ARGUMENT,
        'unable to mark activity as canceled without activity being request canceled first',
      );
    }
    closeActivity(
      update,
      activity,
      {
        type: EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
        attrs: { details: request.details, identity: request.identity, latestCancelRequestedEventId: activity.cancelRequestedEventId },
      },
      // Temporal does not stamp the started event of a cancelled activity with the worker's build id.
      undefined,
    );
  });
}
