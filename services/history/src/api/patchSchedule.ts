import type { PatchScheduleRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { patchSchedule as patchRecord } from '../workflow/schedules';
import type { HistoryContext } from './context';
import { transactSchedule } from './shared/scheduleRecords';

/** PatchSchedule: trigger, backfills, pause or unpause, applied in one write. */
export async function patchSchedule(ctx: HistoryContext, request: PatchScheduleRequest): Promise<void> {
  await transactSchedule(ctx, request.namespaceId, request.schedulerWorkflowId, (run) => patchRecord(run, request.request!.patch!));
}
