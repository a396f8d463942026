import { invalidArgument, runNotFound } from '@kairos/common/errors';
import {
  GetWorkflowExecutionHistoryReverseResponse,
  type GetWorkflowExecutionHistoryReverseRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { DEFAULT_HISTORY_PAGE_SIZE, decodePageToken, encodePageToken, withSearchAttributeTypes } from './shared/historyReader';

/**
 * The run's events newest first, `maximumPageSize` batches a page (Temporal's default when unset).
 * The token holds the id below which the next page starts.
 */
export async function getWorkflowExecutionHistoryReverse(
  ctx: HistoryContext,
  namespaceId: string,
  request: GetWorkflowExecutionHistoryReverseRequest,
): Promise<GetWorkflowExecutionHistoryReverseResponse> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  let upTo: number;
  if (request.nextPageToken.length > 0) {
    const token = decodePageToken(request.nextPageToken);
    if (!token || token.runId !== key.runId) throw invalidArgument('Invalid NextPageToken.');
    upTo = token.nextEventId;
  } else {
    const snapshot = await ctx.executions.read(key);
    if (!snapshot) throw runNotFound(key.workflowId, key.runId);
    upTo = snapshot.mutableState.nextEventId;
  }
  // As forward paging, a page size counts batches (the events of one write), never split.
  const pageSize = request.maximumPageSize > 0 ? request.maximumPageSize : DEFAULT_HISTORY_PAGE_SIZE;
  const batches = upTo > 1 ? await ctx.executions.readHistoryBatches(key, 1, upTo, 0) : [];
  const page = batches.slice(-pageSize);
  const from = page[0]?.[0]?.eventId ?? 1;
  // A copy: the events may be shared with the execution cache.
  const events = [...(await withSearchAttributeTypes(page.flat(), key.namespaceId, ctx.store))].reverse();
  return GetWorkflowExecutionHistoryReverseResponse.fromPartial({
    history: { events },
    nextPageToken: from > 1 ? encodePageToken({ runId: key.runId, nextEventId: from, lastEventId: 0 }) : new Uint8Array(),
  });
}
