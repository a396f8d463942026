import { describe, expect, it } from 'vitest';
import { Payload } from '@kairos/proto/temporal/api/common/v1/message';
import { ScheduleOverlapPolicy } from '@kairos/proto/temporal/api/enums/v1/schedule';
import { Schedule, ScheduleListInfo, type SchedulePatch } from '@kairos/proto/temporal/api/schedule/v1/message';
import { CreateScheduleRequest, UpdateScheduleRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { ScheduledStart, ScheduleRecord } from '@kairos/proto/kairos/persistence/v1/executions';
import { EventType, HistoryEvent, TimerTaskKind, TransferTaskKind, WorkflowExecutionStatus, WorkflowIdReusePolicy, type Payloads } from './protos';
import { RunTransaction } from './runTransaction';
import {
  describeSchedule,
  encodeConflictToken,
  inheritedByStart,
  newSchedule,
  patchSchedule,
  recordScheduledStart,
  replacementRequested,
  scheduledStartRequest,
  scheduledWorkflowClosed,
  scheduleWakeupFired,
  updateSchedule,
} from './schedules';
import { reopen, T0 } from '../../test/runFixtures';
import { appFailure, at, payloads, secs, timerKinds, transferKinds } from '../../test/activityFixtures';

const P = ScheduleOverlapPolicy;
const S = WorkflowExecutionStatus;
const SCHEDULE_ID = 'sched-1';
const SCHEDULER_RUN_ID = 'sched-run';
const SCHEDULER_WORKFLOW_ID = 'temporal-sys-scheduler:sched-1';

type ScheduleFields = NonNullable<Parameters<typeof Schedule.fromPartial>[0]>;
type CreateFields = NonNullable<Parameters<typeof CreateScheduleRequest.fromPartial>[0]>;

/** The workflow id a start with this nominal time gets (the action's id, then the time in RFC 3339 seconds). */
const wid = (seconds: number) => `wf-${at(seconds).toISOString().replace('.000Z', 'Z')}`;

/** CreateSchedule for every minute on the minute (the first action at T0+60 s), starting workflow `wf`. */
function createRequest(schedule: ScheduleFields = {}, extra: CreateFields = {}): CreateScheduleRequest {
  return CreateScheduleRequest.fromPartial({
    namespace: 'default',
    scheduleId: SCHEDULE_ID,
    requestId: 'create-1',
    identity: 'cli',
    schedule: {
      spec: { interval: [{ interval: secs(60) }] },
      action: { startWorkflow: { workflowId: 'wf', workflowType: { name: 'Echo' }, taskQueue: { name: 'tq' }, input: payloads('hi') } },
      ...schedule,
    },
    ...extra,
  });
}

/** The schedule created at `now` (T0 unless told). */
function created(schedule: ScheduleFields = {}, extra: CreateFields = {}, now = T0): RunTransaction {
  return newSchedule('ns-1', SCHEDULER_RUN_ID, SCHEDULE_ID, createRequest(schedule, extra), now);
}

const recordOf = (run: RunTransaction): ScheduleRecord => run.state.schedule!;
const infoOf = (run: RunTransaction) => recordOf(run).info!;
const stateOf = (run: RunTransaction) => recordOf(run).schedule!.state!;

/** The schedule's armed wake-up fired, as the next transaction (at its fire time unless `now` is given). */
function wake(run: RunTransaction, now?: Date): RunTransaction {
  const fireTime = recordOf(run).nextWakeup;
  if (!fireTime) throw new Error('no wake-up armed');
  const tx = reopen(run, now ?? fireTime);
  expect(scheduleWakeupFired(tx, fireTime)).toBe(true);
  return tx;
}

/** A patch as the next transaction at `now`. */
function patched(run: RunTransaction, now: Date, patch: Partial<SchedulePatch>): RunTransaction {
  const tx = reopen(run, now);
  patchSchedule(tx, { triggerImmediately: undefined, backfillRequest: [], pause: '', unpause: '', ...patch });
  return tx;
}

/** The run id the SCHEDULE_ACTIONS task's start of `start` got. */
const runIdOf = (start: ScheduledStart) => `run-of-${start.requestId}`;

/** What the SCHEDULE_ACTIONS task does: every pending start started at `now`, each recorded in its own transaction. */
function startPending(run: RunTransaction, now: Date): RunTransaction {
  let tx = run;
  for (let start = recordOf(tx).pendingStarts[0]; start; start = recordOf(tx).pendingStarts[0]) {
    tx = reopen(tx, now);
    expect(recordScheduledStart(tx, start.requestId, { runId: runIdOf(start), startTime: now })).toBe(true);
  }
  return tx;
}

const completed = (result?: Payloads) => HistoryEvent.fromPartial({ eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, workflowExecutionCompletedEventAttributes: { result } });
const failed = (message: string) => HistoryEvent.fromPartial({ eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, workflowExecutionFailedEventAttributes: { failure: appFailure(message) } });
const timedOut = HistoryEvent.fromPartial({ eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, workflowExecutionTimedOutEventAttributes: {} });
const canceled = HistoryEvent.fromPartial({ eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, workflowExecutionCanceledEventAttributes: {} });

/** The workflow `workflowId` the schedule started closed (reported at `now`), as the next transaction. */
function closed(run: RunTransaction, workflowId: string, completion: HistoryEvent, now: Date): RunTransaction {
  const tx = reopen(run, now);
  expect(scheduledWorkflowClosed(tx, { workflowId, runId: '' }, completion)).toBe(true);
  return tx;
}

/** A schedule with the action due at T0+60 s started then (run id `run-of-sched-run-1`). */
function firstRunning(schedule: ScheduleFields = {}): RunTransaction {
  return startPending(wake(created(schedule)), at(60));
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const encodingOf = (payload: Payload) => text(payload.metadata.encoding!);
const jsonOf = (payload: Payload | undefined): unknown => {
  expect(encodingOf(payload!)).toBe('json/plain');
  return JSON.parse(text(payload!.data));
};

/** The ScheduleListInfo in the memo (what ListSchedules shows). */
function listInfoOf(run: RunTransaction): ScheduleListInfo {
  const payload = run.info.memo!.fields.ScheduleInfo!;
  expect(encodingOf(payload)).toBe('binary/plain');
  return ScheduleListInfo.decode(payload.data);
}

const pendingOf = (run: RunTransaction) =>
  recordOf(run).pendingStarts.map((s) => ({ nominal: s.nominalTime, workflowId: s.workflowId, manual: s.manual, nonOverlapping: s.nonOverlapping }));
const bufferedNominals = (run: RunTransaction) => recordOf(run).bufferedStarts.map((s) => s.nominalTime);
const scheduleActionTasks = (run: RunTransaction) => run.transferTasks.filter((t) => t.kind === TransferTaskKind.TRANSFER_TASK_KIND_SCHEDULE_ACTIONS);
const wakeupTimes = (run: RunTransaction) => run.timerTasks.filter((t) => t.kind === TimerTaskKind.TIMER_TASK_KIND_SCHEDULE_WAKEUP).map((t) => t.fireTime);

describe('newSchedule', () => {
  it('writes the record with Temporal defaults: SKIP, a 365-day catch-up window, conflict token 1', () => {
    const run = created();
    const record = recordOf(run);
    expect(record.schedule!.policies).toEqual({ overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_SKIP, catchupWindow: secs(365 * 24 * 3600), pauseOnFailure: false, keepOriginalWorkflowId: false });
    expect(record.schedule!.state).toEqual({ notes: '', paused: false, limitedActions: false, remainingActions: 0 });
    expect(record.conflictToken).toBe(1);
    expect(record).toMatchObject({ namespace: 'default', scheduleId: SCHEDULE_ID, lastProcessedTime: T0, bufferedStarts: [], pendingStarts: [] });
    expect(record.info).toMatchObject({ createTime: T0, actionCount: 0, runningWorkflows: [], recentActions: [] });
    expect(run.info).toMatchObject({
      namespaceId: 'ns-1',
      workflowId: SCHEDULER_WORKFLOW_ID,
      runId: SCHEDULER_RUN_ID,
      workflowTypeName: 'temporal-sys-scheduler-workflow',
      status: S.WORKFLOW_EXECUTION_STATUS_RUNNING,
      startRequestId: 'create-1',
      startTime: T0,
    });
  });

  it('arms a SCHEDULE_WAKEUP timer at the first interval time and decides nothing yet', () => {
    const run = created();
    expect(timerKinds(run)).toEqual(['SCHEDULE_WAKEUP']);
    expect(run.timerTasks[0]).toMatchObject({ fireTime: at(60), namespaceId: 'ns-1', workflowId: SCHEDULER_WORKFLOW_ID, runId: SCHEDULER_RUN_ID });
    expect(recordOf(run).nextWakeup).toEqual(at(60));
    expect(run.transferTasks).toEqual([]);
  });

  it('keeps a given overlap policy and raises a catch-up window under 10 s to 10 s, as Describe shows it', () => {
    const run = created({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL, catchupWindow: secs(2) } });
    expect(recordOf(run).schedule!.policies).toMatchObject({ overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL, catchupWindow: secs(10) });
  });

  it('writes the ScheduleInfo memo field (binary/plain ScheduleListInfo) with the next five action times, beside the given memo', () => {
    const run = created({}, { memo: { fields: { team: payloadOf('ops') } } });
    const info = listInfoOf(run);
    expect(info.futureActionTimes).toEqual([at(60), at(120), at(180), at(240), at(300)]);
    expect(info).toMatchObject({ workflowType: { name: 'Echo' }, paused: false, notes: '', recentActions: [] });
    expect(info.spec!.interval).toEqual([{ interval: secs(60), phase: undefined }]);
    expect(jsonOf(run.info.memo!.fields.team)).toBe('ops');
    expect(run.visibilityChanged).toBe(true);
  });

  it('sets TemporalNamespaceDivision and TemporalSchedulePaused (json) beside the given search attributes', () => {
    const run = created({}, { searchAttributes: { indexedFields: { CustomKeywordField: payloadOf('k') } } });
    const fields = run.info.searchAttributes!.indexedFields;
    expect(jsonOf(fields.TemporalNamespaceDivision)).toBe('TemporalScheduler');
    expect(jsonOf(fields.TemporalSchedulePaused)).toBe(false);
    expect(jsonOf(fields.CustomKeywordField)).toBe('k');
  });

  it('created paused: no timer armed, TemporalSchedulePaused true', () => {
    const run = created({ state: { paused: true, notes: 'later' } });
    expect(run.timerTasks).toEqual([]);
    expect(recordOf(run).nextWakeup).toBeUndefined();
    expect(jsonOf(run.info.searchAttributes!.indexedFields.TemporalSchedulePaused)).toBe(true);
    expect(listInfoOf(run)).toMatchObject({ paused: true, notes: 'later' });
  });

  it('applies an initial patch: a trigger decides a manual start at once', () => {
    const run = created({}, { initialPatch: { triggerImmediately: { scheduledTime: at(0) } } });
    expect(pendingOf(run)).toEqual([{ nominal: T0, workflowId: 'wf-2026-01-01T00:00:00Z', manual: true, nonOverlapping: true }]);
    expect(transferKinds(run)).toEqual(['SCHEDULE_ACTIONS']);
    expect(recordOf(run).conflictToken).toBe(1);
  });

  it('applies an initial patch: a pause pauses it from the start (no timer, a conflict token step)', () => {
    const run = created({}, { initialPatch: { pause: 'created paused' } });
    expect(stateOf(run)).toMatchObject({ paused: true, notes: 'created paused' });
    expect(recordOf(run).conflictToken).toBe(2);
    expect(run.timerTasks).toEqual([]);
  });
});

describe('scheduleWakeupFired', () => {
  it('refuses a fire time other than the armed one (stale) and changes nothing', () => {
    const tx = reopen(created(), at(30));
    expect(scheduleWakeupFired(tx, at(30))).toBe(false);
    expect(recordOf(tx).nextWakeup).toEqual(at(60));
    expect(tx.timerTasks).toEqual([]);
    expect(tx.transferTasks).toEqual([]);
  });

  it('buffers the due time and decides its start: workflow id with the nominal time, a fixed request id, SCHEDULE_ACTIONS, the next timer', () => {
    const tx = wake(created());
    expect(recordOf(tx).pendingStarts).toEqual([
      expect.objectContaining({ nominalTime: at(60), actualTime: at(60), workflowId: 'wf-2026-01-01T00:01:00Z', requestId: 'sched-run-1', manual: false, nonOverlapping: true }),
    ]);
    expect(recordOf(tx).bufferedStarts).toEqual([]);
    expect(recordOf(tx).lastProcessedTime).toEqual(at(60));
    expect(transferKinds(tx)).toEqual(['SCHEDULE_ACTIONS']);
    expect(wakeupTimes(tx)).toEqual([at(120)]);
    expect(recordOf(tx).nextWakeup).toEqual(at(120));
    expect(listInfoOf(tx).futureActionTimes).toEqual([at(120), at(180), at(240), at(300), at(360)]);
  });

  it('still takes a time late by less than the catch-up window', () => {
    const tx = wake(created({ policies: { catchupWindow: secs(30) } }), at(89));
    expect(pendingOf(tx)).toEqual([expect.objectContaining({ nominal: at(60) })]);
    expect(infoOf(tx).missedCatchupWindow).toBe(0);
  });

  it('counts a time later than the catch-up window as missed and starts nothing for it', () => {
    const tx = wake(created({ policies: { catchupWindow: secs(30) } }), at(91));
    expect(infoOf(tx).missedCatchupWindow).toBe(1);
    expect(recordOf(tx).pendingStarts).toEqual([]);
    expect(tx.transferTasks).toEqual([]);
    expect(wakeupTimes(tx)).toEqual([at(120)]);
  });

  it('uses at least a 10 s catch-up window', () => {
    const inTime = wake(created({ policies: { catchupWindow: secs(1) } }), at(70));
    expect(infoOf(inTime).missedCatchupWindow).toBe(0);
    expect(recordOf(inTime).pendingStarts).toHaveLength(1);
    const late = wake(created({ policies: { catchupWindow: secs(1) } }), at(70.5));
    expect(infoOf(late).missedCatchupWindow).toBe(1);
    expect(recordOf(late).pendingStarts).toEqual([]);
  });

  it('after a long outage buffers every due time: with SKIP the first starts and the others are skipped', () => {
    const tx = wake(created(), at(301));
    expect(pendingOf(tx)).toEqual([{ nominal: at(60), workflowId: wid(60), manual: false, nonOverlapping: true }]);
    expect(infoOf(tx).overlapSkipped).toBe(4);
    expect(recordOf(tx).lastProcessedTime).toEqual(at(300));
    expect(wakeupTimes(tx)).toEqual([at(360)]);
  });

  it('paused: the armed timer is cleared (a late fire is stale) and no action is taken', () => {
    const paused = patched(created(), at(30), { pause: 'stop' });
    expect(recordOf(paused).nextWakeup).toBeUndefined();
    expect(paused.timerTasks).toEqual([]);
    const tx = reopen(paused, at(60));
    expect(scheduleWakeupFired(tx, at(60))).toBe(false);
    expect(recordOf(tx).pendingStarts).toEqual([]);
    expect(tx.timerTasks).toEqual([]);
  });

  it('limited actions: each action takes one (and a conflict token step); at 0 nothing is taken, only the retention timer armed', () => {
    const run = created({ state: { limitedActions: true, remainingActions: 2 } });
    expect(listInfoOf(run).futureActionTimes).toEqual([at(60), at(120)]);
    const first = wake(run);
    expect(stateOf(first).remainingActions).toBe(1);
    expect(recordOf(first).conflictToken).toBe(2);
    expect(pendingOf(first)).toEqual([expect.objectContaining({ nominal: at(60) })]);
    const second = wake(closed(startPending(first, at(60)), wid(60), completed(), at(61)));
    expect(stateOf(second).remainingActions).toBe(0);
    expect(recordOf(second).conflictToken).toBe(3);
    expect(pendingOf(second)).toEqual([expect.objectContaining({ nominal: at(120) })]);
    // Out of actions: the next wake-up is the end of the 7-day retention after the last event
    // (the action started at 60 s).
    expect(recordOf(second).nextWakeup).toEqual(new Date(at(60).getTime() + 7 * 24 * 3600_000));
    expect(wakeupTimes(second)).toEqual([new Date(at(60).getTime() + 7 * 24 * 3600_000)]);
    expect(listInfoOf(second).futureActionTimes).toEqual([]);
    // A trigger is manual: it does not count against the remaining actions.
    const triggered = patched(startPending(second, at(120)), at(130), { triggerImmediately: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, scheduledTime: at(130) } });
    expect(pendingOf(triggered)).toEqual([expect.objectContaining({ nominal: at(130), manual: true })]);
    expect(stateOf(triggered).remainingActions).toBe(0);
  });
});

describe('recordScheduledStart', () => {
  it('records the action: actionCount, recent action (RUNNING), running workflow for the non-overlapping start', () => {
    const tx = reopen(wake(created()), at(60.5));
    expect(recordScheduledStart(tx, 'sched-run-1', { runId: 'r1', startTime: at(60.5) })).toBe(true);
    const info = infoOf(tx);
    expect(info.actionCount).toBe(1);
    expect(info.recentActions).toEqual([{ scheduleTime: at(60), actualTime: at(60.5), startWorkflowResult: { workflowId: wid(60), runId: 'r1' }, startWorkflowStatus: S.WORKFLOW_EXECUTION_STATUS_RUNNING }]);
    expect(info.runningWorkflows).toEqual([{ workflowId: wid(60), runId: 'r1' }]);
    expect(recordOf(tx).pendingStarts).toEqual([]);
    expect(listInfoOf(tx).recentActions).toEqual(info.recentActions);
  });

  it('refuses a request id no longer pending (a re-run of the task) and records nothing twice', () => {
    const run = firstRunning();
    const tx = reopen(run, at(61));
    expect(recordScheduledStart(tx, 'sched-run-1', { runId: 'other', startTime: at(61) })).toBe(false);
    expect(infoOf(tx).actionCount).toBe(1);
    expect(infoOf(tx).runningWorkflows).toEqual([{ workflowId: wid(60), runId: 'run-of-sched-run-1' }]);
  });

  it('drops a start that was refused (no run): nothing recorded, nothing running', () => {
    const tx = reopen(wake(created()), at(61));
    expect(recordScheduledStart(tx, 'sched-run-1', undefined)).toBe(true);
    expect(recordOf(tx).pendingStarts).toEqual([]);
    expect(infoOf(tx)).toMatchObject({ actionCount: 0, recentActions: [], runningWorkflows: [] });
  });

  it('keeps the last 10 recent actions (the list info the last 5); ALLOW_ALL starts are not tracked as running', () => {
    let run = created({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL } });
    for (let i = 1; i <= 12; i++) run = startPending(wake(run), at(60 * i));
    const info = infoOf(run);
    expect(info.actionCount).toBe(12);
    expect(info.recentActions.map((a) => a.scheduleTime)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((i) => at(60 * i)));
    expect(listInfoOf(run).recentActions.map((a) => a.scheduleTime)).toEqual([8, 9, 10, 11, 12].map((i) => at(60 * i)));
    expect(info.runningWorkflows).toEqual([]);
  });

  it('a start recorded after its workflow already closed is recorded with that status and not as running', () => {
    const decided = wake(created());
    const closedFirst = closed(decided, wid(60), completed(payloads('r')), at(60.2));
    expect(recordOf(closedFirst).pendingStarts[0]!.closedStatus).toBe(S.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    const tx = reopen(closedFirst, at(60.5));
    expect(recordScheduledStart(tx, 'sched-run-1', { runId: 'r1', startTime: at(60.1) })).toBe(true);
    expect(infoOf(tx).runningWorkflows).toEqual([]);
    expect(infoOf(tx).recentActions).toEqual([expect.objectContaining({ startWorkflowResult: { workflowId: wid(60), runId: 'r1' }, startWorkflowStatus: S.WORKFLOW_EXECUTION_STATUS_COMPLETED })]);
    expect(recordOf(tx).lastCompletionResult).toEqual(payloads('r'));
  });
});

describe('scheduledWorkflowClosed', () => {
  it('takes the workflow off the running list and sets its recent action status', () => {
    const tx = closed(firstRunning(), wid(60), completed(), at(70));
    expect(infoOf(tx).runningWorkflows).toEqual([]);
    expect(infoOf(tx).recentActions[0]!.startWorkflowStatus).toBe(S.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    expect(listInfoOf(tx).recentActions[0]!.startWorkflowStatus).toBe(S.WORKFLOW_EXECUTION_STATUS_COMPLETED);
  });

  it('refuses a workflow the schedule does not know', () => {
    const tx = reopen(firstRunning(), at(70));
    expect(scheduledWorkflowClosed(tx, { workflowId: 'someone-else', runId: '' }, completed())).toBe(false);
    expect(infoOf(tx).runningWorkflows).toHaveLength(1);
  });

  it('pause on failure: a failure pauses with Temporal note, steps the conflict token and arms no timer', () => {
    const tx = closed(firstRunning({ policies: { pauseOnFailure: true } }), wid(60), failed('boom'), at(70));
    expect(stateOf(tx)).toMatchObject({ paused: true, notes: `paused due to workflow failure: ${wid(60)}: boom` });
    expect(recordOf(tx).conflictToken).toBe(2);
    expect(recordOf(tx).nextWakeup).toBeUndefined();
    expect(tx.timerTasks).toEqual([]);
    expect(infoOf(tx).recentActions[0]!.startWorkflowStatus).toBe(S.WORKFLOW_EXECUTION_STATUS_FAILED);
    expect(jsonOf(tx.info.searchAttributes!.indexedFields.TemporalSchedulePaused)).toBe(true);
    expect(listInfoOf(tx)).toMatchObject({ paused: true, notes: `paused due to workflow failure: ${wid(60)}: boom` });
  });

  it('pause on failure: a timeout pauses with Temporal note', () => {
    const tx = closed(firstRunning({ policies: { pauseOnFailure: true } }), wid(60), timedOut, at(70));
    expect(stateOf(tx)).toMatchObject({ paused: true, notes: `paused due to workflow timeout: ${wid(60)}` });
    expect(infoOf(tx).recentActions[0]!.startWorkflowStatus).toBe(S.WORKFLOW_EXECUTION_STATUS_TIMED_OUT);
  });

  it('pause on failure: a cancellation does not pause; nor does a failure without the policy', () => {
    const cancelled = closed(firstRunning({ policies: { pauseOnFailure: true } }), wid(60), canceled, at(70));
    expect(stateOf(cancelled).paused).toBe(false);
    expect(recordOf(cancelled).nextWakeup).toEqual(at(120));
    const failedNoPolicy = closed(firstRunning(), wid(60), failed('boom'), at(70));
    expect(stateOf(failedNoPolicy)).toMatchObject({ paused: false, notes: '' });
    expect(recordOf(failedNoPolicy).conflictToken).toBe(1);
  });

  it('keeps the last completion result and the failure since it for the next start', () => {
    const done = closed(firstRunning(), wid(60), completed(payloads('r1')), at(70));
    expect(recordOf(done).lastCompletionResult).toEqual(payloads('r1'));
    expect(recordOf(done).continuedFailure).toBeUndefined();
    const failedNext = closed(startPending(wake(done), at(120)), wid(120), failed('boom'), at(130));
    expect(recordOf(failedNext).lastCompletionResult).toEqual(payloads('r1'));
    expect(recordOf(failedNext).continuedFailure).toMatchObject({ message: 'boom' });
    const decided = wake(failedNext);
    expect(inheritedByStart(recordOf(decided), recordOf(decided).pendingStarts[0]!)).toEqual({ lastCompletionResult: payloads('r1'), continuedFailure: expect.objectContaining({ message: 'boom' }) });
    const doneAgain = closed(startPending(decided, at(180)), wid(180), completed(payloads('r3')), at(190));
    expect(recordOf(doneAgain).lastCompletionResult).toEqual(payloads('r3'));
    expect(recordOf(doneAgain).continuedFailure).toBeUndefined();
  });

  it('a completion without a result leaves the last result and failure as they were (Temporal keeps them)', () => {
    const failedFirst = closed(firstRunning(), wid(60), failed('boom'), at(70));
    const done = closed(startPending(wake(failedFirst), at(120)), wid(120), completed(), at(130));
    expect(recordOf(done).continuedFailure).toMatchObject({ message: 'boom' });
  });

  it('SKIP: a time due while the workflow runs is skipped; the next one starts after the close', () => {
    const skipped = wake(firstRunning());
    expect(infoOf(skipped).overlapSkipped).toBe(1);
    expect(recordOf(skipped).pendingStarts).toEqual([]);
    expect(recordOf(skipped).bufferedStarts).toEqual([]);
    expect(skipped.transferTasks).toEqual([]);
    expect(wakeupTimes(skipped)).toEqual([at(180)]);
    const afterClose = closed(skipped, wid(60), completed(), at(150));
    expect(recordOf(afterClose).pendingStarts).toEqual([]);
    expect(pendingOf(wake(afterClose))).toEqual([expect.objectContaining({ nominal: at(180) })]);
  });

  it('BUFFER_ONE: a time due while the workflow runs waits and is decided when it closes', () => {
    const waiting = wake(firstRunning({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE } }));
    expect(bufferedNominals(waiting)).toEqual([at(120)]);
    expect(recordOf(waiting).pendingStarts).toEqual([]);
    expect(waiting.transferTasks).toEqual([]);
    const tx = closed(waiting, wid(60), completed(), at(150));
    expect(pendingOf(tx)).toEqual([{ nominal: at(120), workflowId: wid(120), manual: false, nonOverlapping: true }]);
    expect(recordOf(tx).bufferedStarts).toEqual([]);
    expect(scheduleActionTasks(tx)).toHaveLength(1);
  });

  it('BUFFER_ONE: a second time due while one waits is skipped', () => {
    const waiting = wake(wake(firstRunning({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE } })));
    expect(bufferedNominals(waiting)).toEqual([at(120)]);
    expect(infoOf(waiting).overlapSkipped).toBe(1);
  });

  it('BUFFER_ALL: every time due while the workflow runs waits, then they go one at a time', () => {
    const waiting = wake(wake(firstRunning({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL } })));
    expect(bufferedNominals(waiting)).toEqual([at(120), at(180)]);
    const next = startPending(closed(waiting, wid(60), completed(), at(190)), at(190));
    expect(infoOf(next).runningWorkflows.map((w) => w.workflowId)).toEqual([wid(120)]);
    expect(bufferedNominals(next)).toEqual([at(180)]);
  });

  it('BUFFER_ALL while paused: the waiting starts are all dropped when the workflow closes, none left for the unpause', () => {
    const waiting = wake(wake(firstRunning({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL } })));
    const paused = patched(waiting, at(190), { pause: 'hold' });
    const tx = closed(paused, wid(60), completed(), at(200));
    expect(recordOf(tx).pendingStarts).toEqual([]);
    expect(recordOf(tx).bufferedStarts).toEqual([]);
    const unpaused = patched(tx, at(210), { unpause: 'go' });
    expect(recordOf(unpaused).pendingStarts).toEqual([]);
    expect(recordOf(unpaused).nextWakeup).toEqual(at(240));
  });

  it('CANCEL_OTHER: a time due while the workflow runs asks for its cancellation, then starts once it closed', () => {
    const cancelling = wake(firstRunning({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER } }));
    expect(replacementRequested(recordOf(cancelling))).toBe('cancel');
    expect(bufferedNominals(cancelling)).toEqual([at(120)]);
    expect(transferKinds(cancelling)).toEqual(['SCHEDULE_ACTIONS']);
    const tx = closed(cancelling, wid(60), canceled, at(125));
    expect(pendingOf(tx)).toEqual([expect.objectContaining({ nominal: at(120), nonOverlapping: true })]);
  });

  it('TERMINATE_OTHER: a time due while the workflow runs asks for its termination', () => {
    const terminating = wake(firstRunning({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER } }));
    expect(replacementRequested(recordOf(terminating))).toBe('terminate');
    expect(bufferedNominals(terminating)).toEqual([at(120)]);
    expect(recordOf(terminating).pendingStarts).toEqual([]);
  });

  it('ALLOW_ALL: a time due while the workflow runs starts at once', () => {
    const tx = wake(firstRunning({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL } }));
    expect(pendingOf(tx)).toEqual([{ nominal: at(120), workflowId: wid(120), manual: false, nonOverlapping: false }]);
  });
});

describe('patchSchedule', () => {
  it('trigger: a manual start at the given time, decided at once; the conflict token and the timer stay', () => {
    const tx = patched(created(), at(30), { triggerImmediately: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, scheduledTime: at(30.25) } });
    expect(recordOf(tx).pendingStarts).toEqual([
      expect.objectContaining({ nominalTime: at(30.25), actualTime: at(30.25), workflowId: wid(30), manual: true, nonOverlapping: true, requestId: 'sched-run-1' }),
    ]);
    expect(transferKinds(tx)).toEqual(['SCHEDULE_ACTIONS']);
    expect(tx.timerTasks).toEqual([]);
    expect(recordOf(tx).nextWakeup).toEqual(at(60));
    expect(recordOf(tx).conflictToken).toBe(1);
  });

  it('trigger without a time: now', () => {
    const tx = patched(created(), at(42), { triggerImmediately: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, scheduledTime: undefined } });
    expect(pendingOf(tx)).toEqual([expect.objectContaining({ nominal: at(42) })]);
  });

  it('trigger while paused still starts (manual)', () => {
    const tx = patched(created({ state: { paused: true } }), at(30), { triggerImmediately: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, scheduledTime: at(30) } });
    expect(pendingOf(tx)).toEqual([expect.objectContaining({ nominal: at(30), manual: true })]);
    expect(tx.timerTasks).toEqual([]);
  });

  it('trigger while a workflow runs follows the schedule policy (SKIP: skipped)', () => {
    const tx = patched(firstRunning(), at(90), { triggerImmediately: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, scheduledTime: at(90) } });
    expect(recordOf(tx).pendingStarts).toEqual([]);
    expect(infoOf(tx).overlapSkipped).toBe(1);
  });

  it('backfill with ALLOW_ALL: every nominal time of the range, its start included, started as manual overlapping starts', () => {
    const tx = patched(created(), at(30), { backfillRequest: [{ startTime: at(120), endTime: at(300), overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL }] });
    expect(pendingOf(tx)).toEqual([120, 180, 240, 300].map((s) => ({ nominal: at(s), workflowId: wid(s), manual: true, nonOverlapping: false })));
    expect(recordOf(tx).ongoingBackfills).toEqual([]);
    expect(scheduleActionTasks(tx)).toHaveLength(1);
    expect(recordOf(tx).nextWakeup).toEqual(at(60));
  });

  it('backfill with SKIP: the first time starts, the rest are skipped', () => {
    const tx = patched(created(), at(30), { backfillRequest: [{ startTime: at(120), endTime: at(300), overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_SKIP }] });
    expect(pendingOf(tx)).toEqual([{ nominal: at(120), workflowId: wid(120), manual: true, nonOverlapping: true }]);
    expect(infoOf(tx).overlapSkipped).toBe(3);
  });

  it('a long ALLOW_ALL backfill goes ten times per wake-up, a second apart, and misses none', () => {
    // 15 nominal times: 600, 660, ..., 1440.
    const first = patched(created(), at(30), { backfillRequest: [{ startTime: at(600), endTime: at(1440), overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL }] });
    expect(pendingOf(first).map((s) => s.nominal)).toEqual([...Array(10).keys()].map((i) => at(600 + 60 * i)));
    expect(recordOf(first).ongoingBackfills).toHaveLength(1);
    expect(wakeupTimes(first)).toEqual([at(31)]);
    const second = wake(first);
    expect(pendingOf(second).map((s) => s.nominal)).toEqual([...Array(15).keys()].map((i) => at(600 + 60 * i)));
    expect(recordOf(second).ongoingBackfills).toEqual([]);
    expect(recordOf(second).nextWakeup).toEqual(at(60));
  });

  it('pause and unpause: notes, paused state in visibility, a conflict token step each', () => {
    const paused = patched(created(), at(30), { pause: 'maintenance' });
    expect(stateOf(paused)).toMatchObject({ paused: true, notes: 'maintenance' });
    expect(recordOf(paused).conflictToken).toBe(2);
    expect(jsonOf(paused.info.searchAttributes!.indexedFields.TemporalSchedulePaused)).toBe(true);
    expect(listInfoOf(paused)).toMatchObject({ paused: true, notes: 'maintenance' });
    const unpaused = patched(paused, at(40), { unpause: 'done' });
    expect(stateOf(unpaused)).toMatchObject({ paused: false, notes: 'done' });
    expect(recordOf(unpaused).conflictToken).toBe(3);
    expect(jsonOf(unpaused.info.searchAttributes!.indexedFields.TemporalSchedulePaused)).toBe(false);
    expect(wakeupTimes(unpaused)).toEqual([at(60)]);
  });

  it('unpause does not catch up the times that passed while paused', () => {
    const paused = patched(created({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL } }), at(30), { pause: 'hold' });
    const unpaused = patched(paused, at(200), { unpause: 'go' });
    expect(recordOf(unpaused).pendingStarts).toEqual([]);
    expect(recordOf(unpaused).bufferedStarts).toEqual([]);
    expect(infoOf(unpaused).missedCatchupWindow).toBe(0);
    expect(recordOf(unpaused).nextWakeup).toEqual(at(240));
    expect(pendingOf(wake(unpaused))).toEqual([expect.objectContaining({ nominal: at(240) })]);
  });

  it('pause after a time came due but before its timer fired: that time is buffered, then dropped as the pause applies (as Temporal)', () => {
    const paused = patched(created(), at(60.2), { pause: 'hold' });
    expect(recordOf(paused).lastProcessedTime).toEqual(at(60));
    expect(recordOf(paused).pendingStarts).toEqual([]);
    expect(recordOf(paused).bufferedStarts).toEqual([]);
    expect(stateOf(paused).paused).toBe(true);
    expect(recordOf(paused).nextWakeup).toBeUndefined();
  });
});

describe('updateSchedule', () => {
  const update = (token: Uint8Array, schedule: ScheduleFields, extra: Partial<UpdateScheduleRequest> = {}) =>
    UpdateScheduleRequest.fromPartial({ namespace: 'default', scheduleId: SCHEDULE_ID, conflictToken: token, schedule: createRequest(schedule).schedule, ...extra });
  const fiveMinutes: ScheduleFields = {
    spec: { interval: [{ interval: secs(300) }] },
    action: { startWorkflow: { workflowId: 'wf2', workflowType: { name: 'Echo2' }, taskQueue: { name: 'tq' } } },
    policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL },
  };

  it('refuses a stale conflict token (8 bytes, big-endian) and changes nothing', () => {
    const tx = reopen(created(), at(30));
    expect(updateSchedule(tx, update(encodeConflictToken(7), fiveMinutes))).toBe(false);
    expect(recordOf(tx).schedule!.spec!.interval).toEqual([{ interval: secs(60), phase: undefined }]);
    expect(recordOf(tx).conflictToken).toBe(1);
    expect(infoOf(tx).updateTime).toBeUndefined();
    expect(tx.timerTasks).toEqual([]);
  });

  it('with the current token replaces the schedule (defaults resolved), sets updateTime, steps the token and re-arms', () => {
    const tx = reopen(created(), at(30));
    expect(updateSchedule(tx, update(encodeConflictToken(1), fiveMinutes))).toBe(true);
    const record = recordOf(tx);
    expect(record.schedule!.spec!.interval).toEqual([{ interval: secs(300), phase: undefined }]);
    expect(record.schedule!.action!.startWorkflow!.workflowId).toBe('wf2');
    expect(record.schedule!.policies).toMatchObject({ overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL, catchupWindow: secs(365 * 24 * 3600) });
    expect(record.info!.updateTime).toEqual(at(30));
    expect(record.info!.createTime).toEqual(T0);
    expect(record.conflictToken).toBe(2);
    expect(wakeupTimes(tx)).toEqual([at(300)]);
    expect(describeSchedule(tx).conflictToken).toEqual(encodeConflictToken(2));
    expect(listInfoOf(tx)).toMatchObject({ workflowType: { name: 'Echo2' }, futureActionTimes: [at(300), at(600), at(900), at(1200), at(1500)] });
  });

  it('with an empty token replaces the schedule too', () => {
    const tx = reopen(created(), at(30));
    expect(updateSchedule(tx, update(new Uint8Array(), fiveMinutes))).toBe(true);
    expect(recordOf(tx).conflictToken).toBe(2);
  });

  it('does not fire times before the update (the old timer is stale)', () => {
    // The timer due at T0+60 s has not fired when the update comes at T0+150 s.
    const tx = reopen(created(), at(150));
    expect(updateSchedule(tx, update(encodeConflictToken(1), {}))).toBe(true);
    expect(recordOf(tx).pendingStarts).toEqual([]);
    expect(recordOf(tx).bufferedStarts).toEqual([]);
    expect(infoOf(tx).missedCatchupWindow).toBe(0);
    expect(recordOf(tx).nextWakeup).toEqual(at(180));
    expect(describeSchedule(tx).info.futureActionTimes.slice(0, 2)).toEqual([at(180), at(240)]);
    const late = reopen(tx, at(151));
    expect(scheduleWakeupFired(late, at(60))).toBe(false);
  });

  it('replaces the custom search attributes when given, keeping the Temporal ones', () => {
    const run = created({}, { searchAttributes: { indexedFields: { CustomKeywordField: payloadOf('old'), CustomIntField: payloadOf(1) } } });
    const tx = reopen(run, at(30));
    updateSchedule(tx, update(new Uint8Array(), {}, { searchAttributes: { indexedFields: { CustomKeywordField: payloadOf('new') } } }));
    const fields = tx.info.searchAttributes!.indexedFields;
    expect(Object.keys(fields).sort()).toEqual(['CustomKeywordField', 'TemporalNamespaceDivision', 'TemporalSchedulePaused']);
    expect(jsonOf(fields.CustomKeywordField)).toBe('new');
  });
});

describe('retention of a schedule with nothing left to do', () => {
  it('ends 7 days after its last event, as Temporal’s scheduler workflow completes; a paused one is kept', () => {
    const ended = created({ spec: { interval: [{ interval: { seconds: 60, nanos: 0 } }], endTime: at(30) } });
    const expires = new Date(T0.getTime() + 7 * 24 * 3600_000);
    expect(recordOf(ended).nextWakeup).toEqual(expires);
    const tx = reopen(ended, expires);
    expect(scheduleWakeupFired(tx, expires)).toBe(true);
    expect(tx.info.status).toBe(S.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    expect(tx.closed).toBe(true);
    const paused = created({ spec: { interval: [{ interval: { seconds: 60, nanos: 0 } }], endTime: at(30) }, state: { paused: true } });
    expect(recordOf(paused).nextWakeup).toBeUndefined();
  });
});

describe('scheduledStartRequest', () => {
  it('a scheduled start: REJECT_DUPLICATE, the scheduler identity, TemporalScheduledStartTime and TemporalScheduledById', () => {
    const run = wake(created({ action: { startWorkflow: { workflowId: 'wf', workflowType: { name: 'Echo' }, taskQueue: { name: 'tq' }, input: payloads('hi'), searchAttributes: { indexedFields: { CustomKeywordField: payloadOf('x') } } } } }));
    const record = recordOf(run);
    const request = scheduledStartRequest(record, record.pendingStarts[0]!);
    expect(request).toMatchObject({
      namespace: 'default',
      workflowId: wid(60),
      workflowType: { name: 'Echo' },
      taskQueue: { name: 'tq' },
      input: payloads('hi'),
      identity: 'temporal-scheduler-default-sched-1',
      requestId: 'sched-run-1',
      workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
    });
    const fields = request.searchAttributes!.indexedFields;
    expect(jsonOf(fields.TemporalScheduledStartTime)).toBe('2026-01-01T00:01:00Z');
    expect(jsonOf(fields.TemporalScheduledById)).toBe(SCHEDULE_ID);
    expect(jsonOf(fields.CustomKeywordField)).toBe('x');
  });

  it('a manual start: ALLOW_DUPLICATE; the nominal time truncated to whole seconds', () => {
    const run = patched(created(), at(30), { triggerImmediately: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, scheduledTime: at(30.75) } });
    const record = recordOf(run);
    const request = scheduledStartRequest(record, record.pendingStarts[0]!);
    expect(request.workflowId).toBe('wf-2026-01-01T00:00:30Z');
    expect(request.workflowIdReusePolicy).toBe(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
    expect(jsonOf(request.searchAttributes!.indexedFields.TemporalScheduledStartTime)).toBe('2026-01-01T00:00:30Z');
  });

  it('an ALLOW_ALL start inherits no last completion result, and its close is not the schedule’s business', () => {
    const running = firstRunning({ policies: { overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL } });
    // Not tracked as running, so a close report changes nothing (Temporal does not watch ALLOW_ALL runs).
    expect(scheduledWorkflowClosed(reopen(running, at(70)), { workflowId: wid(60), runId: '' }, completed(payloads('r')))).toBe(false);
    recordOf(running).lastCompletionResult = payloads('r');
    const decided = wake(running);
    expect(inheritedByStart(recordOf(decided), recordOf(decided).pendingStarts[0]!)).toEqual({ lastCompletionResult: undefined, continuedFailure: undefined });
  });
});

/** A search attribute or memo value as the SDKs encode one. */
function payloadOf(value: unknown): Payload {
  return Payload.fromPartial({ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(value)) });
}
