import { setting } from '@kairos/common/settings';
import { addMs, cronBackoffMs, durationToMs, msToDuration } from '@kairos/domain';
import { appendSignal } from './signals';
import { RunTransaction } from './runTransaction';
import {
  ContinueAsNewInitiator,
  EventType,
  ExecutionInfo,
  MutableState,
  StartWorkflowExecutionRequest,
  TaskQueue,
  TaskQueueKind,
  TimerTaskKind,
  WorkflowExecutionStatus,
  type Failure,
  type Header,
  type Payloads,
} from './protos';
import type { ResetPoints } from '@kairos/proto/temporal/api/workflow/v1/message';
import type { ParentInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import { scheduleWorkflowTask } from './workflowTasks';
import { withRetryDefaults } from './retryPolicy';

const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = setting('history.defaultWorkflowTaskTimeout');
const MAX_WORKFLOW_TASK_TIMEOUT_MS = setting('history.maxWorkflowTaskTimeout');

/** Run and task timeouts as Temporal defaults and caps them (ms; 0 = none). */
function workflowTimeouts(request: StartWorkflowExecutionRequest) {
  const executionMs = durationToMs(request.workflowExecutionTimeout);
  let runMs = durationToMs(request.workflowRunTimeout);
  if (runMs === 0 || (executionMs > 0 && runMs > executionMs)) runMs = executionMs;
  let taskMs = durationToMs(request.workflowTaskTimeout) || DEFAULT_WORKFLOW_TASK_TIMEOUT_MS;
  taskMs = Math.min(taskMs, MAX_WORKFLOW_TASK_TIMEOUT_MS);
  if (runMs > 0) taskMs = Math.min(taskMs, runMs);
  return { executionMs, runMs, taskMs };
}

/**
 * A first run's wait before its first workflow task: until the cron schedule's next time (as
 * Temporal computes it, whole seconds), or the requested start delay.
 */
function firstRunBackoffMs(request: StartWorkflowExecutionRequest, now: Date): number {
  if (request.cronSchedule) return Math.max(cronBackoffMs(request.cronSchedule, now, now) ?? 0, 0);
  return durationToMs(request.workflowStartDelay);
}

/** A signal delivered in the same write that starts the run (SignalWithStartWorkflowExecution). */
export interface StartSignal {
  signalName: string;
  input?: Payloads;
  identity: string;
  header?: Header;
  requestId: string;
}

/** How a new run continues an earlier one (continue-as-new). */
export interface Continuation {
  continuedExecutionRunId: string;
  firstExecutionRunId: string;
  initiator: ContinueAsNewInitiator;
  continuedFailure?: Failure;
  lastCompletionResult?: Payloads;
  /** The chain's execution timeout keeps counting from the first run. */
  workflowExecutionExpirationTime?: Date;
  /** Delay before the first workflow task (Temporal's minimal interval between continued runs). */
  backoffMs: number;
  autoResetPoints?: ResetPoints;
  /** A retry of a failed run is the next attempt; other continuations start again at 1. */
  attempt?: number;
}

/**
 * The first write of a new run: WorkflowExecutionStarted (with the signal, for signal-with-start)
 * and its first workflow task, the state, and the run-timeout timer.
 */
export function newExecution(
  namespaceId: string,
  runId: string,
  request: StartWorkflowExecutionRequest,
  signal?: StartSignal,
  continuation?: Continuation,
  parent?: ParentInfo,
  /** The transaction's time: a successor run starts at its predecessor's closing time. */
  now: Date = new Date(),
): RunTransaction {
  const { executionMs, runMs, taskMs } = workflowTimeouts(request);
  // Temporal records a workflow retry policy with its defaults filled in.
  const retryPolicy = request.retryPolicy ? withRetryDefaults(request.retryPolicy) : undefined;
  const backoffMs = continuation?.backoffMs ?? firstRunBackoffMs(request, now);
  // The run "executes" from the end of its backoff: its run timeout counts from there.
  const executionTime = addMs(now, backoffMs);
  const taskQueue = TaskQueue.fromPartial({ name: request.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
  const state = MutableState.fromPartial({
    executionInfo: ExecutionInfo.fromPartial({
      namespaceId,
      workflowId: request.workflowId,
      runId,
      firstExecutionRunId: continuation?.firstExecutionRunId ?? runId,
      workflowTypeName: request.workflowType!.name,
      taskQueue,
      workflowTaskTimeout: msToDuration(taskMs),
      workflowRunTimeout: msToDuration(runMs),
      workflowExecutionTimeout: msToDuration(executionMs),
      startTime: now,
      executionTime,
      status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      startRequestId: request.requestId,
      workflowRunExpirationTime: runMs > 0 ? addMs(executionTime, runMs) : undefined,
      workflowExecutionExpirationTime: continuation ? continuation.workflowExecutionExpirationTime : executionMs > 0 ? addMs(now, executionMs) : undefined,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
      autoResetPoints: continuation?.autoResetPoints,
      parent,
      retryPolicy,
      attempt: continuation?.attempt ?? 1,
      startInput: request.retryPolicy || request.cronSchedule ? request.input : undefined,
      startHeader: request.retryPolicy || request.cronSchedule ? request.header : undefined,
      cronSchedule: request.cronSchedule,
      lastCompletionResult: request.cronSchedule ? continuation?.lastCompletionResult : undefined,
      priority: request.priority,
      userMetadata: request.userMetadata,
    }),
    nextEventId: 1,
  });
  const run = new RunTransaction(state, now);
  run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, {
    userMetadata: request.userMetadata,
    workflowExecutionStartedEventAttributes: {
      workflowType: request.workflowType,
      taskQueue,
      input: request.input,
      // Temporal leaves unset timeouts out of a started run's event rather than recording zero
      // (child runs and runs continued by the workflow record it, zero included; retries and cron runs do not).
      workflowExecutionTimeout: executionMs > 0 ? msToDuration(executionMs) : undefined,
      workflowRunTimeout:
        runMs > 0 || parent || continuation?.initiator === ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW
          ? msToDuration(runMs)
          : undefined,
      workflowTaskTimeout: msToDuration(taskMs),
      firstWorkflowTaskBackoff: msToDuration(backoffMs),
      identity: request.identity,
      attempt: continuation?.attempt ?? 1,
      firstExecutionRunId: continuation?.firstExecutionRunId ?? runId,
      originalExecutionRunId: runId,
      continuedExecutionRunId: continuation?.continuedExecutionRunId ?? '',
      // (Temporal marks even a cron chain's first run as started by the schedule.)
      initiator:
        continuation?.initiator ??
        (request.cronSchedule ? ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE : ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED),
      continuedFailure: continuation?.continuedFailure,
      lastCompletionResult: continuation?.lastCompletionResult,
      prevAutoResetPoints: continuation?.autoResetPoints,
      header: request.header,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
      retryPolicy,
      cronSchedule: request.cronSchedule,
      workflowExecutionExpirationTime: continuation ? continuation.workflowExecutionExpirationTime : executionMs > 0 ? addMs(now, executionMs) : undefined,
      workflowId: request.workflowId,
      priority: request.priority,
      parentWorkflowNamespace: parent?.namespace ?? '',
      parentWorkflowNamespaceId: parent?.namespaceId ?? '',
      parentWorkflowExecution: parent?.execution,
      parentInitiatedEventId: parent?.initiatedEventId ?? 0,
      rootWorkflowExecution: parent?.rootExecution,
    },
  });
  // Signal-with-start: the signal follows the started event, before the first workflow task.
  // (During a backoff the signal waits with the run: no workflow task before the backoff ends.)
  if (signal) appendSignal(run, signal);
  if (backoffMs > 0) run.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF, fireTime: executionTime });
  else if (!signal) scheduleWorkflowTask(run);
  if (runMs > 0) {
    // A run of a chain ends no later than the chain's execution deadline.
    const chainDeadline = state.executionInfo!.workflowExecutionExpirationTime;
    const runDeadline = addMs(executionTime, runMs);
    const fireTime = chainDeadline && chainDeadline.getTime() < runDeadline.getTime() ? chainDeadline : runDeadline;
    run.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT, fireTime });
  }
  return run;
}
