import { Status } from 'nice-grpc-common';
import { ApiError, workflowNotReady } from '@kairos/common/errors';
import { decodeTaskToken, encodeTaskToken } from '@kairos/domain';
import type { ExecutionKey } from '@kairos/persistence/store';
import type {
  RespondWorkflowTaskCompletedRequest,
  RespondWorkflowTaskCompletedResponse,
  RespondWorkflowTaskFailedRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { RespondWorkflowTaskCompletedResponse as CompletedResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { RecordWorkflowTaskStartedRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { applyCommands, commandsSetSearchAttributes, type EagerActivity, type SearchAttributesCheck } from '../commands';
import { WorkflowTaskCompletionRejected } from '../workflowTaskRejection';
import { activityTaskResponse } from './activityTaskApi';
import { taskAlreadyStarted, workflowTaskNotFound } from './taskErrors';
import { HISTORY_SERVICE_IDENTITY, terminateRun } from '../termination';
import type { HistoryContext } from '../context';
import type { ExecutionUpdate } from '../executionUpdate';
import { workflowNotFound } from '../executionManager';
import { readHistoryPage } from '../historyReader';
import { ActivityInfo, ExecutionInfo, WorkflowTaskInfo, Failure, PollWorkflowTaskQueueResponse, TaskQueue, TaskQueueKind, TaskTokenKind, WorkflowTaskFailedCause } from '../protos';
import {
  clearStickiness,
  failWorkflowTask,
  resetWorkflowTaskAttempt,
  scheduleWorkflowTask,
  setStickiness,
  hasUnwrittenEvents,
  scheduleSpeculativeWorkflowTask,
  startWorkflowTask,
  transientWorkflowTaskEvents,
} from '../workflowTasks';
import { hasUnsentUpdates, outgoingUpdateMessages, UpdateMessages, type UpdateRejection } from '../updates';
import { executionKeyString } from '../executionManager';
import { durationToMs, searchAttributesProblem } from '@kairos/domain';


export async function recordWorkflowTaskStarted(
  ctx: HistoryContext,
  request: RecordWorkflowTaskStartedRequest,
): Promise<PollWorkflowTaskQueueResponse> {
  const key: ExecutionKey = {
    namespaceId: request.namespaceId,
    workflowId: request.workflowExecution!.workflowId,
    runId: request.workflowExecution!.runId,
  };
  const polledSticky = request.polledTaskQueue?.kind === TaskQueueKind.TASK_QUEUE_KIND_STICKY;
  const started = await ctx.executions.update(key, (update) => {
    const task = update.state.workflowTask;
    if (!update.isOpen || !task || task.scheduledEventId !== request.scheduledEventId) throw workflowTaskNotFound();
    if (task.startedEventId > 0) {
      if (task.requestId === request.requestId) {
        // A retried start: the same task again, with the updates it carried.
        update.discard();
        return { ...startedView(update), messages: outgoingUpdateMessages(update, task.startedEventId) };
      }
      throw taskAlreadyStarted();
    }
    // A task of a sticky run picked up from the normal queue means the sticky worker is gone.
    if (!polledSticky && update.info.stickyTaskQueue) clearStickiness(update);
    startWorkflowTask(update, request.requestId, request.identity, request.workerVersion);
    const messages = outgoingUpdateMessages(update, update.state.workflowTask!.startedEventId);
    return { ...startedView(update), messages };
  });
  const firstEventId = polledSticky && started.previous > 0 ? started.previous + 1 : 1;
  // Persisted events up to the task's start, then (for a transient task) its unwritten events.
  const page = await readHistoryPage(ctx.executions, key, firstEventId, started.persistedUpTo, 0);
  if (page.nextPageToken.length === 0) page.events.push(...started.transientEvents);
  return PollWorkflowTaskQueueResponse.fromPartial({
    taskToken: encodeTaskToken({
      kind: TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK,
      namespaceId: key.namespaceId,
      workflowId: key.workflowId,
      runId: key.runId,
      scheduledEventId: started.scheduledEventId,
      startedEventId: started.startedEventId,
      attempt: started.attempt,
      workflowTaskStamp: started.stamp,
    }),
    workflowExecution: { workflowId: key.workflowId, runId: key.runId },
    workflowType: { name: started.info.workflowTypeName },
    previousStartedEventId: started.previous,
    startedEventId: started.startedEventId,
    attempt: started.attempt,
    history: { events: page.events },
    nextPageToken: page.nextPageToken,
    workflowExecutionTaskQueue: TaskQueue.fromPartial({ name: started.info.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }),
    scheduledTime: started.scheduledTime,
    startedTime: started.startedTime,
    messages: started.messages,
  });
}

/** What the poll response needs of a just-started workflow task, captured inside the update. */
function startedView(update: ExecutionUpdate) {
  const task = WorkflowTaskInfo.fromPartial(update.state.workflowTask!);
  return {
    ...task,
    previous: update.info.lastCompletedWorkflowTaskStartedEventId,
    info: ExecutionInfo.fromPartial(update.info),
    persistedUpTo: hasUnwrittenEvents(task) ? update.state.nextEventId : task.startedEventId + 1,
    transientEvents: transientWorkflowTaskEvents(update),
  };
}

/** Checks a worker's workflow task token against the run's current workflow task. */
function currentWorkflowTask(update: ExecutionUpdate, token: ReturnType<typeof decodeTaskToken>) {
  if (!update.isOpen) throw workflowNotFound('Workflow execution already completed.');
  const task = update.state.workflowTask;
  if (
    !task ||
    task.scheduledEventId !== token.scheduledEventId ||
    task.startedEventId !== token.startedEventId ||
    task.startedEventId === 0 ||
    task.attempt !== token.attempt ||
    // An earlier (discarded) speculative task with the same ids.
    (token.workflowTaskStamp !== 0 && task.stamp !== token.workflowTaskStamp)
  ) {
    throw workflowTaskNotFound();
  }
  return task;
}

function tokenKey(token: ReturnType<typeof decodeTaskToken>): ExecutionKey {
  return { namespaceId: token.namespaceId, workflowId: token.workflowId, runId: token.runId };
}

export async function respondWorkflowTaskCompleted(
  ctx: HistoryContext,
  namespaceId: string,
  request: RespondWorkflowTaskCompletedRequest,
): Promise<RespondWorkflowTaskCompletedResponse> {
  const token = decodeTaskToken(request.taskToken, TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK);
  if (token.namespaceId !== namespaceId) throw workflowTaskNotFound();
  const checkSearchAttributes = await searchAttributesCheck(ctx, namespaceId, request);
  const key = tokenKey(token);
  const outcome = await ctx.executions.update(
    key,
    (update) => {
      const task = currentWorkflowTask(update, token);
      const hasBuffered = update.state.bufferedEvents.length > 0;
      const updateMessages = new UpdateMessages(update, request.messages);
      const rememberRejections = () => {
        const rejections: UpdateRejection[] = updateMessages.rejections;
        if (rejections.length > 0) update.afterCommit.push(() => ctx.updateOutcomes.rejected(executionKeyString(key), rejections));
      };
      if (task.speculative && request.commands.length === 0 && !hasBuffered && !request.forceCreateNewWorkflowTask && updateMessages.onlyRejections) {
        // Nothing happened but rejections: the speculative task disappears as if it never ran,
        // and the worker is told to drop its events (Temporal's reset_history_event_id).
        try {
          updateMessages.applyRemaining();
          updateMessages.rejectUnprocessed();
        } catch (err) {
          if (!(err instanceof WorkflowTaskCompletionRejected)) throw err;
          update.discard();
          return { kind: 'rejected' as const, rejection: err, attempt: task.attempt };
        }
        update.state.workflowTask = undefined;
        resetWorkflowTaskAttempt(update);
        applyStickiness(update, request);
        scheduleSpeculativeWorkflowTask(update);
        rememberRejections();
        return { kind: 'discarded' as const, resetHistoryEventId: update.info.lastCompletedWorkflowTaskStartedEventId };
      }
      let eager: EagerActivity[];
      try {
        eager = applyCommands(update, task, request, hasBuffered, checkSearchAttributes, updateMessages);
      } catch (err) {
        if (!(err instanceof WorkflowTaskCompletionRejected)) throw err;
        // None of this completion is kept; the failure is recorded on a fresh copy below.
        update.discard();
        return { kind: 'rejected' as const, rejection: err, attempt: task.attempt };
      }
      resetWorkflowTaskAttempt(update);
      applyStickiness(update, request);
      const hadBuffered = update.flushBufferedEvents();
      if (hadBuffered || request.forceCreateNewWorkflowTask) scheduleWorkflowTask(update);
      // Updates that arrived while this task ran go out with a speculative task of their own.
      else if (hasUnsentUpdates(update)) scheduleSpeculativeWorkflowTask(update);
      rememberRejections();
      return {
        kind: 'completed' as const,
        eager: eager.map((e) => ({ activity: ActivityInfo.fromPartial(e.activity), attrs: e.attrs })),
        workflowTypeName: update.info.workflowTypeName,
      };
    },
  );
  if (outcome.kind === 'rejected') return recordRejectedCompletion(ctx, token, outcome.rejection, outcome.attempt, request);
  if (outcome.kind === 'discarded') return CompletedResponse.fromPartial({ resetHistoryEventId: outcome.resetHistoryEventId });
  if (outcome.eager.length === 0) return CompletedResponse.fromPartial({});
  // Eager activities go back to the completing worker in the response: no trip through matching.
  const namespaceName = (await ctx.namespaces.getById(namespaceId)).info!.name;
  return CompletedResponse.fromPartial({
    activityTasks: outcome.eager.map(({ activity, attrs }) => activityTaskResponse(key, activity, outcome.workflowTypeName, namespaceName, attrs)),
  });
}

/** The worker's sticky queue from its completion, or none. */
function applyStickiness(update: ExecutionUpdate, request: RespondWorkflowTaskCompletedRequest): void {
  const sticky = request.stickyAttributes?.workerTaskQueue?.name;
  if (sticky && update.isOpen) {
    setStickiness(update, sticky, durationToMs(request.stickyAttributes!.scheduleToStartTimeout) || 10_000);
  } else {
    clearStickiness(update);
  }
}

/** What checks the search attributes the completion's commands set (only read when some do). */
async function searchAttributesCheck(ctx: HistoryContext, namespaceId: string, request: RespondWorkflowTaskCompletedRequest): Promise<SearchAttributesCheck | undefined> {
  if (!commandsSetSearchAttributes(request)) return undefined;
  const [custom, namespace] = await Promise.all([ctx.store.getSearchAttributes(namespaceId), ctx.namespaces.getById(namespaceId)]);
  return (sa) => searchAttributesProblem(sa, custom, namespace.info!.name);
}

/**
 * Records why a completion was refused: WorkflowTaskFailed with a server failure (and, for
 * oversized payloads, the run terminated), then answers INVALID_ARGUMENT with the same message.
 * A task that keeps failing past attempt 1 is left to time out, as Temporal does.
 */
async function recordRejectedCompletion(
  ctx: HistoryContext,
  token: ReturnType<typeof decodeTaskToken>,
  rejection: WorkflowTaskCompletionRejected,
  attempt: number,
  request: RespondWorkflowTaskCompletedRequest,
): Promise<never> {
  const unhandled = rejection.failedCause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;
  if (attempt > 1 && !unhandled) throw new ApiError(Status.INVALID_ARGUMENT, rejection.message);
  const key = tokenKey(token);
  await ctx.executions.update(key, (update) => {
    currentWorkflowTask(update, token);
    // Updates this task delivered fail for good (the workflow saw them; a retry must not repeat
    // them); those it did not deliver wait for the next task.
    const sent = Object.entries(update.state.updates).filter(([, u]) => u.sent && u.acceptedEventId === 0).map(([id]) => id);
    for (const id of sent) delete update.state.updates[id];
    if (sent.length > 0) {
      update.wakeWaiters = true;
      update.afterCommit.push(() => ctx.updateOutcomes.aborted(executionKeyString(key), sent, workflowNotReady('Unable to perform workflow execution update due to unexpected workflow task failure.')));
    }
    const failure = Failure.fromPartial({ message: rejection.message, serverFailureInfo: { nonRetryable: false } });
    failWorkflowTask(update, rejection.failedCause, failure, request.identity, {
      binaryChecksum: request.binaryChecksum,
      scheduleNext: !rejection.terminatesWorkflow,
    });
    if (rejection.terminatesWorkflow) terminateRun(update, rejection.message, undefined, HISTORY_SERVICE_IDENTITY);
  });
  throw new ApiError(Status.INVALID_ARGUMENT, rejection.message);
}

export async function respondWorkflowTaskFailed(
  ctx: HistoryContext,
  namespaceId: string,
  request: RespondWorkflowTaskFailedRequest,
): Promise<void> {
  const token = decodeTaskToken(request.taskToken, TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK);
  if (token.namespaceId !== namespaceId) throw workflowTaskNotFound();
  await ctx.executions.update(tokenKey(token), (update) => {
    currentWorkflowTask(update, token);
    failWorkflowTask(update, request.cause, request.failure, request.identity, { binaryChecksum: request.binaryChecksum });
  });
}
