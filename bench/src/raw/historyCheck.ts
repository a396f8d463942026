import { EventType, eventTypeToJSON } from '@kairos/proto/temporal/api/enums/v1/event_type';
import type { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import type { RawWorkload } from './workloads';

const E = EventType;
const WORKFLOW_TASK = [E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED];
const name = (t: EventType) => eventTypeToJSON(t).replace('EVENT_TYPE_', '');

/**
 * The exact event types of a sequential workload's history (A, B): the first workflow task, then per
 * activity Scheduled, Started, Completed and the workflow task it caused, then the close.
 */
export function expectedSequentialTypes(activities: number): EventType[] {
  const perActivity = [E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, E.EVENT_TYPE_ACTIVITY_TASK_STARTED, E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, ...WORKFLOW_TASK];
  return [E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, ...WORKFLOW_TASK, ...Array.from({ length: activities }, () => perActivity).flat(), E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED];
}

/**
 * A fan-out's history (C) has no one order (completions race the workflow tasks), so it is checked
 * by its grammar: the first workflow task schedules every activity; then each pending activity is
 * Started once and later Completed once (a buffer flushed after a workflow task writes all its
 * Started events before the Completed ones, as Temporal's history builder does), never while a
 * workflow task is started and never left half-done at a workflow-task event; every workflow task
 * is Scheduled (completions may come between), Started, Completed, and is scheduled only after a
 * completion; the run completes after the last task, once every activity completed.
 */
function checkFanOut(events: HistoryEvent[], activities: number): void {
  const types = events.map((e) => e.eventType);
  const head = [E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, ...WORKFLOW_TASK, ...Array.from({ length: activities }, () => E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)];
  head.forEach((t, i) => {
    if (types[i] !== t) throw new Error(`event ${i + 1} is ${name(types[i]!)}, expected ${name(t)}`);
  });
  const scheduledIds = new Set(events.slice(4, 4 + activities).map((e) => e.eventId));
  const startedIds = new Set<number>();
  const completedIds = new Set<number>();
  // 'idle': between workflow tasks; 'scheduled' / 'started': a workflow task is in that state.
  let task: 'idle' | 'scheduled' | 'started' = 'idle';
  let completionsSinceTask = 0;
  for (let i = head.length; i < events.length; i++) {
    const e = events[i]!;
    const at = `event ${e.eventId} (${name(e.eventType)})`;
    const workflowTaskEvent = WORKFLOW_TASK.includes(e.eventType) || e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED;
    if (workflowTaskEvent && startedIds.size !== completedIds.size) throw new Error(`${at} while an activity is started but not completed`);
    switch (e.eventType) {
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const sid = e.activityTaskStartedEventAttributes!.scheduledEventId;
        if (!scheduledIds.has(sid) || startedIds.has(sid)) throw new Error(`${at} starts activity ${sid}, not one pending`);
        if (task === 'started') throw new Error(`${at} written while a workflow task was started (it should be buffered)`);
        startedIds.add(sid);
        break;
      }
      case E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const sid = e.activityTaskCompletedEventAttributes!.scheduledEventId;
        if (!startedIds.has(sid) || completedIds.has(sid)) throw new Error(`${at} completes activity ${sid}, not one started`);
        if (task === 'started') throw new Error(`${at} written while a workflow task was started (it should be buffered)`);
        completedIds.add(sid);
        completionsSinceTask++;
        break;
      }
      case E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        if (task !== 'idle' || completionsSinceTask === 0) throw new Error(`${at} with no completion since the last workflow task`);
        task = 'scheduled';
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        if (task !== 'scheduled') throw new Error(`${at} without a scheduled workflow task`);
        task = 'started';
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        if (task !== 'started') throw new Error(`${at} without a started workflow task`);
        task = 'idle';
        completionsSinceTask = 0;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        if (i !== events.length - 1 || events[i - 1]?.eventType !== E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) throw new Error(`${at} is not the last event after a workflow task`);
        break;
      default:
        throw new Error(`${at} is not expected in a fan-out's history`);
    }
  }
  if (completedIds.size !== activities) throw new Error(`${completedIds.size} of ${activities} activities completed`);
}

/**
 * The events without workflow-task attempts that timed out (Scheduled, Started if it was, TimedOut),
 * and how many there were. An overloaded server (the dev server's store timing out under load) can
 * start a task whose poll reply never arrives; the attempt then times out and the task is retried.
 */
function withoutTimedOutTasks(events: HistoryEvent[]): { events: HistoryEvent[]; timedOut: number } {
  const dropped = new Set<number>();
  for (const e of events) {
    const t = e.workflowTaskTimedOutEventAttributes;
    if (!t) continue;
    dropped.add(e.eventId).add(t.scheduledEventId);
    if (t.startedEventId) dropped.add(t.startedEventId);
  }
  const timedOut = events.filter((e) => e.workflowTaskTimedOutEventAttributes).length;
  return { events: events.filter((e) => !dropped.has(e.eventId)), timedOut };
}

export interface HistoryCheckOptions {
  /** Accept (and count) workflow-task attempts that timed out; otherwise they fail the check. */
  allowTaskTimeouts?: boolean;
}

/**
 * Throws unless the closed run's history is whole (ids 1..n) and in the workload's expected order;
 * returns how many workflow-task attempts timed out (always 0 unless allowed).
 */
export function checkHistory(workload: RawWorkload, all: HistoryEvent[], options: HistoryCheckOptions = {}): { timedOutWorkflowTasks: number } {
  all.forEach((e, i) => {
    if (e.eventId !== i + 1) throw new Error(`history event ids not contiguous: position ${i + 1} has id ${e.eventId}`);
  });
  const { events, timedOut } = options.allowTaskTimeouts ? withoutTimedOutTasks(all) : { events: all, timedOut: 0 };
  if (events[events.length - 1]?.eventType !== E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) throw new Error('history does not end with WorkflowExecutionCompleted');
  if (workload.parallel) {
    checkFanOut(events, workload.activities);
    return { timedOutWorkflowTasks: timedOut };
  }
  const expected = expectedSequentialTypes(workload.activities);
  const got = events.map((e) => e.eventType);
  if (got.length !== expected.length || got.some((t, i) => t !== expected[i])) {
    throw new Error(`history event types ${got.map(name).join(',')}\n  expected ${expected.map(name).join(',')}`);
  }
  return { timedOutWorkflowTasks: timedOut };
}
