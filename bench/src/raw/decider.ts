import { CommandType } from '@kairos/proto/temporal/api/enums/v1/command_type';
import { TaskQueueKind } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import type { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import type { RequestOf } from './grpcClient';
import { firstValue, jsonPayloads } from './payloads';
import { ACTIVITY_TYPE, activityResult, type RawWorkload } from './workloads';

export type RawCommand = NonNullable<RequestOf<'respondWorkflowTaskCompleted'>['commands']>[number];

/** What a run's history says so far, as the decider needs it. */
interface RunProgress {
  input: string;
  scheduled: number;
  completed: number;
  /** The last completed activity's result (workload A returns it). */
  lastResult: unknown;
  /** Set when an activity failed, timed out or answered something other than expected. */
  problem?: string;
}

function progress(workload: RawWorkload, events: HistoryEvent[]): RunProgress {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error('a workflow task without the run\'s WorkflowExecutionStarted (first event)');
  const p: RunProgress = { input: String(firstValue(started.input)), scheduled: 0, completed: 0, lastResult: undefined };
  // Scheduled event id → the activity's number (its id), to check each result against its input.
  const activityOf = new Map<number, number>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      p.scheduled++;
      activityOf.set(e.eventId, Number(scheduled.activityId));
      continue;
    }
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) {
      p.completed++;
      const k = activityOf.get(completed.scheduledEventId);
      const value = firstValue(completed.result);
      const expected = k === undefined ? undefined : activityResult(workload.activityInput(p.input, k));
      if (value !== expected) p.problem ??= `activity ${k} returned ${JSON.stringify(value)}, expected ${JSON.stringify(expected)}`;
      p.lastResult = value;
      continue;
    }
    if (e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes || e.activityTaskCanceledEventAttributes) {
      p.problem ??= `activity event ${e.eventId} (type ${e.eventType}) closed it without a result`;
    }
  }
  return p;
}

function scheduleActivity(workload: RawWorkload, taskQueue: string, input: string, k: number): RawCommand {
  return {
    commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: {
      activityId: String(k),
      activityType: { name: ACTIVITY_TYPE },
      taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      startToCloseTimeout: { seconds: 30, nanos: 0 },
      input: jsonPayloads(workload.activityInput(input, k)),
    },
  };
}

/**
 * A stateless decider: the commands a workflow of `workload` answers a workflow task with, from the
 * run's whole history so far. Sequential workloads schedule the next activity once every scheduled
 * one completed; C schedules all at once; both complete when all are done; a task that finds an
 * activity still pending answers with no commands. A wrong or missing activity result fails the
 * run (so the client's result check reports it).
 */
export function decide(workload: RawWorkload, events: HistoryEvent[], taskQueue: string): RawCommand[] {
  const p = progress(workload, events);
  if (p.problem) {
    return [{ commandType: CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION, failWorkflowExecutionCommandAttributes: { failure: { message: p.problem } } }];
  }
  if (p.completed === workload.activities) {
    const result = workload.activities === 1 ? p.lastResult : p.completed;
    return [{ commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, completeWorkflowExecutionCommandAttributes: { result: jsonPayloads(result) } }];
  }
  if (p.scheduled === 0 && workload.parallel) {
    return Array.from({ length: workload.activities }, (_, i) => scheduleActivity(workload, taskQueue, p.input, i + 1));
  }
  if (!workload.parallel && p.completed === p.scheduled) return [scheduleActivity(workload, taskQueue, p.input, p.scheduled + 1)];
  return [];
}
