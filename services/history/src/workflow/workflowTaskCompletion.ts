import { setting } from '@kairos/common/settings';
import { durationToMs } from '@kairos/domain';
import type { RespondWorkflowTaskCompletedRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { WorkerVersionStamp } from '@kairos/proto/temporal/api/common/v1/message';
import { applyCommands, type CommandOptions, type EagerActivity } from './commands';
import { HISTORY_SERVICE_IDENTITY, terminateRun } from './closeRun';
import type { RunTransaction } from './runTransaction';
import { hasUnsentUpdates, outgoingUpdateMessages, UpdateMessages, type UpdateRejection } from './updates';
import { WorkflowTaskCompletionRejected } from './workflowTaskRejection';
import {
  clearStickiness,
  failWorkflowTask,
  resetWorkflowTaskAttempt,
  scheduleSpeculativeWorkflowTask,
  scheduleWorkflowTask,
  setStickiness,
  startWorkflowTask,
} from './workflowTasks';
import { ActivityInfo, Failure, TimeoutType, TimerTaskKind, TransferTaskKind, type WorkflowTaskInfo } from './protos';
import type { Message } from '@kairos/proto/temporal/api/protocol/v1/message';

/*
 * A workflow task's turns at the worker: started by a poll, then completed with commands, failed
 * by the worker, or refused (its completion cannot be accepted).
 */

/** Sticky queues time out a task nobody picks up after this long when the worker does not say (Temporal: 10 s). */
const DEFAULT_STICKY_SCHEDULE_TO_START_MS = setting('history.defaultStickyScheduleToStartTimeout');

/**
 * A poller takes the scheduled workflow task: WorkflowTaskStarted (unless transient or
 * speculative) and the start-to-close timer. Returns the update messages the task carries.
 */
export function startWorkflowTaskForPoller(
  run: RunTransaction,
  poll: { requestId: string; identity: string; workerVersion?: WorkerVersionStamp; polledSticky: boolean },
): Message[] {
  // A task of a sticky run picked up from the normal queue means the sticky worker is gone.
  if (!poll.polledSticky && run.info.stickyTaskQueue) clearStickiness(run);
  startWorkflowTask(run, poll.requestId, poll.identity, poll.workerVersion);
  return outgoingUpdateMessages(run, run.state.workflowTask!.startedEventId);
}

/**
 * The scheduled workflow task handed straight to the worker in the same write (eager workflow
 * start; a completion asking for its next task with return_new_workflow_task): started as a
 * poller would start it, its trip through matching withdrawn. Only a normal task that is
 * scheduled and not yet started qualifies. Returns whether it was started.
 */
export function startWorkflowTaskInline(
  run: RunTransaction,
  worker: { requestId: string; identity: string; workerVersion?: WorkerVersionStamp },
): boolean {
  const task = run.state.workflowTask;
  if (!run.isOpen || !task || task.startedEventId > 0 || task.speculative) return false;
  const { scheduledEventId, stamp } = task;
  withdrawDispatch(run.transferTasks, (t) => t.kind === TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK && t.scheduledEventId === scheduledEventId);
  withdrawDispatch(
    run.timerTasks,
    (t) => t.kind === TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT && t.timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START && t.workflowTaskStamp === stamp,
  );
  startWorkflowTask(run, worker.requestId, worker.identity, worker.workerVersion);
  return true;
}

/** Removes the tasks this transaction created that match (they were never committed). */
function withdrawDispatch<T>(tasks: T[], matches: (task: T) => boolean): void {
  for (let i = tasks.length - 1; i >= 0; i--) if (matches(tasks[i]!)) tasks.splice(i, 1);
}

/** How a completion ended: refused (nothing of it kept), a speculative task that vanished, or completed. */
export type CompletionOutcome =
  | { kind: 'rejected'; rejection: WorkflowTaskCompletionRejected; attempt: number }
  | { kind: 'discarded'; resetHistoryEventId: number; rejections: UpdateRejection[] }
  | { kind: 'completed'; eager: EagerActivity[]; workflowTypeName: string; rejections: UpdateRejection[] };

/**
 * RespondWorkflowTaskCompleted on the started task: the commands and update messages applied in
 * order, the worker's sticky queue remembered, buffered events flushed and the next task
 * scheduled when needed. A refused completion discards the transaction (the caller records the
 * failure on a fresh one); a speculative task that only rejected updates leaves no trace.
 */
export function completeWorkflowTask(
  run: RunTransaction,
  task: WorkflowTaskInfo,
  request: RespondWorkflowTaskCompletedRequest,
  /** The namespace's search attributes check and names, for the commands' checks. */
  options: Omit<CommandOptions, 'updateMessages'> = {},
): CompletionOutcome {
  const hasBuffered = run.state.bufferedEvents.length > 0;
  const updateMessages = new UpdateMessages(run, request.messages);
  if (task.speculative && request.commands.length === 0 && !hasBuffered && !request.forceCreateNewWorkflowTask && updateMessages.onlyRejections && mayDiscardEventsShipped(run, request)) {
    // Nothing happened but rejections: the speculative task disappears as if it never ran,
    // and the worker is told to drop its events (Temporal's reset_history_event_id).
    try {
      updateMessages.applyRemaining();
      updateMessages.rejectUnprocessed();
    } catch (err) {
      if (!(err instanceof WorkflowTaskCompletionRejected)) throw err;
      run.discard();
      return { kind: 'rejected', rejection: err, attempt: task.attempt };
    }
    run.state.workflowTask = undefined;
    resetWorkflowTaskAttempt(run);
    applyStickiness(run, request);
    // Only updates admitted meanwhile call for another speculative task (Temporal:
    // updateRegistry.HasOutgoingMessages); with none, the run waits for its next event.
    if (hasUnsentUpdates(run)) scheduleSpeculativeWorkflowTask(run);
    return { kind: 'discarded', resetHistoryEventId: run.info.lastCompletedWorkflowTaskStartedEventId, rejections: updateMessages.rejections };
  }
  let eager: EagerActivity[];
  try {
    eager = applyCommands(run, task, request, hasBuffered, { ...options, updateMessages });
  } catch (err) {
    if (!(err instanceof WorkflowTaskCompletionRejected)) throw err;
    run.discard();
    return { kind: 'rejected', rejection: err, attempt: task.attempt };
  }
  resetWorkflowTaskAttempt(run);
  applyStickiness(run, request);
  // Events that came while the task ran, and those its commands buffered (a never-started
  // activity canceled at once), go after the commands' events and call for a new task (Temporal's
  // hasBufferedEventsOrMessages and activityNotStartedCancelled).
  const hadBuffered = run.flushBufferedEvents();
  if (hadBuffered || request.forceCreateNewWorkflowTask) scheduleWorkflowTask(run);
  // Updates that arrived while this task ran go out with a speculative task of their own.
  else if (hasUnsentUpdates(run)) scheduleSpeculativeWorkflowTask(run);
  return {
    kind: 'completed',
    // Copies: the transaction's objects belong to the cache once committed.
    eager: eager.map((e) => ({ activity: ActivityInfo.fromPartial(e.activity), attrs: e.attrs })),
    workflowTypeName: run.info.workflowTypeName,
    rejections: updateMessages.rejections,
  };
}

/**
 * Temporal's limit on the events a discarded speculative task may have shipped
 * (history.discardSpeculativeWorkflowTaskMaximumEventsCount).
 */
const DISCARD_SPECULATIVE_TASK_MAX_EVENTS = 10;

/**
 * Whether the events the speculative task shipped (those after the last WorkflowTaskCompleted)
 * allow discarding it, as Temporal's skipWorkflowTaskCompletedEvent: none at all for a worker
 * that does not say it copes with receiving them again (capabilities.
 * discardSpeculativeWorkflowTaskWithEvents), at most 10 for one that does; otherwise the task is
 * written like any other.
 */
function mayDiscardEventsShipped(run: RunTransaction, request: RespondWorkflowTaskCompletedRequest): boolean {
  const shipped = run.state.nextEventId - (run.info.lastCompletedWorkflowTaskStartedEventId + 2);
  return shipped <= (request.capabilities?.discardSpeculativeWorkflowTaskWithEvents ? DISCARD_SPECULATIVE_TASK_MAX_EVENTS : 0);
}

/** The worker's sticky queue from its completion, or none. */
function applyStickiness(run: RunTransaction, request: RespondWorkflowTaskCompletedRequest): void {
  const sticky = request.stickyAttributes?.workerTaskQueue?.name;
  if (sticky && run.isOpen) {
    setStickiness(run, sticky, durationToMs(request.stickyAttributes!.scheduleToStartTimeout) || DEFAULT_STICKY_SCHEDULE_TO_START_MS);
  } else {
    clearStickiness(run);
  }
}

/**
 * Records why a completion was refused: WorkflowTaskFailed with a server failure and the next
 * attempt, or, for payloads too big to ever succeed, the run terminated (after the events
 * buffered while the task ran, as Temporal flushes them before it terminates).
 */
export function failRefusedCompletion(run: RunTransaction, rejection: WorkflowTaskCompletionRejected, worker: { identity: string; binaryChecksum: string }): void {
  const failure = Failure.fromPartial({ message: rejection.message, serverFailureInfo: { nonRetryable: false } });
  failWorkflowTask(run, rejection.failedCause, failure, worker.identity, {
    binaryChecksum: worker.binaryChecksum,
    scheduleNext: !rejection.terminatesWorkflow,
  });
  if (rejection.terminatesWorkflow) terminateRun(run, rejection.message, undefined, HISTORY_SERVICE_IDENTITY);
}
