import type { UpdateScheduleRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { updateSchedule as updateRecord } from '../workflow/schedules';
import type { HistoryContext } from './context';
import { transactSchedule } from './shared/scheduleRecords';

/** UpdateSchedule: a stale conflict token changes nothing and is not an error (Temporal's scheduler ignores it). */
export async function updateSchedule(ctx: HistoryContext, request: UpdateScheduleRequest): Promise<void> {
  await transactSchedule(ctx, request.namespaceId, request.schedulerWorkflowId, (run) => {
    if (!updateRecord(run, request.request!)) run.discard();
  });
}
