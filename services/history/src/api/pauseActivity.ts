import { workflowNotFound } from '@kairos/common/errors';
import type { PauseActivityRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { pauseActivity as pause, pendingActivityById, selectActivityIds } from '../workflow/activityOperations';

/**
 * PauseActivity: the activity named by id, or every pending one of the type, is paused (no
 * event). Checks in Temporal's order: a type with nothing pending, then a closed run, then an
 * unknown id are NOT_FOUND; a second pause by another request is FAILED_PRECONDITION.
 */
export async function pauseActivity(ctx: HistoryContext, namespaceId: string, request: PauseActivityRequest): Promise<void> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  await ctx.executions.transact(key, (run) => {
    // Temporal's update path refuses a closed run before looking at the request.
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    const ids = selectActivityIds(run, { id: request.id, type: request.type });
    const pauseInfo = { pauseTime: run.now, identity: request.identity, reason: request.reason, requestId: request.requestId };
    for (const id of ids) pause(run, pendingActivityById(run, id), { ...pauseInfo });
  });
}
