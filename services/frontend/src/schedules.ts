import { invalidArgument, invalidScheduleSpec } from '@kairos/common/errors';
import {
  canonicalScheduleSpec,
  CompiledScheduleSpec,
  InvalidScheduleSpecError,
  scheduleMatchingTimes,
  SCHEDULE_INFO_MEMO_FIELD,
  SCHEDULER_WORKFLOW_ID_PREFIX,
  schedulerWorkflowId,
  userScheduleFields,
  validateStartRequest,
  type NamespaceRegistry,
} from '@kairos/domain';
import type { HistoryClient } from '@kairos/cluster';
import type { Store } from '@kairos/persistence/store';
import { WorkflowIdReusePolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { Memo } from '@kairos/proto/temporal/api/common/v1/message';
import { ScheduleListInfo, ScheduleSpec, type Schedule } from '@kairos/proto/temporal/api/schedule/v1/message';
import type { WorkflowServiceImplementation } from '@kairos/proto/temporal/api/workflowservice/v1/service';
import * as api from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { executionInfoOf, pageSizeOf, queryError, validateSearchAttributes } from './visibilityHandlers';
import { requireNamespaceLength, tooLong } from './validation';
import { scheduleQuery } from './scheduleQueries';

type ScheduleMethods = Pick<
  WorkflowServiceImplementation,
  | 'createSchedule'
  | 'describeSchedule'
  | 'updateSchedule'
  | 'patchSchedule'
  | 'deleteSchedule'
  | 'listSchedules'
  | 'countSchedules'
  | 'listScheduleMatchingTimes'
>;

export interface ScheduleDeps {
  store: Store;
  history: HistoryClient;
  namespaces: NamespaceRegistry;
}

/** Stands for the nominal time a started workflow's id gets, when its length is checked. */
const APPENDED_TIMESTAMP_FOR_VALIDATION = '-2009-11-10T23:00:00Z';
const SCHEDULE_NOTES_SIZE_LIMIT = 1000;

/** Temporal's canonicalizeScheduleSpec: calendars and cron strings compiled, or INVALID_ARGUMENT. */
function canonicalSchedule(schedule: Schedule | undefined): Schedule {
  const given: Schedule = schedule ?? { spec: undefined, action: undefined, policies: undefined, state: undefined };
  try {
    const spec = canonicalScheduleSpec(given.spec ?? ScheduleSpec.fromPartial({}));
    // Compiling checks what the canonical form does not (time zones), as Temporal's spec builder.
    new CompiledScheduleSpec(spec);
    return { ...given, spec };
  } catch (err) {
    if (err instanceof InvalidScheduleSpecError) throw invalidScheduleSpec(err.message);
    throw err;
  }
}

/**
 * SDK-facing schedule RPCs. The frontend validates as Temporal's does and routes each request to the
 * history shard that owns the schedule's record; List and Count read the records' visibility rows.
 */
export function createScheduleHandlers(deps: ScheduleDeps): ScheduleMethods {
  const { store, history, namespaces } = deps;

  async function namespaceId(name: string): Promise<string> {
    if (!name) throw invalidArgument('Namespace not set on request.');
    requireNamespaceLength(name);
    return (await namespaces.getByName(name)).info!.id;
  }

  /** Temporal's validateStartWorkflowArgsForSchedule, then the action's search attributes. */
  async function validateAction(nsId: string, namespace: string, schedule: Schedule): Promise<void> {
    const action = schedule.action?.startWorkflow;
    if (!action) return;
    if (action.cronSchedule) throw invalidArgument('Scheduled workflow must not contain CronSchedule');
    if (action.workflowIdReusePolicy !== WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED && action.workflowIdReusePolicy !== WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE) {
      throw invalidArgument('Scheduled workflow must not contain WorkflowIDReusePolicy');
    }
    validateStartRequest(
      api.StartWorkflowExecutionRequest.fromPartial({
        namespace,
        workflowId: action.workflowId + APPENDED_TIMESTAMP_FOR_VALIDATION,
        workflowType: action.workflowType,
        taskQueue: action.taskQueue,
        workflowExecutionTimeout: action.workflowExecutionTimeout,
        workflowRunTimeout: action.workflowRunTimeout,
        workflowTaskTimeout: action.workflowTaskTimeout,
        retryPolicy: action.retryPolicy,
        priority: action.priority,
      }),
    );
    await validateSearchAttributes(store, nsId, namespace, action.searchAttributes);
  }

  function checkedSchedulerWorkflowId(scheduleId: string): string {
    const id = schedulerWorkflowId(scheduleId);
    if (tooLong(id)) throw invalidArgument('WorkflowId length exceeds limit.');
    return id;
  }

  async function listPage(request: api.ListSchedulesRequest) {
    const nsId = await namespaceId(request.namespace);
    const custom = await store.getSearchAttributes(nsId);
    try {
      const query = scheduleQuery(request.query, custom);
      const page = await store.listVisibility({ namespaceId: nsId, query, pageSize: pageSizeOf(request.maximumPageSize), nextPageToken: request.nextPageToken });
      return { page, custom };
    } catch (err) {
      throw queryError(err);
    }
  }

  return {
    async createSchedule(request) {
      const workflowId = checkedSchedulerWorkflowId(request.scheduleId);
      if (!request.requestId) throw invalidArgument('RequestId is not set on request.');
      if (tooLong(request.requestId)) throw invalidArgument('RequestId length exceeds limit.');
      const nsId = await namespaceId(request.namespace);
      const schedule = canonicalSchedule(request.schedule);
      await validateAction(nsId, request.namespace, schedule);
      await validateSearchAttributes(store, nsId, request.namespace, request.searchAttributes);
      const response = await history.createSchedule({ namespaceId: nsId, schedulerWorkflowId: workflowId, request: { ...request, schedule } });
      return response.response!;
    },

    async describeSchedule(request) {
      const nsId = await namespaceId(request.namespace);
      return (await history.describeSchedule({ namespaceId: nsId, schedulerWorkflowId: checkedSchedulerWorkflowId(request.scheduleId), request })).response!;
    },

    async updateSchedule(request) {
      if (tooLong(request.requestId)) throw invalidArgument('RequestId length exceeds limit.');
      const nsId = await namespaceId(request.namespace);
      const schedule = canonicalSchedule(request.schedule);
      await validateAction(nsId, request.namespace, schedule);
      await validateSearchAttributes(store, nsId, request.namespace, request.searchAttributes);
      await history.updateSchedule({ namespaceId: nsId, schedulerWorkflowId: checkedSchedulerWorkflowId(request.scheduleId), request: { ...request, schedule } });
      return {};
    },

    async patchSchedule(request) {
      const patch = request.patch;
      if (!patch) throw invalidArgument('Patch is not set on request.');
      if (tooLong(request.requestId)) throw invalidArgument('RequestId length exceeds limit.');
      if (patch.pause.length > SCHEDULE_NOTES_SIZE_LIMIT || patch.unpause.length > SCHEDULE_NOTES_SIZE_LIMIT) throw invalidArgument('Schedule notes exceeds limit.');
      // A trigger happens at the time the frontend received it.
      if (patch.triggerImmediately && !patch.triggerImmediately.scheduledTime) patch.triggerImmediately.scheduledTime = new Date();
      const nsId = await namespaceId(request.namespace);
      await history.patchSchedule({ namespaceId: nsId, schedulerWorkflowId: checkedSchedulerWorkflowId(request.scheduleId), request });
      return {};
    },

    async deleteSchedule(request) {
      const nsId = await namespaceId(request.namespace);
      await history.deleteSchedule({ namespaceId: nsId, schedulerWorkflowId: checkedSchedulerWorkflowId(request.scheduleId), request });
      return {};
    },

    async listSchedules(request) {
      const { page, custom } = await listPage(request);
      const schedules = page.executions.map((record) => {
        const execution = executionInfoOf(record, custom);
        const listInfoPayload = execution.memo?.fields[SCHEDULE_INFO_MEMO_FIELD];
        const info = listInfoPayload ? ScheduleListInfo.decode(listInfoPayload.data) : undefined;
        const attributes = userScheduleFields(execution.searchAttributes?.indexedFields, 'searchAttributes');
        return {
          scheduleId: record.workflowId.slice(SCHEDULER_WORKFLOW_ID_PREFIX.length),
          // Present even when empty, as the dev server lists it.
          memo: Memo.fromPartial({ fields: userScheduleFields(execution.memo?.fields, 'memo') ?? {} }),
          searchAttributes: attributes && { indexedFields: attributes },
          info,
        };
      });
      return api.ListSchedulesResponse.fromPartial({ schedules, nextPageToken: page.nextPageToken ?? new Uint8Array() });
    },

    async countSchedules(request) {
      const nsId = await namespaceId(request.namespace);
      const custom = await store.getSearchAttributes(nsId);
      try {
        const result = await store.countVisibility(nsId, scheduleQuery(request.query, custom));
        return api.CountSchedulesResponse.fromPartial({ count: result.count });
      } catch (err) {
        throw queryError(err);
      }
    },

    async listScheduleMatchingTimes(request) {
      const nsId = await namespaceId(request.namespace);
      const described = await history.describeSchedule({
        namespaceId: nsId,
        schedulerWorkflowId: checkedSchedulerWorkflowId(request.scheduleId),
        request: { namespace: request.namespace, scheduleId: request.scheduleId },
      });
      const spec = described.response?.schedule?.spec;
      let compiled: CompiledScheduleSpec;
      try {
        compiled = new CompiledScheduleSpec(spec ?? ScheduleSpec.fromPartial({}));
      } catch (err) {
        if (err instanceof InvalidScheduleSpecError) throw invalidArgument(`invalid schedule: ${err.message}`);
        throw err;
      }
      const times = scheduleMatchingTimes(compiled, request.startTime?.getTime() ?? 0, request.endTime?.getTime() ?? 0, described.jitterSeed);
      return { startTime: times.map((t) => new Date(t)) };
    },
  };
}
