import { workflowNotFound } from '@kairos/common/errors';
import { durationToMs } from '@kairos/domain';
import type { UnpauseActivityRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { pendingActivityById, selectActivityIds, unpauseActivity as unpause } from '../workflow/activityOperations';

/**
 * UnpauseActivity: the activity named by id, or every pending one of the type (or all), is
 * unpaused; ones not paused are left alone. A closed run is NOT_FOUND before anything else.
 */
export async function unpauseActivity(ctx: HistoryContext, namespaceId: string, request: UnpauseActivityRequest): Promise<void> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  await ctx.executions.transact(key, (run) => {
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    const ids = selectActivityIds(run, { id: request.id, type: request.type, matchAll: request.unpauseAll });
    const options = { resetAttempts: request.resetAttempts, resetHeartbeat: request.resetHeartbeat, jitterMs: durationToMs(request.jitter) };
    for (const id of ids) unpause(run, pendingActivityById(run, id), options);
  });
}
