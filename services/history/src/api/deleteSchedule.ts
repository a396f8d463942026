import { workflowNotFound } from '@kairos/common/errors';
import type { DeleteScheduleRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { deleteScheduleRecord } from '../workflow/schedules';
import type { HistoryContext } from './context';
import { transactSchedule } from './shared/scheduleRecords';

/** DeleteSchedule: the record closed in one write (see deleteScheduleRecord); its stale timers and tasks find it closed. */
export async function deleteSchedule(ctx: HistoryContext, request: DeleteScheduleRequest): Promise<void> {
  // Deleting it again: Temporal terminates the closed scheduler workflow, and says so.
  await transactSchedule(ctx, request.namespaceId, request.schedulerWorkflowId, (run) => deleteScheduleRecord(run), workflowNotFound('workflow execution already completed'));
}
