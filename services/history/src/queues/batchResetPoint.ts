import type { HistoryClient } from '@kairos/cluster';
import { ApiError, invalidArgument } from '@kairos/common/errors';
import { Status } from 'nice-grpc-common';
import type { BatchOperationReset } from '@kairos/proto/temporal/api/batch/v1/message';
import { ResetType } from '@kairos/proto/temporal/api/enums/v1/reset';
import { EventType, type HistoryEvent } from '../workflow/protos';
import type { BatchTarget } from './batchOperationKinds';

/*
 * Where a batch reset sends each workflow, as Temporal's batcher finds it: the first or the last
 * workflow task of the target's history, a given event id, or a build id's auto-reset point.
 */

/** The batcher's words when a history has no workflow task to reset to (a failure, not retried). */
const NO_WORKFLOW_TASK = 'unable to find any scheduled or completed task';

/** The reset point of `target` (whose run id the build id's point may change). */
export async function batchResetPoint(history: HistoryClient, namespaceId: string, namespace: string, reset: BatchOperationReset, target: BatchTarget): Promise<number> {
  const options = reset.options;
  if (options) {
    if (options.firstWorkflowTask) return firstWorkflowTask(history, namespaceId, namespace, target);
    if (options.lastWorkflowTask) return lastWorkflowTask(history, namespaceId, namespace, target);
    if (options.workflowTaskId !== undefined) return options.workflowTaskId;
    if (options.buildId !== undefined) return buildIdPoint(history, namespaceId, namespace, target, options.buildId, options.currentRunOnly);
    throw invalidArgument('provided reset target is not supported.');
  }
  if (reset.resetType === ResetType.RESET_TYPE_FIRST_WORKFLOW_TASK) return firstWorkflowTask(history, namespaceId, namespace, target);
  if (reset.resetType === ResetType.RESET_TYPE_LAST_WORKFLOW_TASK) return lastWorkflowTask(history, namespaceId, namespace, target);
  throw invalidArgument(`provided reset type (${ResetType[reset.resetType] ?? reset.resetType}) is not supported.`);
}

/** The first WorkflowTaskCompleted, or the first scheduled task's id + 1 when none completed. */
async function firstWorkflowTask(history: HistoryClient, namespaceId: string, namespace: string, target: BatchTarget): Promise<number> {
  let point = 0;
  let nextPageToken = new Uint8Array();
  do {
    const page = (await history.getWorkflowExecutionHistory({ namespaceId, request: historyRequest(namespace, target, nextPageToken) })).response!;
    for (const event of page.history?.events ?? []) {
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return event.eventId;
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && point === 0) point = event.eventId + 1;
    }
    nextPageToken = page.nextPageToken;
  } while (nextPageToken.length > 0);
  return found(point);
}

/** The last WorkflowTaskCompleted, or (none completed) the earliest scheduled task's id + 1. */
async function lastWorkflowTask(history: HistoryClient, namespaceId: string, namespace: string, target: BatchTarget): Promise<number> {
  let point = 0;
  let nextPageToken = new Uint8Array();
  do {
    const page = (
      await history.getWorkflowExecutionHistoryReverse({
        namespaceId,
        request: { namespace, execution: target, maximumPageSize: 1000, nextPageToken },
      })
    ).response!;
    for (const event of page.history?.events ?? ([] as HistoryEvent[])) {
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return event.eventId;
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) point = event.eventId + 1;
    }
    nextPageToken = page.nextPageToken;
  } while (nextPageToken.length > 0);
  return found(point);
}

/** The auto-reset point of the build id (its run may be an earlier one of the chain). */
async function buildIdPoint(history: HistoryClient, namespaceId: string, namespace: string, target: BatchTarget, buildId: string, currentRunOnly: boolean): Promise<number> {
  const described = (await history.describeWorkflowExecution({ namespaceId, request: { namespace, execution: target } })).response!;
  const point = described.workflowExecutionInfo?.autoResetPoints?.points.find((p) => p.buildId === buildId);
  if (!point) throw invalidArgument(`Can't find reset point for ${buildId}`);
  if (!point.resettable) throw invalidArgument(`Reset point for ${buildId} is not resettable`);
  if (point.expireTime && point.expireTime.getTime() < Date.now()) throw invalidArgument(`Reset point for ${buildId} is expired`);
  if (currentRunOnly && target.runId !== point.runId) throw invalidArgument(`Reset point for ${buildId} points to previous run and CurrentRunOnly is set`);
  target.runId = point.runId;
  return point.firstWorkflowTaskCompletedId;
}

function historyRequest(namespace: string, target: BatchTarget, nextPageToken: Uint8Array) {
  return {
    namespace,
    execution: target,
    maximumPageSize: 1000,
    nextPageToken,
    waitNewEvent: false,
    historyEventFilterType: 0,
    skipArchival: false,
  };
}

function found(point: number): number {
  // FAILED_PRECONDITION: the target counts as failed at once (Temporal: a non-retryable error).
  if (point === 0) throw new ApiError(Status.FAILED_PRECONDITION, NO_WORKFLOW_TASK);
  return point;
}
