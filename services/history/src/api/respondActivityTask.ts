import { activityCancelNotRequested, activityTaskNotFound, invalidArgument, workflowNotFound } from '@kairos/common/errors';
import { decodeTaskToken } from '@kairos/domain';
import type { ExecutionKey } from '@kairos/persistence/store';
import {
  RecordActivityTaskHeartbeatResponse,
  type RecordActivityTaskHeartbeatRequest,
  type RespondActivityTaskCanceledRequest,
  type RespondActivityTaskCompletedRequest,
  type RespondActivityTaskFailedRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { closeActivity, failActivityAttempt, recordActivityHeartbeat } from '../workflow/activities';
import { payloadsSize } from '../workflow/payloads';
import type { RunTransaction } from '../workflow/runTransaction';
import { ActivityInfo, EventType, Failure, TaskTokenKind } from '../workflow/protos';

/*
 * What a worker reports about a started activity attempt — heartbeat, completed, failed,
 * canceled — by task token, or by workflow id + activity id (async completion).
 */

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
function startedActivity(run: RunTransaction, target: ActivityTarget): ActivityInfo {
  if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
  const activity =
    target.scheduledEventId !== undefined
      ? run.state.activities[target.scheduledEventId]
      : Object.values(run.state.activities).find((a) => a.activityId === target.activityId);
  if (!activity || !activity.started) throw activityTaskNotFound();
  if (target.attempt !== undefined && activity.attempt !== target.attempt) throw activityTaskNotFound();
  return activity;
}

function activityToken(bytes: Uint8Array, namespaceId: string): ActivityTarget {
  const token = decodeTaskToken(bytes, TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK);
  if (token.namespaceId !== namespaceId) throw activityTaskNotFound();
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
  if (!ids.workflowId) throw invalidArgument('WorkflowId is not set on request.');
  if (!ids.activityId) throw invalidArgument('ActivityId is not set on request.');
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
  return ctx.executions.transact(target.key, (run) => {
    const activity = startedActivity(run, target);
    if (payloadsSize(request.details) > run.limits.blobSizeLimitError) {
      failActivityAttempt(run, activity, serverFailure('Heartbeat details exceed size limit.'), '');
      return RecordActivityTaskHeartbeatResponse.fromPartial({ cancelRequested: true });
    }
    const cancelRequested = recordActivityHeartbeat(run, activity, request.details);
    // An operator paused or reset the activity: the worker is told so it can stop the attempt.
    return RecordActivityTaskHeartbeatResponse.fromPartial({ cancelRequested, activityPaused: activity.paused, activityReset: activity.activityReset });
  });
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
  await ctx.executions.transact(target.key, (run) => {
    const activity = startedActivity(run, target);
    if (payloadsSize(request.result) > run.limits.blobSizeLimitError) {
      failActivityAttempt(run, activity, serverFailure('Complete result exceeds size limit.'), request.identity, request.workerVersion);
      return;
    }
    closeActivity(
      run,
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
  await ctx.executions.transact(target.key, (run) => {
    const activity = startedActivity(run, target);
    const failure =
      request.failure && Failure.encode(request.failure).finish().length > run.limits.blobSizeLimitError
        ? serverFailure('Failure exceeds size limit.')
        : request.failure;
    failActivityAttempt(run, activity, failure, request.identity, request.workerVersion, request.lastHeartbeatDetails);
  });
}

export async function respondActivityTaskCanceled(
  ctx: HistoryContext,
  target: ActivityTarget,
  request: Pick<RespondActivityTaskCanceledRequest, 'details' | 'identity'>,
): Promise<void> {
  await ctx.executions.transact(target.key, (run) => {
    const activity = startedActivity(run, target);
    if (!activity.cancelRequested) {
      throw activityCancelNotRequested();
    }
    closeActivity(
      run,
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
