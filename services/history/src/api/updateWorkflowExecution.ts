import type { UpdateWorkflowExecutionRequest, UpdateWorkflowExecutionResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { updateRun } from './shared/workflowUpdates';

/** UpdateWorkflowExecution: admits the update (or finds it by id) and waits for the stage asked for. */
export function updateWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: UpdateWorkflowExecutionRequest,
  signal?: AbortSignal,
): Promise<UpdateWorkflowExecutionResponse> {
  return updateRun(ctx, namespaceId, request, signal);
}
