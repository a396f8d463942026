import { newRunId } from '@kairos/domain';
import type { RunTransaction } from './runTransaction';
import { materializeTransientWorkflowTask } from './workflowTasks';
import { cronBackoff, retryDecision, startNextRunOfChain } from './nextRun';
import {
  ContinueAsNewInitiator,
  EventType,
  Failure,
  Payloads,
  RetryState,
  TimeoutType,
  WorkflowExecutionStatus,
  WorkflowTaskFailedCause,
} from './protos';

/*
 * How a run ends: completed, failed or canceled by its workflow's command, timed out by its run
 * timer, or terminated. A completed or failed cron run and a failed or timed-out run with retries
 * left are followed by the chain's next run, written in the same transaction (nextRun.ts).
 */

/** The identity Temporal records when the server itself ends a run. */
export const HISTORY_SERVICE_IDENTITY = 'history-service';

/** Temporal's reason on the termination that precedes deleting a running run (DeleteWorkflowExecution). */
export const DELETE_TERMINATION_REASON = 'Delete workflow execution';

/**
 * Closes the run's workflow task before the server closes the run: a started task is failed
 * with FORCE_CLOSE_COMMAND (no event for a transient one; a started speculative one is written
 * first, as Temporal does on any write), then the events buffered while it ran are written, so
 * the closing event comes last (Temporal's failWorkflowTask in workflow/util.go, for
 * TerminateWorkflow and TimeoutWorkflow, and the flush before a refused completion terminates).
 */
export function forceCloseWorkflowTask(run: RunTransaction): void {
  const task = run.state.workflowTask;
  if (task?.speculative && task.startedEventId > 0) materializeTransientWorkflowTask(run, task.identity);
  if (task && task.startedEventId > 0 && !task.transient) {
    run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
      workflowTaskFailedEventAttributes: {
        scheduledEventId: task.scheduledEventId,
        startedEventId: task.startedEventId,
        cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
        identity: HISTORY_SERVICE_IDENTITY,
      },
    });
  }
  run.state.workflowTask = undefined;
  run.flushBufferedEvents();
}

/** Ends the run with WorkflowExecutionTerminated, whatever it is doing; nothing may follow the event. */
export function terminateRun(run: RunTransaction, reason: string, details: Payloads | undefined, identity: string): void {
  forceCloseWorkflowTask(run);
  const event = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, {
    workflowExecutionTerminatedEventAttributes: { reason, details, identity },
  });
  run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, event.eventId);
}

/**
 * A start whose id policy replaces the running run (TERMINATE_EXISTING, TERMINATE_IF_RUNNING):
 * this run is terminated and `successor` is written in the same transaction, taking the
 * current-execution row as a continued run does.
 */
export function replaceRun(run: RunTransaction, reason: string, identity: string, successor: RunTransaction): void {
  terminateRun(run, reason, undefined, identity);
  run.continuedRun = successor;
}

/** CompleteWorkflowExecution: WorkflowExecutionCompleted; a cron run's next run follows at its next time, with this result. */
export function completeRun(run: RunTransaction, result: Payloads | undefined, completedEventId: number): void {
  const cronMs = cronBackoff(run);
  const nextRunId = cronMs !== undefined ? newRunId() : '';
  const event = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, {
    workflowExecutionCompletedEventAttributes: { result, workflowTaskCompletedEventId: completedEventId, newExecutionRunId: nextRunId },
  });
  run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, event.eventId);
  if (cronMs !== undefined) startNextRunOfChain(run, nextRunId, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, cronMs, { lastCompletionResult: result });
}

/**
 * FailWorkflowExecution: WorkflowExecutionFailed and, with a retry policy that allows another
 * attempt, the next attempt as a new run of the chain after the policy's backoff; without one, a
 * cron workflow's next scheduled run. The failed event names the new run; both are written
 * together, as continue-as-new.
 */
export function failRun(run: RunTransaction, failure: Failure | undefined, completedEventId: number): void {
  const info = run.info;
  const decision = retryDecision(run, failure);
  const retrying = decision.retryState === RetryState.RETRY_STATE_IN_PROGRESS;
  const cronMs = retrying ? undefined : cronBackoff(run);
  const nextRunId = retrying || cronMs !== undefined ? newRunId() : '';
  const event = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
    workflowExecutionFailedEventAttributes: {
      failure,
      retryState: decision.retryState,
      workflowTaskCompletedEventId: completedEventId,
      newExecutionRunId: nextRunId,
    },
  });
  run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, event.eventId);
  if (retrying) startNextRunOfChain(run, nextRunId, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY, decision.backoffMs, { failure });
  else if (cronMs !== undefined) {
    startNextRunOfChain(run, nextRunId, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, cronMs, { failure, lastCompletionResult: info.lastCompletionResult });
  }
}

/** CancelWorkflowExecution: the workflow accepted a cancellation request and ends WorkflowExecutionCanceled. */
export function cancelRun(run: RunTransaction, details: Payloads | undefined, completedEventId: number): void {
  const event = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, {
    workflowExecutionCanceledEventAttributes: { details, workflowTaskCompletedEventId: completedEventId },
  });
  run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, event.eventId);
}

/**
 * The run timer fired: the run ends now whatever is in flight (a worker's late completion then
 * gets NOT_FOUND). Unless the chain's execution deadline passed too, a retry policy may start the
 * next attempt, or a cron schedule the next run (as Temporal does).
 */
export function timeOutRun(run: RunTransaction): void {
  forceCloseWorkflowTask(run);
  const info = run.info;
  const failure = Failure.fromPartial({ message: 'workflow timeout', source: 'Server', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE } });
  const expired = info.workflowExecutionExpirationTime !== undefined && info.workflowExecutionExpirationTime.getTime() <= run.now.getTime();
  let retryState = RetryState.RETRY_STATE_TIMEOUT;
  let initiator: ContinueAsNewInitiator | undefined;
  let backoffMs = 0;
  if (!expired) {
    const decision = retryDecision(run, failure);
    retryState = decision.retryState;
    if (decision.retryState === RetryState.RETRY_STATE_IN_PROGRESS) {
      initiator = ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY;
      backoffMs = decision.backoffMs;
    } else {
      const cronMs = cronBackoff(run);
      if (cronMs !== undefined) {
        initiator = ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE;
        backoffMs = cronMs;
      }
    }
  }
  const nextRunId = initiator !== undefined ? newRunId() : '';
  const event = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, {
    workflowExecutionTimedOutEventAttributes: { retryState, newExecutionRunId: nextRunId },
  });
  run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, event.eventId);
  if (initiator !== undefined) startNextRunOfChain(run, nextRunId, initiator, backoffMs, { failure, lastCompletionResult: info.lastCompletionResult });
}
