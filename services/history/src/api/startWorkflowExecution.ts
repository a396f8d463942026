import type { ParentInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import type { StartWorkflowExecutionResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { startRun } from './shared/starter';
import type { StartWorkflowExecutionRequest } from '../workflow/protos';

/** StartWorkflowExecution (from a client, or a parent's StartChildWorkflowExecution with `parent`). */
export function startWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: StartWorkflowExecutionRequest,
  parent?: ParentInfo,
): Promise<StartWorkflowExecutionResponse> {
  return startRun(ctx, namespaceId, request, undefined, parent);
}
