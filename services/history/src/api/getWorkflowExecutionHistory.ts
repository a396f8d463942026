import { invalidNextPageToken, runNotFound, shardNotOwned } from '@kairos/common/errors';
import type { GetWorkflowExecutionHistoryRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { executionKeyString } from '../shard/executionManager';
import { decodePageToken, encodePageToken, readHistoryPage, withHistory, withSearchAttributeTypes } from './shared/historyReader';
import { transientWorkflowTaskEvents } from '../workflow/workflowTasks';
import { GetWorkflowExecutionHistoryResponse, HistoryEventFilterType, WorkflowExecutionStatus } from '../workflow/protos';
import { completeMessage } from '@kairos/proto';

function emptyWaitResponse(runId: string, nextEventId: number): GetWorkflowExecutionHistoryResponse {
  // A long poll that found nothing new answers with no events and a token to continue from:
  // clients stop iterating on an empty token, so it must not be empty.
  return completeMessage(GetWorkflowExecutionHistoryResponse.fromPartial({
    history: { events: [] },
    nextPageToken: encodePageToken({ runId, nextEventId, lastEventId: 0 }),
  }));
}

export async function getWorkflowExecutionHistory(
  ctx: HistoryContext,
  namespaceId: string,
  request: GetWorkflowExecutionHistoryRequest,
  signal: AbortSignal,
): Promise<GetWorkflowExecutionHistoryResponse> {
  const workflowId = request.execution?.workflowId ?? '';
  const token = request.nextPageToken.length > 0 ? decodePageToken(request.nextPageToken) : undefined;
  if (request.nextPageToken.length > 0 && !token) throw invalidNextPageToken();
  const runId = request.execution?.runId || token?.runId;
  const key = await ctx.executions.resolveRunId(namespaceId, workflowId, runId);
  const closeEventOnly = request.historyEventFilterType === HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
  const deadline = Date.now() + ctx.longPollMs;

  for (;;) {
    // Listen before reading, so a change between the read and the wait is not missed.
    const remaining = deadline - Date.now();
    const waiting = ctx.waiter.wait(executionKeyString(key), Math.max(remaining, 0), signal, closeEventOnly);
    try {
      const result = await readOnce();
      if (result) return result;
      if (remaining <= 0 || signal.aborted) return emptyWaitResponse(key.runId, closeEventOnly ? 1 : (token?.nextEventId ?? 1));
      // Only the shard's owner hears of the run's changes: elsewhere the caller retries at the owner.
      const shardId = ctx.executions.shards.shardFor(key.namespaceId, key.workflowId);
      if (ctx.executions.shards.ownedRangeId(shardId) === undefined) throw shardNotOwned(shardId);
      await waiting.promise;
    } finally {
      waiting.cancel();
    }
  }

  async function readOnce(): Promise<GetWorkflowExecutionHistoryResponse | undefined> {
    const snapshot = await ctx.executions.read(key);
    if (!snapshot) throw runNotFound(key.workflowId, key.runId);
    const state = snapshot.mutableState;
    const info = state.executionInfo!;
    const open = info.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    const nextEventId = state.nextEventId;

    if (closeEventOnly) {
      if (!open) {
        const closing = await ctx.executions.readHistory(key, info.completionEventId, info.completionEventId + 1, 1);
        const events = await withSearchAttributeTypes(closing, key.namespaceId, ctx.store);
        return completeMessage(withHistory(GetWorkflowExecutionHistoryResponse.fromPartial({ nextPageToken: new Uint8Array() }), events));
      }
      if (!request.waitNewEvent) return completeMessage(GetWorkflowExecutionHistoryResponse.fromPartial({ history: { events: [] } }));
    } else {
      const from = token?.nextEventId ?? 1;
      if (from < nextEventId || !request.waitNewEvent || !open) {
        // Without waiting, a page stops where the history ended when paging began.
        const to = !request.waitNewEvent && token?.lastEventId ? Math.min(token.lastEventId + 1, nextEventId) : nextEventId;
        const page = await readHistoryPage(ctx.executions, key, from, to, request.maximumPageSize);
        let nextPageToken = page.nextPageToken;
        // A worker fetching the history of a started transient task must reach its started event.
        if (!request.waitNewEvent && nextPageToken.length === 0 && to === nextEventId) {
          page.events.push(...transientWorkflowTaskEvents({ state, info }));
        }
        if (request.waitNewEvent && open && nextPageToken.length === 0) {
          nextPageToken = encodePageToken({ runId: key.runId, nextEventId: to, lastEventId: 0 });
        }
        return completeMessage(withHistory(GetWorkflowExecutionHistoryResponse.fromPartial({ nextPageToken }), page.events));
      }
    }
    return undefined;
  }
}
