import { describe, expect, it } from 'vitest';
import { CommandType } from '@kairos/proto/temporal/api/enums/v1/command_type';
import { EventType } from '@kairos/proto/temporal/api/enums/v1/event_type';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { decide } from './decider';
import { firstValue, jsonPayloads } from './payloads';
import { RAW_WORKLOADS } from './workloads';

const E = EventType;
const { A, B, C } = RAW_WORKLOADS;

/** A history under construction: each helper appends events with the next ids. */
function history(input: string) {
  const events: HistoryEvent[] = [];
  const add = (eventType: EventType, attrs: Partial<HistoryEvent> = {}) => {
    events.push(HistoryEvent.fromPartial({ eventId: events.length + 1, eventType, ...attrs }) as HistoryEvent);
    return events.length;
  };
  add(E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: { input: jsonPayloads(input) } } as Partial<HistoryEvent>);
  const task = () => {
    add(E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    add(E.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    add(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  };
  const schedule = (k: number) => add(E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, { activityTaskScheduledEventAttributes: { activityId: String(k) } } as Partial<HistoryEvent>);
  const complete = (scheduledEventId: number, result: unknown) => {
    add(E.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { scheduledEventId } } as Partial<HistoryEvent>);
    add(E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: { scheduledEventId, result: jsonPayloads(result) } } as Partial<HistoryEvent>);
  };
  // The history a poller sees: a workflow task scheduled and started, not yet completed.
  const polled = () => [...events, ...[E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, E.EVENT_TYPE_WORKFLOW_TASK_STARTED].map((eventType, i) => HistoryEvent.fromPartial({ eventId: events.length + 1 + i, eventType }) as HistoryEvent)];
  return { events, task, schedule, complete, polled };
}

const types = (commands: ReturnType<typeof decide>) => commands.map((c) => c.commandType);

describe('the raw driver\'s stateless decider (history in, commands out)', () => {
  it('A: schedules activity "1" with the workflow\'s input on the first task, then completes with the activity\'s result', () => {
    const h = history('w7');
    const first = decide(A, h.polled(), 'q');
    expect(types(first)).toEqual([CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK]);
    const attrs = first[0]!.scheduleActivityTaskCommandAttributes!;
    expect([attrs.activityId, attrs.activityType?.name, attrs.taskQueue?.name, firstValue(attrs.input as never)]).toEqual(['1', 'greet', 'q', 'w7']);

    h.task();
    h.complete(h.schedule(1), 'Hello, w7!');
    const second = decide(A, h.polled(), 'q');
    expect(types(second)).toEqual([CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]);
    expect(firstValue(second[0]!.completeWorkflowExecutionCommandAttributes!.result as never)).toBe('Hello, w7!');
  });

  it('A: a wrong activity result fails the run instead of completing it', () => {
    const h = history('w7');
    h.task();
    h.complete(h.schedule(1), 'Hello, somebody else!');
    const commands = decide(A, h.polled(), 'q');
    expect(types(commands)).toEqual([CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION]);
    expect(commands[0]!.failWorkflowExecutionCommandAttributes!.failure!.message).toContain('activity 1 returned');
  });

  it('B: schedules the next activity only once every scheduled one completed, completes with 10 after the tenth', () => {
    const h = history('w1');
    h.task();
    for (let k = 1; k <= 9; k++) {
      const scheduled = h.schedule(k);
      // A task while activity k is pending (e.g. after a workflow task timeout) schedules nothing new.
      expect(decide(B, h.polled(), 'q')).toEqual([]);
      h.complete(scheduled, `Hello, w1-${k}!`);
      const next = decide(B, h.polled(), 'q');
      expect(next.map((c) => c.scheduleActivityTaskCommandAttributes?.activityId)).toEqual([String(k + 1)]);
      expect(firstValue(next[0]!.scheduleActivityTaskCommandAttributes!.input as never)).toBe(`w1-${k + 1}`);
      h.task();
    }
    h.complete(h.schedule(10), 'Hello, w1-10!');
    const last = decide(B, h.polled(), 'q');
    expect(types(last)).toEqual([CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]);
    expect(firstValue(last[0]!.completeWorkflowExecutionCommandAttributes!.result as never)).toBe(10);
  });

  it('C: fans out 100 activities in the first task, answers no commands while any is pending, completes with 100', () => {
    const h = history('w0');
    const first = decide(C, h.polled(), 'q');
    expect(first.map((c) => c.scheduleActivityTaskCommandAttributes?.activityId)).toEqual(Array.from({ length: 100 }, (_, i) => String(i + 1)));
    h.task();
    const ids = Array.from({ length: 100 }, (_, i) => h.schedule(i + 1));
    // Completions in any order: 99 done is still pending work.
    for (const [i, id] of ids.entries()) if (i !== 41) h.complete(id, `Hello, f${i + 1}!`);
    expect(decide(C, h.polled(), 'q')).toEqual([]);
    h.task();
    h.complete(ids[41]!, 'Hello, f42!');
    const last = decide(C, h.polled(), 'q');
    expect(types(last)).toEqual([CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]);
    expect(firstValue(last[0]!.completeWorkflowExecutionCommandAttributes!.result as never)).toBe(100);
  });
});
