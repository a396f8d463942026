import type { ExecutionKey } from '@kairos/persistence/store';
import type { RecordWorkflowTaskStartedRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import type { HistoryContext } from './context';
import { observeScheduleToStart } from './shared/scheduleToStart';
import { taskAlreadyStarted, workflowTaskNotFound } from '@kairos/common/errors';
import { startWorkflowTaskForPoller } from '../workflow/workflowTaskCompletion';
import { startedWorkflowTask, workflowTaskPollResponse } from './shared/workflowTaskResponse';
import { TaskQueueKind, type PollWorkflowTaskQueueResponse } from '../workflow/protos';

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
        return { task: startedWorkflowTask(run), startedNow: false };
      }
      throw taskAlreadyStarted();
    }
    const messages = startWorkflowTaskForPoller(run, { ...request, polledSticky });
    return { task: startedWorkflowTask(run, messages), startedNow: true };
  });
  if (started.startedNow) await observeScheduleToStart(ctx, key.namespaceId, 'Workflow', started.task.taskQueueName, polledSticky, started.task);
  return workflowTaskPollResponse(ctx.executions, key, started.task, polledSticky);
}
