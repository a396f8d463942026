import { scheduleNotFound } from '@kairos/common/errors';
import { userScheduleFields, withTypeMetadata } from '@kairos/domain';
import type { DescribeScheduleRequest, DescribeScheduleResponse } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { Memo, SearchAttributes } from '@kairos/proto/temporal/api/common/v1/message';
import { MutableState } from '../workflow/protos';
import { RunTransaction } from '../workflow/runTransaction';
import { describeSchedule as describeRecord, scheduleJitterSeed } from '../workflow/schedules';
import type { HistoryContext } from './context';
import { scheduleKey } from './shared/scheduleRecords';

/** DescribeSchedule: the schedule, its info with future action times, its memo and search attributes. */
export async function describeSchedule(ctx: HistoryContext, request: DescribeScheduleRequest): Promise<DescribeScheduleResponse> {
  const key = await scheduleKey(ctx, request.namespaceId, request.schedulerWorkflowId);
  const snapshot = await ctx.executions.read(key);
  const state = snapshot?.mutableState;
  if (!state?.schedule) throw scheduleNotFound(request.schedulerWorkflowId);
  const run = new RunTransaction(MutableState.fromPartial(state), new Date());
  const { schedule, info, conflictToken } = describeRecord(run);
  const memoFields = userScheduleFields(run.info.memo?.fields, 'memo');
  const userAttributes = userScheduleFields(run.info.searchAttributes?.indexedFields, 'searchAttributes');
  const searchAttributes = userAttributes && withTypeMetadata(SearchAttributes.fromPartial({ indexedFields: userAttributes }), await ctx.store.getSearchAttributes(request.namespaceId));
  return {
    response: {
      schedule,
      info,
      memo: memoFields && Memo.fromPartial({ fields: memoFields }),
      searchAttributes,
      conflictToken,
    },
    jitterSeed: scheduleJitterSeed(request.namespaceId, state.schedule.scheduleId),
  };
}
