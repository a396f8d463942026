import type { PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { pollUpdate } from './shared/workflowUpdates';

/** PollWorkflowExecutionUpdate: waits for an update the run knows to reach the stage asked for. */
export function pollWorkflowExecutionUpdate(
  ctx: HistoryContext,
  namespaceId: string,
  request: PollWorkflowExecutionUpdateRequest,
  signal?: AbortSignal,
): Promise<PollWorkflowExecutionUpdateResponse> {
  return pollUpdate(ctx, namespaceId, request, signal);
}
