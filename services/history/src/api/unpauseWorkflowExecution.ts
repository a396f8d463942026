import { failedPrecondition, workflowNotFound } from '@kairos/common/errors';
import type { UnpauseWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';

/**
 * UnpauseWorkflowExecution. Workflow pause is off (as by default in Temporal 1.32), so no run is
 * ever paused: an open run is refused as Temporal refuses one that is not paused.
 */
export async function unpauseWorkflowExecution(ctx: HistoryContext, namespaceId: string, request: UnpauseWorkflowExecutionRequest): Promise<void> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.workflowId, request.runId);
  await ctx.executions.transact(key, (run) => {
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    throw failedPrecondition('workflow is not paused.');
  });
}
