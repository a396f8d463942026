import { batchJobIdReused, workflowAlreadyRunning } from '@kairos/common/errors';
import { newRunId } from '@kairos/domain';
import { CurrentExecutionConflictError } from '@kairos/persistence/errors';
import type { StartBatchOperationRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { newBatchOperation } from '../workflow/batchOperations';
import { WorkflowExecutionStatus } from '../workflow/protos';
import type { HistoryContext } from './context';

/**
 * StartBatchOperation: the batch's record written as a new execution of its job id with its first
 * step due now, in one write with the current-execution row. As Temporal's batcher workflow is
 * started (conflict policy FAIL, reuse policy REJECT_DUPLICATE), any run of that id, open or
 * closed, refuses it.
 */
export async function startBatchOperation(ctx: HistoryContext, request: StartBatchOperationRequest): Promise<void> {
  const start = request.request!;
  const jobId = start.jobId;
  const refuse = (current: { runId: string; startRequestId: string; firstExecutionRunId: string; status: number }) =>
    current.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING ? workflowAlreadyRunning(jobId, current) : batchJobIdReused(jobId, current);
  const current = await ctx.store.getCurrentExecution(request.namespaceId, jobId);
  if (current) throw refuse(current);
  const runId = newRunId();
  const run = newBatchOperation(request.namespaceId, runId, request.requestId, start, new Date());
  const record = { namespaceId: request.namespaceId, workflowId: jobId, runId, firstExecutionRunId: runId, startRequestId: request.requestId, status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING };
  try {
    await ctx.executions.create({ namespaceId: request.namespaceId, workflowId: jobId, runId }, run, { mode: 'create', record });
  } catch (err) {
    if (!(err instanceof CurrentExecutionConflictError)) throw err;
    const winner = await ctx.store.getCurrentExecution(request.namespaceId, jobId);
    throw winner ? refuse(winner) : err;
  }
}
