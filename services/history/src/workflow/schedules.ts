import {
  CompiledScheduleSpec,
  durationToMs,
  InvalidScheduleSpecError,
  msToDuration,
  SCHEDULE_INFO_MEMO_FIELD,
  SCHEDULER_NAMESPACE_DIVISION,
  SCHEDULER_WORKFLOW_TYPE,
  schedulerWorkflowId,
} from '@kairos/domain';
import { Memo, Payload, SearchAttributes, type WorkflowExecution } from '@kairos/proto/temporal/api/common/v1/message';
import { ScheduleOverlapPolicy } from '@kairos/proto/temporal/api/enums/v1/schedule';
import { WorkflowIdReusePolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
import {
  Schedule,
  ScheduleActionResult,
  ScheduleInfo,
  ScheduleListInfo,
  ScheduleSpec,
  type SchedulePatch,
} from '@kairos/proto/temporal/api/schedule/v1/message';
import { StartWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { CreateScheduleRequest, UpdateScheduleRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { ScheduledStart, ScheduleRecord } from '@kairos/proto/kairos/persistence/v1/executions';
import { RunTransaction } from './runTransaction';
import { EventType, ExecutionInfo, MutableState, TaskQueue, TimerTaskKind, TransferTaskKind, WorkflowExecutionStatus, type HistoryEvent } from './protos';
import { processBuffer } from './scheduleBuffer';

const SCHEDULER_TASK_QUEUE = 'temporal-sys-per-ns-tq';

// Temporal's scheduler defaults (its "tweakable policies").
const DEFAULT_CATCHUP_WINDOW_MS = 365 * 24 * 3600_000;
const MIN_CATCHUP_WINDOW_MS = 10_000;
const FUTURE_ACTION_COUNT = 10;
const RECENT_ACTION_COUNT = 10;
const FUTURE_ACTION_COUNT_FOR_LIST = 5;
const RECENT_ACTION_COUNT_FOR_LIST = 5;
const MAX_BUFFER_SIZE = 1000;
const BACKFILLS_PER_WAKEUP = 10;
const SPEC_FIELD_LENGTH_LIMIT = 10;
const INITIAL_CONFLICT_TOKEN = 1;
/** How long a schedule with nothing left to do is kept (Temporal's RetentionTime). */
const IDLE_RETENTION_MS = 7 * 24 * 3600_000;

/** The record of a schedule's execution (undefined for a workflow run). */
export function scheduleOf(run: RunTransaction): ScheduleRecord | undefined {
  return run.state.schedule;
}

function jsonPayload(value: unknown): Payload {
  return Payload.fromPartial({ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(value)) });
}

/** Temporal's jitter seed for a schedule. */
export function scheduleJitterSeed(namespaceId: string, scheduleId: string): string {
  return `${namespaceId}-${scheduleId}`;
}

function compiled(record: ScheduleRecord): CompiledScheduleSpec | undefined {
  try {
    return new CompiledScheduleSpec(record.schedule?.spec ?? ScheduleSpec.fromPartial({}));
  } catch (err) {
    if (err instanceof InvalidScheduleSpecError) return undefined;
    throw err;
  }
}

function resolvePolicy(record: ScheduleRecord, policy: ScheduleOverlapPolicy): ScheduleOverlapPolicy {
  if (policy === ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED) policy = record.schedule?.policies?.overlapPolicy ?? policy;
  return policy === ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED ? ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP : policy;
}

function catchupWindowMs(schedule: Schedule): number {
  const cw = schedule.policies?.catchupWindow;
  if (!cw) return DEFAULT_CATCHUP_WINDOW_MS;
  return Math.max(durationToMs(cw), MIN_CATCHUP_WINDOW_MS);
}

/** Temporal's ensureFields: every part present, defaults resolved so Describe shows them. */
function withDefaults(given: Schedule | undefined): Schedule {
  const schedule = Schedule.fromPartial(given ?? {});
  schedule.spec ??= ScheduleSpec.fromPartial({});
  schedule.action ??= { startWorkflow: undefined };
  schedule.policies ??= { overlapPolicy: 0, catchupWindow: undefined, pauseOnFailure: false, keepOriginalWorkflowId: false };
  schedule.policies.overlapPolicy =
    schedule.policies.overlapPolicy === ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED ? ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP : schedule.policies.overlapPolicy;
  schedule.policies.catchupWindow = msToDuration(catchupWindowMs(schedule));
  schedule.state ??= { notes: '', paused: false, limitedActions: false, remainingActions: 0 };
  return schedule;
}

/** A schedule's first write: its record, visibility (memo and search attributes) and first wake-up. */
export function newSchedule(namespaceId: string, runId: string, scheduleId: string, request: CreateScheduleRequest, now: Date): RunTransaction {
  const schedule = withDefaults(request.schedule);
  const record = ScheduleRecord.fromPartial({
    namespace: request.namespace,
    scheduleId,
    schedule,
    info: ScheduleInfo.fromPartial({ createTime: now }),
    conflictToken: INITIAL_CONFLICT_TOKEN,
    lastProcessedTime: now,
  });
  const state = MutableState.fromPartial({
    executionInfo: ExecutionInfo.fromPartial({
      namespaceId,
      workflowId: schedulerWorkflowId(scheduleId),
      runId,
      firstExecutionRunId: runId,
      workflowTypeName: SCHEDULER_WORKFLOW_TYPE,
      taskQueue: TaskQueue.fromPartial({ name: SCHEDULER_TASK_QUEUE }),
      startTime: now,
      executionTime: now,
      status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      startRequestId: request.requestId,
      memo: Memo.fromPartial({ fields: { ...(request.memo?.fields ?? {}) } }),
      searchAttributes: SearchAttributes.fromPartial({
        indexedFields: { ...(request.searchAttributes?.indexedFields ?? {}), TemporalNamespaceDivision: jsonPayload(SCHEDULER_NAMESPACE_DIVISION) },
      }),
    }),
    nextEventId: 1,
    schedule: record,
  });
  const run = new RunTransaction(state, now);
  // The state holds a copy of `record` (fromPartial): the patch goes to the state's.
  if (request.initialPatch) applyPatch(run, run.state.schedule!, request.initialPatch);
  advanceSchedule(run);
  return run;
}

/** Temporal's canTakeScheduledAction: manual actions always; otherwise not paused and actions left. */
function canTakeScheduledAction(record: ScheduleRecord, manual: boolean, decrement: boolean): boolean {
  if (manual) return true;
  const state = record.schedule!.state!;
  if (state.paused) return false;
  if (!state.limitedActions) return true;
  if (state.remainingActions > 0) {
    if (decrement) {
      state.remainingActions--;
      record.conflictToken++;
    }
    return true;
  }
  return false;
}

function addStart(record: ScheduleRecord, nominal: number, actual: number, overlapPolicy: ScheduleOverlapPolicy, manual: boolean): void {
  if (record.bufferedStarts.length >= MAX_BUFFER_SIZE) {
    record.info!.bufferDropped++;
    return;
  }
  record.bufferedStarts.push(ScheduledStart.fromPartial({ nominalTime: new Date(nominal), actualTime: new Date(actual), overlapPolicy, manual }));
}

/**
 * Temporal's processTimeRange: the action times after `start` up to `end` become buffered starts
 * (a scheduled one past the catch-up window is counted as missed instead). Returns the next action
 * time after the range (undefined: none) and the last action time taken.
 */
function processTimeRange(
  run: RunTransaction,
  record: ScheduleRecord,
  spec: CompiledScheduleSpec | undefined,
  start: number,
  end: number,
  overlapPolicy: ScheduleOverlapPolicy,
  manual: boolean,
  limit?: { left: number },
): { next: number | undefined; lastAction: number } {
  if (!spec) return { next: undefined, lastAction: end };
  const seed = scheduleJitterSeed(run.info.namespaceId, record.scheduleId);
  // Paused or out of actions: the range is skipped, not missed.
  if (!canTakeScheduledAction(record, manual, false)) return { next: spec.nextTime(end, seed)?.next, lastAction: end };
  const catchup = catchupWindowMs(record.schedule!);
  const updateTime = record.info!.updateTime?.getTime() ?? 0;
  let lastAction = start;
  let next = spec.nextTime(start, seed);
  for (; next && next.next <= end; next = spec.nextTime(next.next, seed)) {
    // Times before the last update belong to the schedule as it was.
    if (!manual && updateTime > next.next) continue;
    if (!manual && end - next.next > catchup) {
      record.info!.missedCatchupWindow++;
      continue;
    }
    addStart(record, next.nominal, next.next, overlapPolicy, manual);
    lastAction = next.next;
    // Out of budget: `next` is the time just taken, so a backfill resumes strictly after it.
    if (limit && --limit.left <= 0) break;
  }
  return { next: next?.next, lastAction };
}

function processBackfills(run: RunTransaction, record: ScheduleRecord, spec: CompiledScheduleSpec | undefined): void {
  const limit = { left: BACKFILLS_PER_WAKEUP };
  while (record.ongoingBackfills.length > 0 && limit.left > 0 && record.bufferedStarts.length < MAX_BUFFER_SIZE / 2) {
    const backfill = record.ongoingBackfills[0]!;
    const endMs = backfill.endTime?.getTime() ?? 0;
    const { next } = processTimeRange(run, record, spec, backfill.startTime?.getTime() ?? 0, endMs, backfill.overlapPolicy, true, limit);
    if (next === undefined || next > endMs) record.ongoingBackfills.shift();
    else backfill.startTime = new Date(next);
  }
}

function hasMoreAllowAllBackfills(record: ScheduleRecord): boolean {
  const first = record.ongoingBackfills[0];
  return first !== undefined && resolvePolicy(record, first.overlapPolicy) === ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL;
}

/** RFC 3339 of a whole-second UTC time, as Go formats it. */
function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Temporal's processBuffer, with the starts it decides handed to the SCHEDULE_ACTIONS transfer
 * task (each with its workflow id and a fixed request id, so a re-run of the task finds the run it
 * started). Decided starts not yet started count as running.
 */
function planBuffer(run: RunTransaction, record: ScheduleRecord): void {
  const action = record.schedule!.action?.startWorkflow;
  // A refused start (paused, out of actions) is dropped and the rest planned again, as Temporal's
  // tryAgain does: what waited behind it is not kept for after an unpause.
  for (let refused = true; refused; ) {
    refused = false;
    if (!action || record.bufferedStarts.length === 0) {
      record.bufferedStarts = [];
      break;
    }
    const isRunning = record.info!.runningWorkflows.length > 0 || record.pendingStarts.some((s) => s.nonOverlapping);
    const decision = processBuffer(record.bufferedStarts, isRunning, (p) => resolvePolicy(record, p));
    record.bufferedStarts = decision.newBuffer;
    record.info!.overlapSkipped += decision.overlapSkipped;
    const starts = [...decision.overlappingStarts, ...(decision.nonOverlappingStart ? [decision.nonOverlappingStart] : [])];
    for (const start of starts) {
      if (!canTakeScheduledAction(record, start.manual, true)) {
        refused = true;
        continue;
      }
      start.nonOverlapping = start === decision.nonOverlappingStart;
      start.workflowId = `${action.workflowId}-${rfc3339Seconds(start.nominalTime!.getTime())}`;
      start.requestId = `${run.info.runId}-${++record.startsDecided}`;
      record.pendingStarts.push(start);
    }
    if (decision.needTerminate) record.terminateRunning = true;
    else if (decision.needCancel) record.cancelRunning = true;
  }
  if (record.pendingStarts.length > 0 || record.cancelRunning || record.terminateRunning) {
    if (!run.transferTasks.some((t) => t.kind === TransferTaskKind.TRANSFER_TASK_KIND_SCHEDULE_ACTIONS)) {
      run.addTransferTask({ kind: TransferTaskKind.TRANSFER_TASK_KIND_SCHEDULE_ACTIONS });
    }
  }
}

/**
 * A schedule's wake-up (timer, create, update, patch, a started workflow closing): the action times
 * due by now are buffered, backfills advanced, the buffer planned, the next wake-up armed and what
 * ListSchedules shows brought up to date. `signal` (a patch) is applied after the elapsed time is
 * processed, as Temporal's scheduler does: an unpause does not start the times that passed paused.
 */
export function advanceSchedule(run: RunTransaction, signal?: (record: ScheduleRecord) => void): void {
  const record = run.state.schedule!;
  const spec = compiled(record);
  const now = run.now.getTime();
  const t1 = record.lastProcessedTime?.getTime() ?? now;
  const t2 = Math.max(now, t1);
  const { next, lastAction } = processTimeRange(run, record, spec, t1, t2, ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, false);
  record.lastProcessedTime = new Date(lastAction);
  signal?.(record);
  processBackfills(run, record, spec);
  planBuffer(run, record);
  let wakeAt: number | undefined = next;
  if (hasMoreAllowAllBackfills(record)) wakeAt = now + 1000;
  else if (!canTakeScheduledAction(record, false, false)) wakeAt = undefined;
  const expires = retentionExpiration(record, next);
  if (expires !== undefined && expires <= now) {
    // Nothing left to do for the retention time: the schedule ends, as Temporal's scheduler
    // workflow completes (Describe then answers "schedule not found").
    closeScheduleRecord(run, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    return;
  }
  armWakeup(run, record, expires ?? wakeAt);
  refreshVisibility(run, record, spec);
}

/**
 * Temporal's getRetentionExpiration: a schedule that is not paused and will take no more actions
 * (no next time, or no remaining actions) ends this long after its last event (creation, update
 * or action); undefined while it still has something to do.
 */
function retentionExpiration(record: ScheduleRecord, next: number | undefined): number | undefined {
  if (record.schedule!.state!.paused || (next !== undefined && canTakeScheduledAction(record, false, false)) || hasMoreAllowAllBackfills(record)) return undefined;
  const info = record.info!;
  const lastAction = info.recentActions.at(-1)?.actualTime?.getTime() ?? 0;
  return Math.max(lastAction, info.createTime?.getTime() ?? 0, info.updateTime?.getTime() ?? 0) + IDLE_RETENTION_MS;
}

function armWakeup(run: RunTransaction, record: ScheduleRecord, at: number | undefined): void {
  if (at === undefined) {
    record.nextWakeup = undefined;
    return;
  }
  if (record.nextWakeup?.getTime() === at) return;
  record.nextWakeup = new Date(at);
  run.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_SCHEDULE_WAKEUP, fireTime: new Date(at) });
}

/** A SCHEDULE_WAKEUP timer fired: false when it is stale (a later change re-armed another). */
export function scheduleWakeupFired(run: RunTransaction, fireTime: Date): boolean {
  const record = run.state.schedule;
  if (!run.isOpen || !record || record.nextWakeup?.getTime() !== fireTime.getTime()) return false;
  record.nextWakeup = undefined;
  advanceSchedule(run);
  return true;
}

/** Up to `n` future action times (Temporal's getFutureActionTimes): not past the remaining actions, none before the last update. */
function futureActionTimes(run: RunTransaction, record: ScheduleRecord, spec: CompiledScheduleSpec | undefined, n: number): Date[] {
  if (!spec) return [];
  const state = record.schedule!.state!;
  if (state.limitedActions) n = Math.min(state.remainingActions, n);
  const seed = scheduleJitterSeed(run.info.namespaceId, record.scheduleId);
  const updateTime = record.info!.updateTime?.getTime() ?? 0;
  const out: Date[] = [];
  let t = record.lastProcessedTime?.getTime() ?? run.now.getTime();
  while (out.length < n) {
    const next = spec.nextTime(t, seed);
    if (!next) break;
    t = next.next;
    if (updateTime > t) continue;
    out.push(new Date(t));
  }
  return out;
}

/** Temporal's getListInfo: the ScheduleListInfo kept in the memo for ListSchedules. */
function listInfo(run: RunTransaction, record: ScheduleRecord, spec: CompiledScheduleSpec | undefined): ScheduleListInfo {
  const schedule = record.schedule!;
  const listSpec = cleanSpec(schedule.spec ?? ScheduleSpec.fromPartial({}));
  listSpec.timezoneData = new Uint8Array();
  listSpec.excludeStructuredCalendar = listSpec.excludeStructuredCalendar.slice(0, SPEC_FIELD_LENGTH_LIMIT);
  listSpec.interval = listSpec.interval.slice(0, SPEC_FIELD_LENGTH_LIMIT);
  listSpec.structuredCalendar = listSpec.structuredCalendar.slice(0, SPEC_FIELD_LENGTH_LIMIT);
  return ScheduleListInfo.fromPartial({
    spec: listSpec,
    workflowType: schedule.action?.startWorkflow?.workflowType,
    notes: schedule.state!.notes,
    paused: schedule.state!.paused,
    recentActions: record.info!.recentActions.slice(-RECENT_ACTION_COUNT_FOR_LIST),
    futureActionTimes: futureActionTimes(run, record, spec, FUTURE_ACTION_COUNT_FOR_LIST),
  });
}

/** The memo's ScheduleInfo and the TemporalSchedulePaused search attribute, written when they change. */
function refreshVisibility(run: RunTransaction, record: ScheduleRecord, spec: CompiledScheduleSpec | undefined): void {
  const info = run.info;
  const encoded = ScheduleListInfo.encode(listInfo(run, record, spec)).finish();
  const payload = Payload.fromPartial({ metadata: { encoding: new TextEncoder().encode('binary/plain') }, data: encoded });
  info.memo ??= Memo.fromPartial({});
  const current = info.memo.fields[SCHEDULE_INFO_MEMO_FIELD];
  if (!current || Buffer.compare(Buffer.from(current.data), Buffer.from(encoded)) !== 0) {
    info.memo.fields[SCHEDULE_INFO_MEMO_FIELD] = payload;
    run.visibilityChanged = true;
  }
  info.searchAttributes ??= SearchAttributes.fromPartial({});
  const paused = jsonPayload(record.schedule!.state!.paused);
  const currentPaused = info.searchAttributes.indexedFields.TemporalSchedulePaused;
  if (!currentPaused || Buffer.compare(Buffer.from(currentPaused.data), Buffer.from(paused.data)) !== 0) {
    info.searchAttributes.indexedFields.TemporalSchedulePaused = paused;
    run.visibilityChanged = true;
  }
}

/** Temporal's processPatch: trigger now, backfills, pause or unpause with notes. */
export function applyPatch(run: RunTransaction, record: ScheduleRecord, patch: SchedulePatch): void {
  const trigger = patch.triggerImmediately;
  if (trigger) {
    const at = trigger.scheduledTime?.getTime() || run.now.getTime();
    addStart(record, at, at, trigger.overlapPolicy, true);
  }
  for (const backfill of patch.backfillRequest) {
    if (record.ongoingBackfills.length >= MAX_BUFFER_SIZE) {
      record.info!.bufferDropped++;
      continue;
    }
    // The start time is inclusive: times after one millisecond before it.
    record.ongoingBackfills.push({ ...backfill, startTime: new Date((backfill.startTime?.getTime() ?? 0) - 1) });
  }
  if (patch.pause) {
    record.schedule!.state!.paused = true;
    record.schedule!.state!.notes = patch.pause;
    record.conflictToken++;
  }
  if (patch.unpause) {
    record.schedule!.state!.paused = false;
    record.schedule!.state!.notes = patch.unpause;
    record.conflictToken++;
  }
}

/** PatchSchedule: the schedule advanced, the patch applied once the elapsed time is processed. */
export function patchSchedule(run: RunTransaction, patch: SchedulePatch): void {
  advanceSchedule(run, (record) => applyPatch(run, record, patch));
}

/**
 * UpdateSchedule (Temporal's processUpdate): a stale conflict token leaves the schedule as it is
 * (false). Otherwise spec, action, policies and state are replaced, the search attributes replaced
 * when given, and times before now no longer fire.
 */
export function updateSchedule(run: RunTransaction, request: UpdateScheduleRequest): boolean {
  const record = run.state.schedule!;
  const token = request.conflictToken.length >= 8 ? Number(Buffer.from(request.conflictToken).readBigUInt64BE(0)) : 0;
  if (token !== 0 && token !== record.conflictToken) return false;
  record.schedule = withDefaults(request.schedule);
  if (request.searchAttributes) {
    const indexed = run.info.searchAttributes?.indexedFields ?? {};
    const kept = Object.fromEntries(Object.entries(indexed).filter(([name]) => name.startsWith('Temporal')));
    run.info.searchAttributes = SearchAttributes.fromPartial({ indexedFields: { ...kept, ...request.searchAttributes.indexedFields } });
    run.visibilityChanged = true;
  }
  record.info!.updateTime = run.now;
  record.conflictToken++;
  advanceSchedule(run);
  return true;
}

/** The conflict token as the API carries it: 8 bytes, big-endian. */
export function encodeConflictToken(token: number): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(token));
  return new Uint8Array(out);
}

/**
 * Temporal's CleanSpec, applied to what Describe and List show: a range's end no less than its
 * start, its step at least 1 (the stored canonical form keeps zeros).
 */
export function cleanSpec(spec: ScheduleSpec): ScheduleSpec {
  const cleaned = ScheduleSpec.fromPartial(spec);
  for (const cal of [...cleaned.structuredCalendar, ...cleaned.excludeStructuredCalendar]) {
    for (const ranges of [cal.second, cal.minute, cal.hour, cal.dayOfMonth, cal.month, cal.year, cal.dayOfWeek]) {
      for (const r of ranges) {
        if (r.end < r.start) r.end = r.start;
        if (r.step === 0) r.step = 1;
      }
    }
  }
  return cleaned;
}

/** What DescribeSchedule shows of the record (memo and search attributes cleaned by the caller). */
export function describeSchedule(run: RunTransaction): { schedule: Schedule; info: ScheduleInfo; conflictToken: Uint8Array } {
  const record = run.state.schedule!;
  const info = ScheduleInfo.fromPartial(record.info ?? {});
  info.futureActionTimes = futureActionTimes(run, record, compiled(record), FUTURE_ACTION_COUNT);
  info.bufferSize = record.bufferedStarts.length;
  const schedule = Schedule.fromPartial(record.schedule ?? {});
  schedule.spec = cleanSpec(schedule.spec ?? ScheduleSpec.fromPartial({}));
  return { schedule, info, conflictToken: encodeConflictToken(record.conflictToken) };
}

/**
 * DeleteSchedule: the record is closed (no more wake-ups or starts; its visibility row no longer
 * listed) and kept for the namespace's retention, as Temporal keeps a deleted schedule's closed
 * scheduler workflow: Describe then answers "schedule not found". Workflows it started run on.
 */
export function deleteScheduleRecord(run: RunTransaction): void {
  closeScheduleRecord(run, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
}

/** The record closed: nothing more fires or starts; kept for the namespace's retention. */
function closeScheduleRecord(run: RunTransaction, status: WorkflowExecutionStatus): void {
  const record = run.state.schedule!;
  record.nextWakeup = undefined;
  record.pendingStarts = [];
  record.bufferedStarts = [];
  record.ongoingBackfills = [];
  record.cancelRunning = false;
  record.terminateRunning = false;
  run.markClosed(status, 0);
}

/** The identity the scheduler's requests carry (Temporal's). */
export function schedulerIdentity(record: ScheduleRecord): string {
  return `temporal-scheduler-${record.namespace}-${record.scheduleId}`;
}

/** The start request of a decided start (Temporal's startWorkflow). */
export function scheduledStartRequest(record: ScheduleRecord, start: ScheduledStart): StartWorkflowExecutionRequest {
  const action = record.schedule!.action!.startWorkflow!;
  const nominalSeconds = Math.floor(start.nominalTime!.getTime() / 1000) * 1000;
  return StartWorkflowExecutionRequest.fromPartial({
    namespace: record.namespace,
    workflowId: start.workflowId,
    workflowType: action.workflowType,
    taskQueue: action.taskQueue,
    input: action.input,
    workflowExecutionTimeout: action.workflowExecutionTimeout,
    workflowRunTimeout: action.workflowRunTimeout,
    workflowTaskTimeout: action.workflowTaskTimeout,
    identity: schedulerIdentity(record),
    requestId: start.requestId,
    // Duplicates are refused as a guard against repeats, except for manual starts.
    workflowIdReusePolicy: start.manual ? WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE : WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
    retryPolicy: action.retryPolicy,
    memo: action.memo,
    searchAttributes: {
      indexedFields: {
        ...(action.searchAttributes?.indexedFields ?? {}),
        TemporalScheduledStartTime: jsonPayload(new Date(nominalSeconds).toISOString().replace('.000Z', 'Z')),
        TemporalScheduledById: jsonPayload(record.scheduleId),
      },
    },
    header: action.header,
    userMetadata: action.userMetadata,
    priority: action.priority,
  });
}

/** What the next started workflow inherits (Temporal passes them to every start but ALLOW_ALL ones). */
export function inheritedByStart(record: ScheduleRecord, start: ScheduledStart): Pick<ScheduleRecord, 'lastCompletionResult' | 'continuedFailure'> {
  if (resolvePolicy(record, start.overlapPolicy) === ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL) return { lastCompletionResult: undefined, continuedFailure: undefined };
  return { lastCompletionResult: record.lastCompletionResult, continuedFailure: record.continuedFailure };
}

/**
 * A decided start was carried out: `started` is the run it started (undefined: the start was
 * refused and is dropped, as Temporal's scheduler drops it). The action is recorded and the
 * buffer planned again. False when the start is no longer pending (a re-run of the task).
 */
export function recordScheduledStart(run: RunTransaction, requestId: string, started: { runId: string; startTime: Date } | undefined): boolean {
  const record = run.state.schedule;
  if (!run.isOpen || !record) return false;
  const index = record.pendingStarts.findIndex((s) => s.requestId === requestId);
  if (index < 0) return false;
  const [start] = record.pendingStarts.splice(index, 1);
  if (started) {
    const execution: WorkflowExecution = { workflowId: start!.workflowId, runId: started.runId };
    const info = record.info!;
    info.actionCount++;
    info.recentActions = [
      ...info.recentActions,
      ScheduleActionResult.fromPartial({
        scheduleTime: start!.actualTime,
        actualTime: started.startTime,
        startWorkflowResult: execution,
        startWorkflowStatus: start!.closedStatus || WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      }),
    ].slice(-RECENT_ACTION_COUNT);
    if (start!.nonOverlapping && !start!.closedStatus) info.runningWorkflows.push(execution);
  }
  advanceSchedule(run);
  return true;
}

/** The running workflows to cancel or terminate (the overlap policy asked for it), and which. */
export function replacementRequested(record: ScheduleRecord): 'cancel' | 'terminate' | undefined {
  return record.terminateRunning ? 'terminate' : record.cancelRunning ? 'cancel' : undefined;
}

export function clearReplacementRequest(run: RunTransaction): boolean {
  const record = run.state.schedule;
  if (!run.isOpen || !record || (!record.cancelRunning && !record.terminateRunning)) return false;
  record.cancelRunning = false;
  record.terminateRunning = false;
  return true;
}

function closedStatusOf(completion: HistoryEvent): WorkflowExecutionStatus {
  switch (completion.eventType) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      return WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      return WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      return WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      return WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED;
    default:
      return WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
  }
}

/**
 * A workflow the schedule started closed (Temporal's processWatcherResult): no longer running, its
 * recent action's status set, pause on failure applied, its result or failure kept for the next
 * start, and the buffer planned again (a waiting start may go now).
 */
export function scheduledWorkflowClosed(run: RunTransaction, execution: WorkflowExecution, completion: HistoryEvent): boolean {
  const record = run.state.schedule;
  if (!run.isOpen || !record) return false;
  const info = record.info!;
  const index = info.runningWorkflows.findIndex((w) => w.workflowId === execution.workflowId);
  const recent = info.recentActions.find((a) => a.startWorkflowResult?.workflowId === execution.workflowId);
  // A workflow may close before its start is recorded: the start is then recorded as closed.
  const pending = record.pendingStarts.find((s) => s.workflowId === execution.workflowId);
  if (index < 0 && !pending) return false;
  if (index >= 0) info.runningWorkflows.splice(index, 1);
  const status = closedStatusOf(completion);
  if (recent) recent.startWorkflowStatus = status;
  if (pending) pending.closedStatus = status;
  const state = record.schedule!.state!;
  const failure = completion.workflowExecutionFailedEventAttributes?.failure;
  if (record.schedule!.policies?.pauseOnFailure && !state.paused) {
    if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED) {
      state.paused = true;
      state.notes = `paused due to workflow failure: ${execution.workflowId}: ${failure?.message ?? ''}`;
      record.conflictToken++;
    } else if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT) {
      state.paused = true;
      state.notes = `paused due to workflow timeout: ${execution.workflowId}`;
      record.conflictToken++;
    }
  }
  // As Temporal: a completion without a result keeps the previous result and failure.
  const result = completion.workflowExecutionCompletedEventAttributes?.result;
  if (result) {
    record.lastCompletionResult = result;
    record.continuedFailure = undefined;
  } else if (failure) {
    record.continuedFailure = failure;
  }
  advanceSchedule(run);
  return true;
}
