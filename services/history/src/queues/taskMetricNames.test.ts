import { describe, expect, it } from 'vitest';
import { TimerTaskKind, TransferTaskKind } from '../workflow/protos';
import { timerTaskMetricName, transferTaskMetricName } from './taskMetricNames';

describe('history task metric names', () => {
  it('names transfer tasks as Temporal names its active transfer tasks, an external request by what it was', () => {
    expect(transferTaskMetricName(TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK)).toEqual({ taskType: 'TransferActiveTaskWorkflowTask', priority: 'high' });
    expect(transferTaskMetricName(TransferTaskKind.TRANSFER_TASK_KIND_ACTIVITY_TASK).taskType).toBe('TransferActiveTaskActivity');
    expect(transferTaskMetricName(TransferTaskKind.TRANSFER_TASK_KIND_START_CHILD).taskType).toBe('TransferActiveTaskStartChildExecution');
    expect(transferTaskMetricName(TransferTaskKind.TRANSFER_TASK_KIND_CLOSE_EXECUTION).taskType).toBe('TransferActiveTaskCloseExecution');
    expect(transferTaskMetricName(TransferTaskKind.TRANSFER_TASK_KIND_EXTERNAL_REQUEST, 'signal').taskType).toBe('TransferActiveTaskSignalExecution');
    expect(transferTaskMetricName(TransferTaskKind.TRANSFER_TASK_KIND_EXTERNAL_REQUEST, 'cancel').taskType).toBe('TransferActiveTaskCancelExecution');
  });

  it('names timer tasks as Temporal names its active timer tasks, with its priorities: timeouts low, retention preemptable', () => {
    expect(timerTaskMetricName(TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_TASK_TIMEOUT)).toEqual({ taskType: 'TimerActiveTaskWorkflowTaskTimeout', priority: 'low' });
    expect(timerTaskMetricName(TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_TIMEOUT)).toEqual({ taskType: 'TimerActiveTaskActivityTimeout', priority: 'low' });
    expect(timerTaskMetricName(TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_RUN_TIMEOUT)).toEqual({ taskType: 'TimerActiveTaskWorkflowRunTimeout', priority: 'low' });
    expect(timerTaskMetricName(TimerTaskKind.TIMER_TASK_KIND_ACTIVITY_RETRY)).toEqual({ taskType: 'TimerActiveTaskActivityRetryTimer', priority: 'high' });
    expect(timerTaskMetricName(TimerTaskKind.TIMER_TASK_KIND_USER_TIMER)).toEqual({ taskType: 'TimerActiveTaskUserTimer', priority: 'high' });
    expect(timerTaskMetricName(TimerTaskKind.TIMER_TASK_KIND_WORKFLOW_BACKOFF)).toEqual({ taskType: 'TimerActiveTaskWorkflowBackoffTimer', priority: 'high' });
    expect(timerTaskMetricName(TimerTaskKind.TIMER_TASK_KIND_DELETE_CLOSED_RUN)).toEqual({ taskType: 'TimerActiveTaskDeleteHistoryEvent', priority: 'preemptable' });
  });
});
