import { encodeTaskToken } from '@kairos/domain';
import type { ExecutionKey } from '@kairos/persistence/store';
import type { RecordWorkflowTaskStartedRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import type { HistoryContext } from './context';
import { readHistoryPage } from './shared/historyReader';
import { observeScheduleToStart } from './shared/scheduleToStart';
import { taskAlreadyStarted, workflowTaskNotFound } from '@kairos/common/errors';
import type { RunTransaction } from '../workflow/runTransaction';
import { outgoingUpdateMessages } from '../workflow/updates';
import { startWorkflowTaskForPoller } from '../workflow/workflowTaskCompletion';
import { hasUnwrittenEvents, transientWorkflowTaskEvents } from '../workflow/workflowTasks';
import { ExecutionInfo, PollWorkflowTaskQueueResponse, TaskQueue, TaskQueueKind, TaskTokenKind, WorkflowTaskInfo } from '../workflow/protos';

/**
 * Matching hands a workflow task to a poller: history records it started and answers with the
 * poll response (full history from the normal queue, the new events from a sticky one). A retried
 * start by the same poll gets the same task again; another poll's is refused.
 */
export async function recordWorkflowTaskStarted(ctx: HistoryContext, request: RecordWorkflowTaskStartedRequest): Promise<PollWorkflowTaskQueueResponse> {
  const key: ExecutionKey = {
    namespaceId: request.namespaceId,
    workflowId: request.workflowExecution!.workflowId,
    runId: request.workflowExecution!.runId,
  };
  const polledSticky = request.polledTaskQueue?.kind === TaskQueueKind.TASK_QUEUE_KIND_STICKY;
  const started = await ctx.executions.transact(key, (run) => {
    const task = run.state.workflowTask;
    if (!run.isOpen || !task || task.scheduledEventId !== request.scheduledEventId) throw workflowTaskNotFound();
    if (task.startedEventId > 0) {
      if (task.requestId === request.requestId) {
        // A retried start: the same task again, with the updates it carried.
        run.discard();
        return { ...startedView(run), messages: outgoingUpdateMessages(run, task.startedEventId), startedNow: false };
      }
      throw taskAlreadyStarted();
    }
    const messages = startWorkflowTaskForPoller(run, { ...request, polledSticky });
    return { ...startedView(run), messages, startedNow: true };
  });
  if (started.startedNow) await observeScheduleToStart(ctx, key.namespaceId, 'Workflow', started.info.taskQueue?.name ?? '', polledSticky, started);
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

/** What the poll response needs of a just-started workflow task, captured inside the transaction. */
function startedView(run: RunTransaction) {
  const task = WorkflowTaskInfo.fromPartial(run.state.workflowTask!);
  return {
    ...task,
    previous: run.info.lastCompletedWorkflowTaskStartedEventId,
    info: ExecutionInfo.fromPartial(run.info),
    persistedUpTo: hasUnwrittenEvents(task) ? run.state.nextEventId : task.startedEventId + 1,
    transientEvents: transientWorkflowTaskEvents(run),
  };
}
