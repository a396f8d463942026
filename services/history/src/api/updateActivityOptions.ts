import { invalidArgument, workflowNotFound } from '@kairos/common/errors';
import { camelFieldPath } from '@kairos/domain';
import type { ActivityOptions } from '@kairos/proto/temporal/api/activity/v1/message';
import type { UpdateActivityOptionsRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import {
  activityOptionsAsApi as toActivityOptions,
  maskedActivityOptions,
  pendingActivityById,
  selectActivityIds,
  updateActivityOptions as update,
  type ActivityOptionValues,
} from '../workflow/activityOperations';
import { scheduledActivityOptions } from './shared/activityOptions';

/**
 * UpdateActivityOptions: the options given by the update mask are merged into those of the
 * activity named by id (or every pending one of the type, or all), checked as a
 * ScheduleActivityTask command's, and applied (see the core's updateActivityOptions); or, with
 * restore_original, the options of its ActivityTaskScheduled event come back. Answers the
 * options the last updated activity now has.
 */
export async function updateActivityOptions(ctx: HistoryContext, namespaceId: string, request: UpdateActivityOptionsRequest): Promise<ActivityOptions> {
  const paths = (request.updateMask ?? []).map(camelFieldPath);
  if (request.updateMask && request.restoreOriginal && paths.length > 0) throw invalidArgument('Both UpdateMask and RestoreOriginal are provided');
  const key = await ctx.executions.resolveRunId(namespaceId, request.execution?.workflowId ?? '', request.execution?.runId);
  return ctx.executions.transact(key, async (run) => {
    // Temporal's update path refuses a closed run before looking at the request.
    if (!run.isOpen) throw workflowNotFound('workflow execution already completed');
    const selector = { id: request.id, type: request.type, matchAll: request.matchAll };
    let updated: ActivityOptionValues | undefined;
    if (request.restoreOriginal) {
      for (const id of selectActivityIds(run, selector)) {
        const activity = pendingActivityById(run, id);
        const original = await scheduledActivityOptions(ctx, key, activity.scheduledEventId);
        if (!original) throw invalidArgument('ActivityTaskScheduledEvent is invalid');
        update(run, activity, original);
        updated = original;
      }
      return toActivityOptions(updated!);
    }
    const from = request.activityOptions;
    if (!from) throw invalidArgument('ActivityOptions are not provided');
    const ids = selectActivityIds(run, selector);
    if (!request.updateMask) throw invalidArgument('UpdateMask is not provided');
    const fields = new Set<string>(paths);
    for (const id of ids) {
      const activity = pendingActivityById(run, id);
      updated = maskedActivityOptions(activity, run.info, from, fields);
      update(run, activity, updated);
    }
    return toActivityOptions(updated!);
  });
}
