import { scheduleNotFound } from '@kairos/common/errors';
import { withTypeMetadata } from '@kairos/domain';
import type { DescribeScheduleRequest, DescribeScheduleResponse } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { Memo, SearchAttributes } from '@kairos/proto/temporal/api/common/v1/message';
import { MutableState } from '../workflow/protos';
import { RunTransaction } from '../workflow/runTransaction';
import { describeSchedule as describeRecord, SCHEDULE_INFO_MEMO_FIELD, scheduleJitterSeed } from '../workflow/schedules';
import type { HistoryContext } from './context';
import { scheduleKey } from './shared/scheduleRecords';

/** What the user sees of the record's search attributes: the scheduler's own ones removed. */
const SCHEDULER_SEARCH_ATTRIBUTES = new Set(['TemporalSchedulePaused', 'TemporalScheduleInfoJSON', 'BinaryChecksums', 'BuildIds', 'TemporalNamespaceDivision']);

/** DescribeSchedule: the schedule, its info with future action times, its memo and search attributes. */
export async function describeSchedule(ctx: HistoryContext, request: DescribeScheduleRequest): Promise<DescribeScheduleResponse> {
  const key = await scheduleKey(ctx, request.namespaceId, request.schedulerWorkflowId);
  const snapshot = await ctx.executions.read(key);
  const state = snapshot?.mutableState;
  if (!state?.schedule) throw scheduleNotFound(request.schedulerWorkflowId);
  const run = new RunTransaction(MutableState.fromPartial(state), new Date());
  const { schedule, info, conflictToken } = describeRecord(run);
  const memoFields = Object.fromEntries(Object.entries(run.info.memo?.fields ?? {}).filter(([name]) => name !== SCHEDULE_INFO_MEMO_FIELD));
  const userAttributes = Object.fromEntries(Object.entries(run.info.searchAttributes?.indexedFields ?? {}).filter(([name]) => !SCHEDULER_SEARCH_ATTRIBUTES.has(name)));
  const custom = await ctx.store.getSearchAttributes(request.namespaceId);
  const searchAttributes = Object.keys(userAttributes).length > 0 ? withTypeMetadata(SearchAttributes.fromPartial({ indexedFields: userAttributes }), custom) : undefined;
  return {
    response: {
      schedule,
      info,
      memo: Object.keys(memoFields).length > 0 ? Memo.fromPartial({ fields: memoFields }) : undefined,
      searchAttributes,
      conflictToken,
    },
    jitterSeed: scheduleJitterSeed(request.namespaceId, state.schedule.scheduleId),
  };
}
