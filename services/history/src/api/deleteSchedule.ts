import type { DeleteScheduleRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { deleteScheduleRecord } from '../workflow/schedules';
import type { HistoryContext } from './context';
import { transactSchedule } from './shared/scheduleRecords';

/** DeleteSchedule: the record closed in one write (see deleteScheduleRecord); its stale timers and tasks find it closed. */
export async function deleteSchedule(ctx: HistoryContext, request: DeleteScheduleRequest): Promise<void> {
  await transactSchedule(ctx, request.namespaceId, request.schedulerWorkflowId, (run) => deleteScheduleRecord(run));
}
