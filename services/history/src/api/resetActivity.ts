import { invalidArgument, workflowNotFound } from '@kairos/common/errors';
import { durationToMs } from '@kairos/domain';
import type { ResetActivityRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { pendingActivityById, resetActivity as reset, selectActivityIds } from '../workflow/activityOperations';
import { scheduledActivityOptions } from './shared/activityOptions';

/**
 * ResetActivity: the activity named by id, or every pending one of the type (or all), goes back
 * to attempt 1 (see the core's resetActivity); restore_original_options takes the options of its
 * ActivityTaskScheduled event again.
 */
export async function resetActivity(ctx: HistoryContext, namespaceId: string, request: ResetActivityRequest): Promise<void> {
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  await ctx.executions.transact(key, async (run) => {
    // Temporal's update path refuses a closed run before looking at the request.
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    const ids = selectActivityIds(run, { id: request.id, type: request.type, matchAll: request.matchAll });
    for (const id of ids) {
      const activity = pendingActivityById(run, id);
      const originalOptions = request.restoreOriginalOptions ? await scheduledActivityOptions(ctx, key, activity.scheduledEventId) : undefined;
      if (request.restoreOriginalOptions && !originalOptions) throw invalidArgument('ActivityTaskScheduledEvent is invalid');
      reset(run, activity, {
        resetHeartbeat: request.resetHeartbeat,
        keepPaused: request.keepPaused,
        jitterMs: durationToMs(request.jitter),
        originalOptions,
      });
    }
  });
}
