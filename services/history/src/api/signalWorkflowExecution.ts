import type { SignalWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { signalRun } from './shared/signaling';
import type { WorkflowExecution } from '../workflow/protos';

/** SignalWorkflowExecution (from a client, or from another run's SignalExternalWorkflowExecution). */
export function signalWorkflowExecution(
  ctx: HistoryContext,
  namespaceId: string,
  request: SignalWorkflowExecutionRequest,
  externalWorkflowExecution?: WorkflowExecution,
): Promise<void> {
  return signalRun(ctx, namespaceId, request, externalWorkflowExecution);
}
