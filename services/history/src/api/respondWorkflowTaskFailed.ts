import type { RespondWorkflowTaskFailedRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { currentWorkflowTask, tokenKey, workflowTaskToken } from './shared/workflowTaskToken';
import { failWorkflowTask } from '../workflow/workflowTasks';

/** RespondWorkflowTaskFailed: the worker could not run the task; WorkflowTaskFailed and the next attempt. */
export async function respondWorkflowTaskFailed(ctx: HistoryContext, namespaceId: string, request: RespondWorkflowTaskFailedRequest): Promise<void> {
  const token = workflowTaskToken(request.taskToken, namespaceId);
  await ctx.executions.transact(tokenKey(token), (run) => {
    currentWorkflowTask(run, token);
    failWorkflowTask(run, request.cause, request.failure, request.identity, { binaryChecksum: request.binaryChecksum });
  });
}
