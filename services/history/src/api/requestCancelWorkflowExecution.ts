import { workflowNotFound } from '@kairos/common/errors';
import type { RequestCancelWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import type { WorkflowExecution } from '../workflow/protos';
import { requestRunCancellation } from '../workflow/signals';

/**
 * RequestCancelWorkflowExecution: asks the run to cancel itself. Asking again, or asking a run that
 * has already closed, changes nothing and is not an error, as in Temporal.
 */
export async function requestCancelWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: RequestCancelWorkflowExecutionRequest,
  external?: { execution?: WorkflowExecution; initiatedEventId: number },
): Promise<void> {
  const execution = request.workflowExecution;
  const key = await ctx.executions.resolveRunId(namespaceId, execution?.workflowId ?? '', execution?.runId);
  await ctx.executions.transact(key, (run) => {
    if (request.firstExecutionRunId && request.firstExecutionRunId !== run.info.firstExecutionRunId) throw workflowNotFound();
    if (!run.isOpen) return run.discard();
    if (!requestRunCancellation(run, request, external)) run.discard();
  });
}
