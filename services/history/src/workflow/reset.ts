import { randomUUID } from 'node:crypto';
import { resetPointNotAfterWorkflowTask } from '@kairos/common/errors';
import { ResetReapplyExcludeType, ResetReapplyType } from '@kairos/proto/temporal/api/enums/v1/reset';
import { UpdateAdmittedEventOrigin } from '@kairos/proto/temporal/api/enums/v1/update';
import { UpdateInfo } from '@kairos/proto/kairos/persistence/v1/executions';
import { armScheduleToClose, dispatchActivityAttempt } from './activities';
import { HISTORY_SERVICE_IDENTITY } from './closeRun';
import type { RunTransaction } from './runTransaction';
import { scheduleWorkflowTask } from './workflowTasks';
import {
  EventType,
  RetryState,
  TimerTaskKind,
  TransferTaskKind,
  WorkflowTaskFailedCause,
  HistoryEvent,
} from './protos';

/*
 * ResetWorkflowExecution's transitions on the new run, whose state was rebuilt from the base run's
 * events before the reset point (stateRebuilder.ts), as Temporal's workflowResetter: fail the
 * workflow task the reset point falls in, fail started activities, re-arm what is pending, reapply
 * the signals and updates that came after the reset point, and schedule a new workflow task.
 */

/** The identity Temporal's resetter terminates the current run with. */
export const RESETTER_IDENTITY = 'history-resetter';

/** Which events after the reset point are not reapplied (Temporal's GetResetReapplyExcludeTypes). */
export interface ReapplyExclusions {
  signal: boolean;
  update: boolean;
}

/** The exclusions a request asks for: its exclude list, and the deprecated include type. */
export function reapplyExclusions(excludeTypes: ResetReapplyExcludeType[], includeType: ResetReapplyType): ReapplyExclusions {
  const excluded = new Set(excludeTypes);
  return {
    signal: includeType === ResetReapplyType.RESET_REAPPLY_TYPE_NONE || excluded.has(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL),
    update:
      includeType === ResetReapplyType.RESET_REAPPLY_TYPE_NONE ||
      includeType === ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL ||
      excluded.has(ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE),
  };
}

/**
 * The workflow task the reset point falls in fails with RESET_WORKFLOW, naming both runs (one only
 * scheduled is first started by the server); the next task is a first attempt again.
 */
export function failWorkflowTaskForReset(run: RunTransaction, baseRunId: string, reason: string): void {
  const task = run.state.workflowTask;
  if (!task) throw resetPointNotAfterWorkflowTask(run.state.nextEventId);
  if (task.startedEventId === 0) {
    task.startedEventId = run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, {
      workflowTaskStartedEventAttributes: {
        scheduledEventId: task.scheduledEventId,
        identity: HISTORY_SERVICE_IDENTITY,
        requestId: randomUUID(),
        // (the copied events are this transaction's: the history so far)
        historySizeBytes: run.info.historySizeBytes + run.newEventBytes(),
      },
    }).eventId;
  }
  run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
    workflowTaskFailedEventAttributes: {
      scheduledEventId: task.scheduledEventId,
      startedEventId: task.startedEventId,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
      failure: { message: reason, resetWorkflowFailureInfo: {} },
      identity: HISTORY_SERVICE_IDENTITY,
      baseRunId,
      newRunId: run.info.runId,
    },
  });
  run.state.workflowTask = undefined;
  run.info.workflowTaskAttempt = 1;
}

/**
 * What was pending at the reset point starts again in the new run: a started activity fails for
 * good (its worker belongs to the old run), one not started is scheduled anew from now; timers,
 * unstarted children, requests to other runs and the run timeout get their tasks back.
 */
export function rearmPendingWork(run: RunTransaction, reason: string): void {
  for (const activity of Object.values(run.state.activities)) {
    if (activity.started) {
      const started = run.appendEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, {
        activityTaskStartedEventAttributes: { scheduledEventId: activity.scheduledEventId, identity: activity.startedIdentity, requestId: activity.startedRequestId, attempt: activity.attempt },
      });
      run.appendEvent(EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, {
        activityTaskFailedEventAttributes: {
          scheduledEventId: activity.scheduledEventId,
          startedEventId: started.eventId,
          failure: { message: reason, resetWorkflowFailureInfo: { lastHeartbeatDetails: activity.lastHeartbeatDetails } },
          retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
          identity: activity.startedIdentity,
        },
      });
      delete run.state.activities[activity.scheduledEventId];
      continue;
    }
    // A never-started activity is scheduled again from now, as a new one would be.
    activity.scheduledTime = run.now;
    activity.currentAttemptScheduledTime = run.now;
    dispatchActivityAttempt(run, activity);
    armScheduleToClose(run, activity);
  }
  for (const timer of Object.values(run.state.timers)) {
    run.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_USER_TIMER, fireTime: timer.expiryTime, eventId: timer.startedEventId, timerId: timer.timerId });
  }
  for (const child of Object.values(run.state.children)) {
    if (child.startedEventId === 0) run.addTransferTask({ kind: TransferTaskKind.TRANSFER_TASK_KIND_START_CHILD, scheduledEventId: child.initiatedEventId });
  }
  for (const request of Object.values(run.state.externalRequests)) {
    run.addTransferTask({ kind: TransferTaskKind.TRANSFER_TASK_KIND_EXTERNAL_REQUEST, scheduledEventId: request.initiatedEventId });
  }
  const info = run.info;
  const runDeadline = info.workflowRunExpirationTime;
  const chainDeadline = info.workflowExecutionExpirationTime;
  const deadline = runDeadline && chainDeadline ? (chainDeadline < runDeadline ? chainDeadline : runDeadline) : (runDeadline ?? chainDeadline);
  if (deadline) run.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT, fireTime: deadline });
}

/**
 * Appends the events of the base run after the reset point (and of the runs that continued it)
 * that Temporal reapplies on a reset: signals and updates, unless excluded. Cancellation requests
 * and terminations are not reapplied.
 */
export function reapplyEvents(run: RunTransaction, events: HistoryEvent[], exclude: ReapplyExclusions): void {
  for (const event of events) {
    if (reapplyChildEvent(run, event)) continue;
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal && !exclude.signal) {
      run.info.signalCount = (run.info.signalCount ?? 0) + 1;
      run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
        links: event.links,
        workflowExecutionSignaledEventAttributes: {
          signalName: signal.signalName,
          input: signal.input,
          identity: signal.identity,
          header: signal.header,
          requestId: signal.requestId,
        },
      });
      continue;
    }
    if (exclude.update) continue;
    // An accepted update with its request was never admitted in history: it comes back admitted.
    const request = event.workflowExecutionUpdateAdmittedEventAttributes?.request ?? event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    if (!request?.meta) continue;
    // (An admitted event keeps its origin; an accepted one comes back as a reapplied admission.)
    const origin = event.workflowExecutionUpdateAdmittedEventAttributes?.origin ?? UpdateAdmittedEventOrigin.UPDATE_ADMITTED_EVENT_ORIGIN_REAPPLY;
    run.appendEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED, { workflowExecutionUpdateAdmittedEventAttributes: { request, origin } });
    run.state.updatesAdmitted += 1;
    // The worker reads the request from the admitted event, not from a message.
    run.state.updates[request.meta.updateId] = UpdateInfo.fromPartial({ request, admittedSeq: run.state.updatesAdmitted, sent: true, admittedInHistory: true });
  }
}

/**
 * What happened after the reset point to a child initiated before it (started, closed, failed to
 * start) is written again, so the new run still hears of it (Temporal's reapplyChildEvents);
 * a closing event names the new run's started event. Returns whether `event` was a child event.
 */
function reapplyChildEvent(run: RunTransaction, event: HistoryEvent): boolean {
  const startFailed = event.startChildWorkflowExecutionFailedEventAttributes;
  const started = event.childWorkflowExecutionStartedEventAttributes;
  const closing =
    event.childWorkflowExecutionCompletedEventAttributes ??
    event.childWorkflowExecutionFailedEventAttributes ??
    event.childWorkflowExecutionCanceledEventAttributes ??
    event.childWorkflowExecutionTimedOutEventAttributes ??
    event.childWorkflowExecutionTerminatedEventAttributes;
  const initiatedEventId = (startFailed ?? started ?? closing)?.initiatedEventId;
  if (initiatedEventId === undefined) return false;
  const child = run.state.children[initiatedEventId];
  if (!child) return true;
  if (started) {
    if (child.startedEventId !== 0) return true;
    child.startedEventId = run.appendEvent(event.eventType, { childWorkflowExecutionStartedEventAttributes: started }).eventId;
    child.runId = started.workflowExecution?.runId ?? '';
    return true;
  }
  // (appendEvent gives the copy its new id, time and task id.)
  const copy = HistoryEvent.fromPartial(event);
  const copiedClosing =
    copy.childWorkflowExecutionCompletedEventAttributes ??
    copy.childWorkflowExecutionFailedEventAttributes ??
    copy.childWorkflowExecutionCanceledEventAttributes ??
    copy.childWorkflowExecutionTimedOutEventAttributes ??
    copy.childWorkflowExecutionTerminatedEventAttributes;
  if (copiedClosing) copiedClosing.startedEventId = child.startedEventId;
  run.appendEvent(copy.eventType, copy);
  delete run.state.children[initiatedEventId];
  return true;
}

/** The new run's next workflow task, on the normal queue (the reset run has no sticky worker). */
export function scheduleWorkflowTaskAfterReset(run: RunTransaction): void {
  run.info.stickyTaskQueue = '';
  scheduleWorkflowTask(run);
}
