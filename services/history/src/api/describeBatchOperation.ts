import { workflowNotFound } from '@kairos/common/errors';
import type { DescribeBatchOperationRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import type { DescribeBatchOperationResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { describeBatchOperation as describeRecord } from '../workflow/batchOperations';
import type { HistoryContext } from './context';

/** DescribeBatchOperation: the current run of the job id, as Temporal describes its batcher workflow. */
export async function describeBatchOperation(ctx: HistoryContext, request: DescribeBatchOperationRequest): Promise<DescribeBatchOperationResponse> {
  const jobId = request.request!.jobId;
  const key = await ctx.executions.resolveRunId(request.namespaceId, jobId, '');
  const state = (await ctx.executions.read(key))?.mutableState;
  if (!state) throw workflowNotFound(`workflow not found for ID: ${jobId}`);
  return describeRecord(state);
}
