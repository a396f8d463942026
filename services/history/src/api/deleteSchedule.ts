import type { DeleteScheduleRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import type { HistoryContext } from './context';
import { scheduleKey } from './shared/scheduleRecords';

/**
 * DeleteSchedule: the record, its visibility row and current-execution row removed in one write;
 * its timers and tasks find nothing when they come due. Workflows it started keep running.
 */
export async function deleteSchedule(ctx: HistoryContext, request: DeleteScheduleRequest): Promise<void> {
  const key = await scheduleKey(ctx, request.namespaceId, request.schedulerWorkflowId);
  await ctx.executions.delete(key, 'schedule deleted');
}
