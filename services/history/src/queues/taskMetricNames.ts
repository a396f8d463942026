import { TimerTaskKind, TransferTaskKind } from '../workflow/protos';

/** Temporal's name of a history task's type (its `operation` and `task_type` labels) and its scheduling priority. */
export interface TaskMetricName {
  taskType: string;
  priority: 'high' | 'low' | 'preemptable';
}

/** What an external-request transfer task turned out to be (Temporal has one task type for each). */
export type ExternalRequestKind = 'signal' | 'cancel';

/**
 * Kairos's transfer tasks under Temporal's active transfer task types. An external request is a
 * signal or a cancellation: Temporal's two task types; which one is known once the task ran.
 */
export function transferTaskMetricName(kind: TransferTaskKind, external?: ExternalRequestKind): TaskMetricName {
  switch (kind) {
    case TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK:
      return { taskType: 'TransferActiveTaskWorkflowTask', priority: 'high' };
    case TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK:
      return { taskType: 'TransferActiveTaskActivity', priority: 'high' };
    case TransferTaskKind.TRANSFER_TASK_KIND_START_CHILD:
      return { taskType: 'TransferActiveTaskStartChildExecution', priority: 'high' };
    case TransferTaskKind.TRANSFER_TASK_KIND_CLOSE_EXECUTION:
      return { taskType: 'TransferActiveTaskCloseExecution', priority: 'high' };
    case TransferTaskKind.TRANSFER_TASK_KIND_EXTERNAL_REQUEST:
      return { taskType: external === 'cancel' ? 'TransferActiveTaskCancelExecution' : 'TransferActiveTaskSignalExecution', priority: 'high' };
    // Temporal's scheduler is a workflow (its actions are local activities): no task type of its own.
    case TransferTaskKind.TRANSFER_TASK_KIND_SCHEDULE_ACTIONS:
      return { taskType: 'TransferActiveTaskScheduleActions', priority: 'high' };
    default:
      return { taskType: `TransferActive${TransferTaskKind[kind] ?? kind}`, priority: 'preemptable' };
  }
}

/**
 * Kairos's timer tasks under Temporal's active timer task types, with the priority Temporal's
 * assigner gives them: timeouts low, retention deletion preemptable, the rest high.
 */
export function timerTaskMetricName(kind: TimerTaskKind): TaskMetricName {
  switch (kind) {
    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT:
      return { taskType: 'TimerActiveTaskWorkflowTaskTimeout', priority: 'low' };
    case TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT:
      return { taskType: 'TimerActiveTaskActivityTimeout', priority: 'low' };
    case TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY:
      return { taskType: 'TimerActiveTaskActivityRetryTimer', priority: 'high' };
    case TimerTaskKind.TIMER_TASK_KIND_USER_TIMER:
      return { taskType: 'TimerActiveTaskUserTimer', priority: 'high' };
    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT:
      return { taskType: 'TimerActiveTaskWorkflowRunTimeout', priority: 'low' };
    case TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF:
      return { taskType: 'TimerActiveTaskWorkflowBackoffTimer', priority: 'high' };
    case TimerTaskKind.TIMER_TASK_KIND_DELETE_CLOSED_RUN:
      return { taskType: 'TimerActiveTaskDeleteHistoryEvent', priority: 'preemptable' };
    // The scheduler workflow's sleep is a user timer in Temporal.
    case TimerTaskKind.TIMER_TASK_KIND_SCHEDULE_WAKEUP:
      return { taskType: 'TimerActiveTaskUserTimer', priority: 'high' };
    default:
      return { taskType: `TimerActive${TimerTaskKind[kind] ?? kind}`, priority: 'preemptable' };
  }
}
