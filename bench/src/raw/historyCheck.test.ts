import { describe, expect, it } from 'vitest';
import { EventType } from '@kairos/proto/temporal/api/enums/v1/event_type';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { checkHistory, expectedSequentialTypes } from './historyCheck';
import { RAW_WORKLOADS } from './workloads';

const E = EventType;

/** Events of these types with ids 1..n; activity events name the scheduled event given. */
function events(spec: Array<EventType | [EventType, number]>): HistoryEvent[] {
  return spec.map((s, i) => {
    const [eventType, sid] = Array.isArray(s) ? s : [s, 0];
    const attrs =
      eventType === E.EVENT_TYPE_ACTIVITY_TASK_STARTED ? { activityTaskStartedEventAttributes: { scheduledEventId: sid } }
      : eventType === E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED ? { activityTaskCompletedEventAttributes: { scheduledEventId: sid } }
      : {};
    return HistoryEvent.fromPartial({ eventId: i + 1, eventType, ...attrs }) as HistoryEvent;
  });
}

const WFT = [E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED];

describe('history checks of the raw driver', () => {
  it('A: the exact order passes; two events swapped, an id gap or a missing close fails', () => {
    const good = events(expectedSequentialTypes(1));
    expect(good).toHaveLength(11);
    expect(() => checkHistory(RAW_WORKLOADS.A, good)).not.toThrow();

    const swapped = events(expectedSequentialTypes(1));
    [swapped[5]!.eventType, swapped[6]!.eventType] = [swapped[6]!.eventType, swapped[5]!.eventType];
    expect(() => checkHistory(RAW_WORKLOADS.A, swapped)).toThrow(/expected WORKFLOW_EXECUTION_STARTED,WORKFLOW_TASK_SCHEDULED/);

    const gap = events(expectedSequentialTypes(1));
    gap[3]!.eventId = 5;
    expect(() => checkHistory(RAW_WORKLOADS.A, gap)).toThrow(/not contiguous/);

    expect(() => checkHistory(RAW_WORKLOADS.A, events(expectedSequentialTypes(1).slice(0, -1)))).toThrow(/does not end with WorkflowExecutionCompleted/);
  });

  it('A: a workflow-task attempt that timed out fails the check, unless allowed (then it is counted)', () => {
    const types = expectedSequentialTypes(1);
    // Attempt 1 started and timed out (event 4 names Scheduled 2 and Started 3); attempt 2 completes.
    const spec = [...types.slice(0, 3), E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, ...types.slice(1)];
    const retried = events(spec);
    retried[3] = HistoryEvent.fromPartial({ eventId: 4, eventType: E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, workflowTaskTimedOutEventAttributes: { scheduledEventId: 2, startedEventId: 3 } }) as HistoryEvent;
    expect(() => checkHistory(RAW_WORKLOADS.A, retried)).toThrow(/WORKFLOW_TASK_TIMED_OUT/);
    expect(checkHistory(RAW_WORKLOADS.A, retried, { allowTaskTimeouts: true })).toEqual({ timedOutWorkflowTasks: 1 });
    expect(checkHistory(RAW_WORKLOADS.A, events(types), { allowTaskTimeouts: true })).toEqual({ timedOutWorkflowTasks: 0 });
  });

  it('B: ten activities each followed by its workflow task (65 events); nine is not enough', () => {
    expect(expectedSequentialTypes(10)).toHaveLength(4 + 10 * 6 + 1);
    expect(() => checkHistory(RAW_WORKLOADS.B, events(expectedSequentialTypes(10)))).not.toThrow();
    expect(() => checkHistory(RAW_WORKLOADS.B, events(expectedSequentialTypes(9)))).toThrow(/expected/);
  });

  describe('C (grammar, since completions race the workflow tasks)', () => {
    const head = [E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, ...WFT, ...Array.from({ length: 100 }, () => E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)];
    // Scheduled event ids of the 100 activities: 5..104.
    const pair = (sid: number): Array<[EventType, number]> => [[E.EVENT_TYPE_ACTIVITY_TASK_STARTED, sid], [E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, sid]];
    const sids = Array.from({ length: 100 }, (_, i) => i + 5);

    it('passes completions written as they come, between workflow-task events, and a flushed buffer (all Started, then all Completed)', () => {
      const body: Array<EventType | [EventType, number]> = [
        ...pair(5), E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, ...pair(6), E.EVENT_TYPE_WORKFLOW_TASK_STARTED, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        // Buffered while a task ran, flushed after it: Started events first.
        ...sids.slice(2).map((s): [EventType, number] => [E.EVENT_TYPE_ACTIVITY_TASK_STARTED, s]),
        ...sids.slice(2).map((s): [EventType, number] => [E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, s]),
        ...WFT, E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
      ];
      expect(() => checkHistory(RAW_WORKLOADS.C, events([...head, ...body]))).not.toThrow();
    });

    it('fails a completion written while a task is started, an activity completed twice, or a close before all completed', () => {
      const duringTask = [...head, E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, E.EVENT_TYPE_WORKFLOW_TASK_STARTED, ...sids.flatMap(pair), E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED];
      expect(() => checkHistory(RAW_WORKLOADS.C, events(duringTask))).toThrow(/while a workflow task was started|with no completion/);

      const twice = [...head, ...sids.flatMap(pair), ...pair(5), ...WFT, E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED];
      expect(() => checkHistory(RAW_WORKLOADS.C, events(twice))).toThrow(/not one pending/);

      const early = [...head, ...sids.slice(1).flatMap(pair), ...WFT, E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED];
      expect(() => checkHistory(RAW_WORKLOADS.C, events(early))).toThrow(/99 of 100 activities completed/);
    });
  });
});
