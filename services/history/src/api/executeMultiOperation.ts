import { multiOperationAborted, toApiError, updateWithStartFailed } from '@kairos/common/errors';
import { validateStartRequest } from '@kairos/domain';
import {
  ExecuteMultiOperationResponse,
  type UpdateWorkflowExecutionRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import type { StartWorkflowExecutionRequest } from '../workflow/protos';
import { admitUpdate } from '../workflow/updates';
import { startRun } from './shared/starter';
import { updateRun } from './shared/workflowUpdates';


/**
 * Update-with-start (ExecuteMultiOperation [Start, Update]). A new run is started with the update
 * admitted in its first write, so its first workflow task carries it; a running run the start's
 * policies keep (USE_EXISTING, a retried request) gets the update as UpdateWorkflowExecution
 * would give it. A failing operation is reported as Temporal does: its own error among the
 * statuses, the other operation ABORTED.
 */
export async function executeMultiOperation(
  ctx: HistoryContext,
  namespaceId: string,
  start: StartWorkflowExecutionRequest,
  updateRequest: UpdateWorkflowExecutionRequest,
  signal?: AbortSignal,
): Promise<ExecuteMultiOperationResponse> {
  let started;
  try {
    // The start is checked again here, with the frontend's rules (history trusts no caller); a
    // refused one is reported like any other failed start.
    started = await startRun(ctx, namespaceId, validateStartRequest(start), undefined, undefined, (newRun) => admitUpdate(newRun, updateRequest.request!));
  } catch (err) {
    throw updateWithStartFailed([toApiError(err), multiOperationAborted()]);
  }
  try {
    // Admitted already with a new run (then this finds it by id), or admitted now to the kept run.
    const updated = await updateRun(
      ctx,
      namespaceId,
      { ...updateRequest, workflowExecution: { workflowId: start.workflowId, runId: started.runId } },
      signal,
    );
    return ExecuteMultiOperationResponse.fromPartial({ responses: [{ startWorkflow: started }, { updateWorkflow: updated }] });
  } catch (err) {
    throw updateWithStartFailed([multiOperationAborted(), toApiError(err)]);
  }
}
