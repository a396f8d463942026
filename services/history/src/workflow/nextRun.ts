import { setting } from '@kairos/common/settings';
import { randomUUID } from 'node:crypto';
import { cronBackoffMs, durationToMs, newRunId } from '@kairos/domain';
import type { ContinueAsNewWorkflowExecutionCommandAttributes } from '@kairos/proto/temporal/api/command/v1/message';
import { newExecution } from './newRun';
import { decideRetry, withRetryDefaults } from './retryPolicy';
import type { RunTransaction } from './runTransaction';
import {
  ContinueAsNewInitiator,
  EventType,
  Failure,
  Payloads,
  RetryState,
  StartWorkflowExecutionRequest,
  TaskQueue,
  TaskQueueKind,
  WorkflowExecutionStatus,
} from './protos';

/*
 * The run that follows a closing one in the same chain (same workflow id, written in the same
 * transaction): continue-as-new, the next attempt of a retried workflow, the next run of a cron
 * schedule.
 */

/** What the run's retry policy says about `failure` (RETRY_POLICY_NOT_SET without one). */
export function retryDecision(run: RunTransaction, failure: Failure | undefined): { retryState: RetryState; backoffMs: number } {
  const info = run.info;
  if (!info.retryPolicy) return { retryState: RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET, backoffMs: 0 };
  return decideRetry({
    policy: withRetryDefaults(info.retryPolicy),
    attempt: info.attempt || 1,
    failure,
    cancelRequested: false,
    now: run.now,
    expiration: info.workflowExecutionExpirationTime,
  });
}

/** A cron workflow's wait until its next scheduled run (Temporal's GetCronBackoffDuration), or undefined. */
export function cronBackoff(run: RunTransaction): number | undefined {
  const info = run.info;
  if (!info.cronSchedule) return undefined;
  return cronBackoffMs(info.cronSchedule, info.executionTime ?? info.startTime!, run.now);
}

/**
 * The next run of a retried or cron chain, as Temporal sets it up: the first run's input, header,
 * policies, memo and search attributes, the chain's execution deadline, a new attempt count (or
 * the next attempt, for a retry), written with the closing run.
 */
export function startNextRunOfChain(
  run: RunTransaction,
  nextRunId: string,
  initiator: ContinueAsNewInitiator,
  backoffMs: number,
  carried: { failure?: Failure; lastCompletionResult?: Payloads },
): void {
  const info = run.info;
  const retry = initiator === ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY;
  run.continuedRun = newExecution(
    info.namespaceId,
    nextRunId,
    StartWorkflowExecutionRequest.fromPartial({
      workflowId: info.workflowId,
      workflowType: { name: info.workflowTypeName },
      taskQueue: info.taskQueue,
      input: info.startInput,
      workflowExecutionTimeout: info.workflowExecutionTimeout,
      workflowRunTimeout: info.workflowRunTimeout,
      workflowTaskTimeout: info.workflowTaskTimeout,
      requestId: randomUUID(),
      header: info.startHeader,
      memo: info.memo,
      searchAttributes: info.searchAttributes,
      retryPolicy: info.retryPolicy,
      cronSchedule: info.cronSchedule,
      priority: info.priority,
    }),
    undefined,
    {
      continuedExecutionRunId: info.runId,
      firstExecutionRunId: info.firstExecutionRunId,
      initiator,
      continuedFailure: carried.failure,
      lastCompletionResult: carried.lastCompletionResult,
      workflowExecutionExpirationTime: info.workflowExecutionExpirationTime,
      backoffMs: continueAsNewBackoffMs(run, backoffMs),
      autoResetPoints: info.autoResetPoints,
      attempt: retry ? (info.attempt || 1) + 1 : 1,
    },
    info.parent,
    run.now,
  );
  // The next run of a chain a schedule started is still the schedule's.
  run.continuedRun.info.scheduledBy = info.scheduledBy;
}

/** Temporal's workflowIdReuseMinimalInterval: a continued run starts no sooner than this after its predecessor. */
const CONTINUE_AS_NEW_MIN_INTERVAL_MS = setting('history.continueAsNewMinInterval');

/** The backoff before a continued run's first workflow task, as Temporal computes it. */
function continueAsNewBackoffMs(run: RunTransaction, requestedMs: number): number {
  const lifetime = run.now.getTime() - (run.info.executionTime ?? run.info.startTime!).getTime();
  return lifetime + requestedMs < CONTINUE_AS_NEW_MIN_INTERVAL_MS ? CONTINUE_AS_NEW_MIN_INTERVAL_MS - lifetime : requestedMs;
}

/** The workflow type and task queue a continue-as-new command leaves the next run with (unset ones carry over). */
export function continuedTypeAndQueue(run: RunTransaction, attrs: ContinueAsNewWorkflowExecutionCommandAttributes): { workflowType: { name: string }; taskQueue: TaskQueue } {
  return {
    workflowType: attrs.workflowType?.name ? attrs.workflowType : { name: run.info.workflowTypeName },
    taskQueue: TaskQueue.fromPartial({ name: attrs.taskQueue?.name || run.info.taskQueue!.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }),
  };
}

/**
 * ContinueAsNewWorkflowExecution: closes the run with WorkflowExecutionContinuedAsNew and
 * prepares its successor (same workflow id, same chain); both are written together. Unset type,
 * queue and timeouts carry over. The command's attributes were checked by the caller.
 */
export function continueAsNew(run: RunTransaction, attrs: ContinueAsNewWorkflowExecutionCommandAttributes, completedEventId: number): void {
  const info = run.info;
  const nextRunId = newRunId();
  const { workflowType, taskQueue } = continuedTypeAndQueue(run, attrs);
  const workflowRunTimeout = durationToMs(attrs.workflowRunTimeout) > 0 ? attrs.workflowRunTimeout : durationToMs(info.workflowRunTimeout) > 0 ? info.workflowRunTimeout : undefined;
  const workflowTaskTimeout = durationToMs(attrs.workflowTaskTimeout) > 0 ? attrs.workflowTaskTimeout : info.workflowTaskTimeout;
  const initiator = attrs.initiator || ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW;
  const event = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
    workflowExecutionContinuedAsNewEventAttributes: {
      newExecutionRunId: nextRunId,
      workflowType,
      taskQueue,
      input: attrs.input,
      workflowRunTimeout,
      workflowTaskTimeout,
      workflowTaskCompletedEventId: completedEventId,
      backoffStartInterval: attrs.backoffStartInterval,
      initiator,
      failure: attrs.failure,
      lastCompletionResult: attrs.lastCompletionResult,
      header: attrs.header,
      memo: attrs.memo,
      searchAttributes: attrs.searchAttributes,
      inheritBuildId: attrs.inheritBuildId,
    },
  });
  run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, event.eventId);
  run.continuedRun = newExecution(
    info.namespaceId,
    nextRunId,
    StartWorkflowExecutionRequest.fromPartial({
      workflowId: info.workflowId,
      workflowType,
      taskQueue,
      input: attrs.input,
      workflowExecutionTimeout: info.workflowExecutionTimeout,
      workflowRunTimeout,
      workflowTaskTimeout,
      requestId: randomUUID(),
      header: attrs.header,
      memo: attrs.memo,
      searchAttributes: attrs.searchAttributes,
      retryPolicy: attrs.retryPolicy,
      cronSchedule: attrs.cronSchedule,
      priority: info.priority,
    }),
    undefined,
    {
      continuedExecutionRunId: info.runId,
      firstExecutionRunId: info.firstExecutionRunId,
      initiator,
      backoffMs: continueAsNewBackoffMs(run, durationToMs(attrs.backoffStartInterval)),
      autoResetPoints: info.autoResetPoints,
      continuedFailure: attrs.failure,
      lastCompletionResult: attrs.lastCompletionResult,
      workflowExecutionExpirationTime: info.workflowExecutionExpirationTime,
    },
    // A child's next run is still its parent's child.
    info.parent,
    run.now,
  );
  // The next run of a chain a schedule started is still the schedule's.
  run.continuedRun.info.scheduledBy = info.scheduledBy;
}
