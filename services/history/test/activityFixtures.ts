// More builders for unit tests of the workflow core (beside runFixtures.ts): runs made at a known
// time, workflow tasks started and completed with commands, one pending activity, failures and
// payloads, timer tasks looked up by kind. Everything runs in memory, with no store and no network.
import { vi } from 'vitest';
import { addMs, msToDuration } from '@kairos/domain';
import type { ParentInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import type { ScheduleActivityTaskCommandAttributes } from '@kairos/proto/temporal/api/command/v1/message';
import { RespondWorkflowTaskCompletedRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { startActivity } from '../src/workflow/activities';
import { newExecution, type Continuation, type StartSignal } from '../src/workflow/newRun';
import type { RunTransaction } from '../src/workflow/runTransaction';
import { deliverSignal } from '../src/workflow/signals';
import { applyTimerTask } from '../src/workflow/timerTasks';
import { completeWorkflowTask } from '../src/workflow/workflowTaskCompletion';
import { startWorkflowTask } from '../src/workflow/workflowTasks';
import {
  ActivityInfo,
  Command,
  CommandType,
  EventType,
  Failure,
  Payloads,
  TimerTaskKind,
  TransferTaskKind,
  type Duration,
  type HistoryEvent,
  type TimeoutType,
  type TimerTask,
  type TransferTask,
} from '../src/workflow/protos';
import { reopen, startRequest, T0 } from './runFixtures';

type StartOverrides = Parameters<typeof startRequest>[0];
type CommandFields = NonNullable<Parameters<typeof Command.fromPartial>[0]>;
type CompletionFields = NonNullable<Parameters<typeof RespondWorkflowTaskCompletedRequest.fromPartial>[0]>;
export type ActivityFields = NonNullable<Parameters<typeof ScheduleActivityTaskCommandAttributes.fromPartial>[0]>;

/** T0 plus `seconds` (fractions allowed). */
export function at(seconds: number): Date {
  return addMs(T0, seconds * 1000);
}

/** A protobuf Duration of `seconds` (fractions allowed). */
export function secs(seconds: number): Duration {
  return msToDuration(seconds * 1000);
}

/** A JSON payload, as the SDKs encode one. */
export function payloads(...values: unknown[]): Payloads {
  return Payloads.fromPartial({
    payloads: values.map((v) => ({ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(v)) })),
  });
}

/** An application failure as an SDK reports it. */
export function appFailure(message: string, type = 'Error', nonRetryable = false): Failure {
  return Failure.fromPartial({ message, source: 'TypeScriptSDK', applicationFailureInfo: { type, nonRetryable } });
}

/**
 * A new run made by the core (newExecution) with the clock at `now`: newExecution reads the
 * clock itself, so its start time, backoffs and run deadline are then known to the test.
 */
export function newRunAt(
  now: Date,
  overrides: StartOverrides = {},
  options: { runId?: string; signal?: StartSignal; continuation?: Continuation; parent?: ParentInfo } = {},
): RunTransaction {
  return withClock(now, () => newExecution('ns-1', options.runId ?? 'run-1', startRequest(overrides), options.signal, options.continuation, options.parent));
}

/**
 * Runs `fn` with the clock (Date) at `now`. Transitions that start the chain's next run
 * (continue-as-new, retries, cron) build it with newExecution, which reads the clock rather than
 * the transaction's `now`: under this the successor's times are known too.
 */
export function withClock<T>(now: Date, fn: () => T): T {
  vi.setSystemTime(now);
  try {
    return fn();
  } finally {
    vi.useRealTimers();
  }
}

/** The run's scheduled workflow task started by a worker at `now`: that transaction. */
export function startTaskAt(run: RunTransaction, now: Date): RunTransaction {
  const tx = reopen(run, now);
  startWorkflowTask(tx, `poll-${now.getTime()}`, 'worker');
  return tx;
}

/** The run's started workflow task completed at `now` with `commands`: that transaction (a refused completion throws). */
export function completeTaskAt(run: RunTransaction, now: Date, commands: CommandFields[] = [], request: CompletionFields = {}): RunTransaction {
  const tx = reopen(run, now);
  const outcome = withClock(now, () => completeWorkflowTask(tx, tx.state.workflowTask!, RespondWorkflowTaskCompletedRequest.fromPartial({ identity: 'worker', commands, ...request })));
  if (outcome.kind !== 'completed') throw new Error(`completion ${outcome.kind}${outcome.kind === 'rejected' ? `: ${outcome.rejection.message}` : ''}`);
  return tx;
}

/** A ScheduleActivityTask command for activity `act-1` of type Greet with a 10 s start-to-close timeout, unless overridden. */
export function scheduleActivityCommand(attrs: ActivityFields = {}): CommandFields {
  return {
    commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: { activityId: 'act-1', activityType: { name: 'Greet' }, taskQueue: { name: 'tq' }, startToCloseTimeout: secs(10), ...attrs },
  };
}

/**
 * The usual history up to one activity: a run started at T0 (1 WorkflowExecutionStarted,
 * 2 WorkflowTaskScheduled), its first task started at T0+1 s (3) and completed at T0+2 s (4)
 * with one ScheduleActivityTask command (5). Returns that completion's transaction.
 */
export function activityScheduled(attrs: ActivityFields = {}, start: StartOverrides = {}): RunTransaction {
  const run = newRunAt(T0, start);
  return completeTaskAt(startTaskAt(run, at(1)), at(2), [scheduleActivityCommand(attrs)]);
}

/** The event id of the ActivityTaskScheduled event of activityScheduled(). */
export const SCHEDULED_EVENT_ID = 5;

/** The run's only pending activity. */
export function onlyActivity(run: RunTransaction): ActivityInfo {
  const pending = Object.values(run.state.activities);
  if (pending.length !== 1) throw new Error(`expected one pending activity, found ${pending.length}`);
  return pending[0]!;
}

/** The run's pending activity started by a worker at `now`: that transaction. */
export function activityStartedAt(run: RunTransaction, now: Date, identity = 'activity-worker'): RunTransaction {
  const tx = reopen(run, now);
  startActivity(tx, onlyActivity(tx), `activity-poll-${now.getTime()}`, identity);
  return tx;
}

/** The one timer task of this kind (and timeout type) the transaction created. */
export function timerTaskOf(run: RunTransaction, kind: TimerTaskKind, timeoutType?: TimeoutType): TimerTask {
  const tasks = run.timerTasks.filter((t) => t.kind === kind && (timeoutType === undefined || t.timeoutType === timeoutType));
  if (tasks.length !== 1) throw new Error(`expected one ${TimerTaskKind[kind]} timer task, found ${tasks.length}`);
  return tasks[0]!;
}

/** The kinds of the timer tasks a transaction created, as names (TIMER_TASK_KIND_ dropped). */
export function timerKinds(run: RunTransaction): string[] {
  return run.timerTasks.map((t) => TimerTaskKind[t.kind]!.replace(/^TIMER_TASK_KIND_/, ''));
}

/** The kinds of the transfer tasks a transaction created, as names (TRANSFER_TASK_KIND_ dropped). */
export function transferKinds(run: RunTransaction): string[] {
  return run.transferTasks.map((t: TransferTask) => TransferTaskKind[t.kind]!.replace(/^TRANSFER_TASK_KIND_/, ''));
}

/** The one event of this type the transaction appended. */
export function eventOf(run: RunTransaction, type: EventType): HistoryEvent {
  const events = run.newEvents.filter((e) => e.eventType === type);
  if (events.length !== 1) throw new Error(`expected one ${EventType[type]} event, found ${events.length}`);
  return events[0]!;
}

/** A signal `name` delivered to the run at `now` (it schedules a workflow task unless one is pending): that transaction. */
export function signalAt(run: RunTransaction, now: Date, name = 'wake', requestId = `signal-${now.getTime()}`): RunTransaction {
  const tx = reopen(run, now);
  deliverSignal(tx, { signalName: name, identity: 'client', requestId });
  return tx;
}

/**
 * Fires `task` as the timer queue does (applyTimerTask), in a transaction at its fire time with
 * the clock there too: that transaction and whether the timer applied.
 */
export function fireTimerTask(run: RunTransaction, task: TimerTask, now: Date = task.fireTime!): { tx: RunTransaction; applied: boolean } {
  const tx = reopen(run, now);
  const applied = withClock(now, () => applyTimerTask(tx, task));
  return { tx, applied };
}

/**
 * The run's first-task backoff over (its WORKFLOW_BACKOFF timer, created by `first`, the run's
 * first transaction, fired and scheduled the first workflow task): that transaction.
 */
export function backoffEnded(run: RunTransaction, first: RunTransaction = run): RunTransaction {
  const { tx, applied } = fireTimerTask(run, timerTaskOf(first, TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF));
  if (!applied) throw new Error('the backoff timer changed nothing');
  return tx;
}
