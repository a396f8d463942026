import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import { decodeTaskToken, encodeTaskToken } from '@kairos/domain';
import type { ExecutionKey } from '@kairos/persistence/store';
import type { RecordActivityTaskStartedRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import {
  RecordActivityTaskHeartbeatResponse,
  type RecordActivityTaskHeartbeatRequest,
  type RespondActivityTaskCanceledRequest,
  type RespondActivityTaskCompletedRequest,
  type RespondActivityTaskFailedRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { closeActivity, failActivityAttempt, startActivity } from '../activities';
import type { HistoryContext } from '../context';
import type { ExecutionUpdate } from '../executionUpdate';
import { workflowNotFound } from '../executionManager';
import { ActivityInfo, EventType, Failure, Payloads, PollActivityTaskQueueResponse, TaskTokenKind } from '../protos';
import type { Header, Priority } from '@kairos/proto/temporal/api/common/v1/message';
import { payloadsSize } from '../payloads';
import { taskAlreadyStarted } from './taskErrors';

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
  const [scheduled] = await ctx.executions.readHistory(key, activity.scheduledEventId, activity.scheduledEventId + 1, 1);
  const namespace = await ctx.namespaces.getById(key.namespaceId);
  return activityTaskResponse(key, activity, workflowTypeName, namespace.info!.name, scheduled?.activityTaskScheduledEventAttributes);
}

/** The task a worker gets for a started activity attempt (from a poll, or eagerly). */
export function activityTaskResponse(
  key: ExecutionKey,
  activity: ActivityInfo,
  workflowTypeName: string,
  namespaceName: string,
  scheduled: { header?: Header; input?: Payloads; priority?: Priority } | undefined,
): PollActivityTaskQueueResponse {
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
    workflowNamespace: namespaceName,
    workflowType: { name: workflowTypeName },
    workflowExecution: { workflowId: key.workflowId, runId: key.runId },
    activityType: activity.activityType,
    activityId: activity.activityId,
    header: scheduled?.header,
    input: scheduled?.input,
    heartbeatDetails: activity.lastHeartbeatDetails,
    scheduledTime: activity.scheduledTime,
    currentAttemptScheduledTime: activity.currentAttemptScheduledTime,
    startedTime: activity.startedTime,
    attempt: activity.attempt,
    // The TS SDK requires schedule-to-close to be present, zero meaning none.
    scheduleToCloseTimeout: activity.scheduleToCloseTimeout ?? { seconds: 0, nanos: 0 },
    startToCloseTimeout: activity.startToCloseTimeout,
    heartbeatTimeout: activity.heartbeatTimeout,
    retryPolicy: activity.retryPolicy,
    priority: scheduled?.priority,
  });
}

/**
 * Which activity attempt a request is about: by task token (that exact attempt) or, for async
 * completion, by workflow id + activity id (the current attempt).
 */
export interface ActivityTarget {
  key: ExecutionKey;
  scheduledEventId?: number;
  attempt?: number;
  activityId?: string;
}

/** The pending, started activity the target names; NOT_FOUND for stale or finished ones. */
function startedActivity(update: ExecutionUpdate, target: ActivityTarget): ActivityInfo {
  if (!update.isOpen) throw workflowNotFound('workflow execution already completed');
  const activity =
    target.scheduledEventId !== undefined
      ? update.state.activities[target.scheduledEventId]
      : Object.values(update.state.activities).find((a) => a.activityId === target.activityId);
  if (!activity || !activity.started) throw activityNotFound();
  if (target.attempt !== undefined && activity.attempt !== target.attempt) throw activityNotFound();
  return activity;
}

function activityToken(bytes: Uint8Array, namespaceId: string): ActivityTarget {
  const token = decodeTaskToken(bytes, TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK);
  if (token.namespaceId !== namespaceId) throw activityNotFound();
  return {
    key: { namespaceId: token.namespaceId, workflowId: token.workflowId, runId: token.runId },
    scheduledEventId: token.scheduledEventId,
    attempt: token.attempt,
  };
}

/** Resolves an async-completion request by ids (an empty run id means the current run). */
export async function activityById(
  ctx: HistoryContext,
  namespaceId: string,
  ids: { workflowId: string; runId: string; activityId: string },
): Promise<ActivityTarget> {
  if (!ids.workflowId) throw new ApiError(Status.INVALID_ARGUMENT, 'WorkflowId is not set on request.');
  if (!ids.activityId) throw new ApiError(Status.INVALID_ARGUMENT, 'ActivityId is not set on request.');
  return { key: await ctx.executions.resolveRunId(namespaceId, ids.workflowId, ids.runId), activityId: ids.activityId };
}

export function targetOf(namespaceId: string, request: { taskToken: Uint8Array }): ActivityTarget {
  return activityToken(request.taskToken, namespaceId);
}

export async function recordActivityTaskHeartbeat(
  ctx: HistoryContext,
  target: ActivityTarget,
  request: Pick<RecordActivityTaskHeartbeatRequest, 'details'>,
): Promise<RecordActivityTaskHeartbeatResponse> {
  const cancelRequested = await ctx.executions.update(target.key, (update) => {
    const activity = startedActivity(update, target);
    if (payloadsSize(request.details) > update.limits.blobSizeLimitError) {
      failActivityAttempt(update, activity, serverFailure('Heartbeat details exceed size limit.'), '');
      return true;
    }
    activity.lastHeartbeatDetails = request.details;
    activity.lastHeartbeatTime = update.now;
    return activity.cancelRequested;
  });
  return RecordActivityTaskHeartbeatResponse.fromPartial({ cancelRequested });
}

/** Temporal turns an over-limit activity payload into a non-retryable server failure. */
function serverFailure(message: string): Failure {
  return Failure.fromPartial({ message, serverFailureInfo: { nonRetryable: true } });
}

export async function respondActivityTaskCompleted(
  ctx: HistoryContext,
  target: ActivityTarget,
  request: Pick<RespondActivityTaskCompletedRequest, 'result' | 'identity' | 'workerVersion'>,
): Promise<void> {
  await ctx.executions.update(target.key, (update) => {
    const activity = startedActivity(update, target);
    if (payloadsSize(request.result) > update.limits.blobSizeLimitError) {
      failActivityAttempt(update, activity, serverFailure('Complete result exceeds size limit.'), request.identity, request.workerVersion);
      return;
    }
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
  target: ActivityTarget,
  request: Pick<RespondActivityTaskFailedRequest, 'failure' | 'identity' | 'workerVersion' | 'lastHeartbeatDetails'>,
): Promise<void> {
  await ctx.executions.update(target.key, (update) => {
    const activity = startedActivity(update, target);
    if (request.lastHeartbeatDetails) activity.lastHeartbeatDetails = request.lastHeartbeatDetails;
    const failure =
      request.failure && Failure.encode(request.failure).finish().length > update.limits.blobSizeLimitError
        ? serverFailure('Failure exceeds size limit.')
        : request.failure;
    failActivityAttempt(update, activity, failure, request.identity, request.workerVersion);
  });
}

export async function respondActivityTaskCanceled(
  ctx: HistoryContext,
  target: ActivityTarget,
  request: Pick<RespondActivityTaskCanceledRequest, 'details' | 'identity'>,
): Promise<void> {
  await ctx.executions.update(target.key, (update) => {
    const activity = startedActivity(update, target);
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
