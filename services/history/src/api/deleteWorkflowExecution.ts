import type { DeleteWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';

/** Temporal's reason on the termination that precedes deleting a running run. */
export const DELETE_TERMINATION_REASON = 'Delete workflow execution';

/**
 * Deletes a run (the current one when no run id is given): a running run is terminated first,
 * then everything kept for it is removed. Unlike Temporal, which deletes in a background task
 * after answering, the deletion is done when the call returns.
 */
export async function deleteWorkflowExecution(ctx: HistoryContext, namespaceId: string, request: DeleteWorkflowExecutionRequest): Promise<void> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.workflowExecution?.workflowId ?? '', request.workflowExecution?.runId);
  await ctx.executions.delete(key, DELETE_TERMINATION_REASON);
}
