import type { RecordScheduledWorkflowClosedRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { scheduledWorkflowClosed } from '../workflow/schedules';
import type { HistoryContext } from './context';
import { transactSchedule } from './shared/scheduleRecords';

/** A workflow a schedule started closed: the schedule records it (a deleted schedule: NOT_FOUND, dropped by the caller). */
export async function recordScheduledWorkflowClosed(ctx: HistoryContext, request: RecordScheduledWorkflowClosedRequest): Promise<void> {
  await transactSchedule(ctx, request.namespaceId, request.schedulerWorkflowId, (run) => {
    if (!scheduledWorkflowClosed(run, request.execution!, request.completion!)) run.discard();
  });
}
