import { blobSizeLimitExceeded, workflowNotFound } from '@kairos/common/errors';
import type { SignalWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from '../context';
import { payloadsSize } from '../../workflow/payloads';
import type { Payloads, WorkflowExecution } from '../../workflow/protos';
import { deliverSignal } from '../../workflow/signals';

/** Refuses a signal input over the namespace's blob limit, as Temporal does, before anything is read. */
export function checkSignalInput(input: Payloads | undefined, limit: number): void {
  if (payloadsSize(input) > limit) throw blobSizeLimitExceeded();
}

/** Signals a run of the workflow id (the current one when the run id is empty); a retried request changes nothing. */
export async function signalRun(
  ctx: HistoryContext,
  namespaceId: string,
  request: SignalWorkflowExecutionRequest,
  externalWorkflowExecution?: WorkflowExecution,
): Promise<void> {
  checkSignalInput(request.input, (await ctx.executions.namespaceLimits(namespaceId)).blobSizeLimitError);
  const execution = request.workflowExecution;
  const key = await ctx.executions.resolveRunId(namespaceId, execution?.workflowId ?? '', execution?.runId);
  await ctx.executions.transact(key, (run) => {
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    if (!deliverSignal(run, { ...request, externalWorkflowExecution })) run.discard();
  });
}
