import { Status } from 'nice-grpc-common';
import { ApiError, workflowNotReady } from '@kairos/common/errors';
import { searchAttributesProblem, unmappedSearchAttribute } from '@kairos/domain';
import {
  RespondWorkflowTaskCompletedResponse,
  type RespondWorkflowTaskCompletedRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { activityTaskResponse } from './shared/activityTaskResponse';
import { currentWorkflowTask, tokenKey, workflowTaskToken, type WorkflowTaskToken } from './shared/workflowTaskToken';
import { executionKeyString } from '../shard/executionManager';
import { commandsSetSearchAttributes, namedNamespaces, type SearchAttributesCheck } from '../workflow/commands';
import { abortDeliveredUpdates } from '../workflow/updates';
import { completeWorkflowTask, failRefusedCompletion, startWorkflowTaskInline } from '../workflow/workflowTaskCompletion';
import { startedWorkflowTask, workflowTaskPollResponse } from './shared/workflowTaskResponse';
import type { WorkflowTaskCompletionRejected } from '../workflow/workflowTaskRejection';
import { WorkflowTaskFailedCause } from '../workflow/protos';
import { completeMessage } from '@kairos/proto';

/**
 * RespondWorkflowTaskCompleted: the worker's commands and update messages applied to the run in
 * one write. Eager activities go back to the completing worker in the response; a refused
 * completion is recorded as WorkflowTaskFailed and answered INVALID_ARGUMENT.
 */
export async function respondWorkflowTaskCompleted(
  ctx: HistoryContext,
  namespaceId: string,
  request: RespondWorkflowTaskCompletedRequest,
): Promise<RespondWorkflowTaskCompletedResponse> {
  const token = workflowTaskToken(request.taskToken, namespaceId);
  const checkSearchAttributes = await searchAttributesCheck(ctx, namespaceId, request);
  const namespaceName = (await ctx.namespaces.getById(namespaceId)).info!.name;
  const existing = await existingNamespaces(ctx, namedNamespaces(request));
  const namespace = { name: namespaceName, exists: (name: string) => existing.has(name) };
  const key = tokenKey(token);
  const outcome = await ctx.executions.transact(key, (run) => {
    const outcome = completeWorkflowTask(run, currentWorkflowTask(run, token), request, { checkSearchAttributes, namespace });
    // Rejections are written nowhere: the callers waiting on those updates learn them from here.
    if (outcome.kind !== 'rejected' && outcome.rejections.length > 0) {
      run.afterCommit.push(() => ctx.updateOutcomes.rejected(executionKeyString(key), outcome.rejections));
    }
    // The worker asks for its next task in the answer (the SDKs always do): a normal task the
    // completion scheduled is started here for it, one round trip and no matching dispatch.
    const next =
      outcome.kind === 'completed' && request.returnNewWorkflowTask && startWorkflowTaskInline(run, { requestId: INLINE_TASK_REQUEST_ID, identity: request.identity, workerVersion: request.workerVersionStamp })
        ? startedWorkflowTask(run)
        : undefined;
    return { ...outcome, next };
  });
  if (outcome.kind === 'rejected') return recordRefusedCompletion(ctx, token, outcome.rejection, outcome.attempt, request);
  if (outcome.kind === 'discarded') return completeMessage(RespondWorkflowTaskCompletedResponse.fromPartial({ resetHistoryEventId: outcome.resetHistoryEventId }));
  const response = RespondWorkflowTaskCompletedResponse.fromPartial({
    // Eager activities go back to the completing worker in the response: no trip through matching.
    activityTasks: outcome.eager.map(({ activity, attrs }) => activityTaskResponse(key, activity, outcome.workflowTypeName, namespaceName, attrs)),
  });
  // Set after fromPartial, which would copy the task's history event by event.
  if (outcome.next) response.workflowTask = await workflowTaskPollResponse(ctx.executions, key, outcome.next, true);
  return completeMessage(response);
}

/** The request id Temporal records on a workflow task started for the worker that completed the previous one. */
const INLINE_TASK_REQUEST_ID = 'request-from-RespondWorkflowTaskCompleted';

/** What checks the search attributes the completion's commands set (only read when some do). */
async function searchAttributesCheck(ctx: HistoryContext, namespaceId: string, request: RespondWorkflowTaskCompletedRequest): Promise<SearchAttributesCheck | undefined> {
  if (!commandsSetSearchAttributes(request)) return undefined;
  const [custom, namespace] = await Promise.all([ctx.store.getSearchAttributes(namespaceId), ctx.namespaces.getById(namespaceId)]);
  const name = namespace.info!.name;
  return (sa) => {
    const unmapped = unmappedSearchAttribute(sa, custom, name);
    if (unmapped) return { message: unmapped, unmapped: true };
    const problem = searchAttributesProblem(sa, custom, name);
    return problem ? { message: problem, unmapped: false } : undefined;
  };
}

/** Which of the namespaces the commands name exist (the commands' checks answer NOT_FOUND for the others, at their place). */
async function existingNamespaces(ctx: HistoryContext, names: string[]): Promise<Set<string>> {
  const found = await Promise.all(
    names.map((name) =>
      ctx.namespaces.getByName(name).then(
        () => name,
        (err: unknown) => {
          if (err instanceof ApiError && err.code === Status.NOT_FOUND) return undefined;
          throw err;
        },
      ),
    ),
  );
  return new Set(found.filter((name): name is string => name !== undefined));
}

/**
 * Records why a completion was refused, on a fresh transaction: the updates the task delivered
 * are aborted, WorkflowTaskFailed (or, for oversized payloads, the run terminated); then answers
 * INVALID_ARGUMENT with the same message. A task that keeps failing past attempt 1 is left to
 * time out, as Temporal does.
 */
async function recordRefusedCompletion(
  ctx: HistoryContext,
  token: WorkflowTaskToken,
  rejection: WorkflowTaskCompletionRejected,
  attempt: number,
  request: RespondWorkflowTaskCompletedRequest,
): Promise<never> {
  const unhandled = rejection.failedCause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
  if (attempt > 1 && !unhandled) throw new ApiError(Status.INVALID_ARGUMENT, rejection.message);
  const key = tokenKey(token);
  await ctx.executions.transact(key, (run) => {
    currentWorkflowTask(run, token);
    const aborted = abortDeliveredUpdates(run);
    if (aborted.length > 0) {
      const error = workflowNotReady('Unable to perform workflow execution update due to unexpected workflow task failure.');
      run.afterCommit.push(() => ctx.updateOutcomes.aborted(executionKeyString(key), aborted, error));
    }
    failRefusedCompletion(run, rejection, request);
  });
  throw new ApiError(Status.INVALID_ARGUMENT, rejection.message);
}
