import type { DeleteWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { DELETE_TERMINATION_REASON } from '../workflow/closeRun';

/**
 * Deletes a run (the current one when no run id is given): a running run is terminated first,
 * then everything kept for it is removed. Unlike Temporal, which deletes in a background task
 * after answering, the deletion is done when the call returns, except for a running run with a
 * parent or children: its close task deletes it after telling the parent and handling them.
 */
export async function deleteWorkflowExecution(ctx: HistoryContext, namespaceId: string, request: DeleteWorkflowExecutionRequest): Promise<void> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.workflowExecution?.workflowId ?? '', request.workflowExecution?.runId);
  await ctx.executions.delete(key, DELETE_TERMINATION_REASON);
}
