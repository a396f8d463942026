import { workflowNotFound } from '@kairos/common/errors';
import type { TerminateWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { terminateRun } from '../workflow/closeRun';

/**
 * Ends a run at once, whatever it is doing: an in-flight workflow task's completion is then
 * refused, and nothing may follow WorkflowExecutionTerminated. It never depends on the run's size,
 * so it works even for a run over a limit.
 */
export async function terminateWorkflowExecution(ctx: HistoryContext, namespaceId: string, request: TerminateWorkflowExecutionRequest): Promise<void> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.workflowExecution?.workflowId ?? '', request.workflowExecution?.runId);
  await ctx.executions.transact(key, (run) => {
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    if (request.firstExecutionRunId && request.firstExecutionRunId !== run.info.firstExecutionRunId) throw workflowNotFound();
    terminateRun(run, request.reason, request.details, request.identity);
  }, { enforceHistoryLimits: false });
}
