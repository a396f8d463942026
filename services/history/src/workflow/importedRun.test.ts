import { describe, expect, it } from 'vitest';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { at, completeTaskAt, newRunAt, secs, startTaskAt } from '../../test/activityFixtures';
import { T0 } from '../../test/runFixtures';
import { checkImportedHistory, ImportedHistoryRefused, importedRun } from './importedRun';
import { CommandType, EventType, TimerTaskKind, WorkflowExecutionStatus } from './protos';

/** A whole history made by the core itself: start, one task with a timer, another that completes the run. */
function recordedHistory(): HistoryEvent[] {
  const started = newRunAt(T0, { memo: { fields: { note: { data: Buffer.from('"hi"') } } } });
  const first = startTaskAt(started, at(1));
  const timer = completeTaskAt(first, at(2), [{ commandType: CommandType.COMMAND_TYPE_START_TIMER, startTimerCommandAttributes: { timerId: 't', startToFireTimeout: secs(5) } }]);
  const events = [...started.newEvents, ...first.newEvents, ...timer.newEvents];
  // The timer fired and a task completed the run (ids and times continue the history).
  const next = (type: EventType, fields: Parameters<typeof HistoryEvent.fromPartial>[0]) => HistoryEvent.fromPartial({ eventId: events.length + 1, eventTime: at(events.length + 1), eventType: type, ...fields });
  events.push(next(EventType.EVENT_TYPE_TIMER_FIRED, { timerFiredEventAttributes: { timerId: 't', startedEventId: 5 } }));
  events.push(next(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, { workflowTaskScheduledEventAttributes: { startToCloseTimeout: secs(10), attempt: 1 } }));
  events.push(next(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, { workflowTaskStartedEventAttributes: { scheduledEventId: 7 } }));
  events.push(next(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { scheduledEventId: 7, startedEventId: 8 } }));
  events.push(next(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, { workflowExecutionCompletedEventAttributes: { workflowTaskCompletedEventId: 9 } }));
  return events;
}

function refusal(events: HistoryEvent[]): string {
  try {
    checkImportedHistory(events);
  } catch (err) {
    if (err instanceof ImportedHistoryRefused) return err.message;
    throw err;
  }
  throw new Error('accepted');
}

describe('imported runs', () => {
  it('keep the recorded events as they were and are closed with the closing event’s status, kept for the retention from now', () => {
    const events = recordedHistory();
    const now = new Date('2027-01-01T00:00:00Z');
    const run = importedRun('ns', 'wf-imported', 'run-imported', events, now, 3_600_000);
    expect(run.newEvents.map((e) => [e.eventId, e.eventType, e.eventTime])).toEqual(events.map((e) => [e.eventId, e.eventType, e.eventTime]));
    expect(run.info).toMatchObject({
      workflowId: 'wf-imported',
      runId: 'run-imported',
      status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
      startTime: T0,
      closeTime: events[9]!.eventTime,
      completionEventId: 10,
      lastCompletedWorkflowTaskStartedEventId: 8,
    });
    expect(run.info.memo?.fields.note).toBeDefined();
    expect(run.state.nextEventId).toBe(11);
    expect(run.isOpen).toBe(false);
    expect(run.transferTasks).toEqual([]);
    expect(run.timerTasks).toEqual([expect.objectContaining({ kind: TimerTaskKind.TIMER_TASK_KIND_DELETE_CLOSED_RUN, fireTime: new Date(now.getTime() + 3_600_000) })]);
  });

  it('refuse a history with a gap in its ids, naming where', () => {
    const events = recordedHistory();
    events.splice(3, 1);
    expect(refusal(events)).toBe('history event at position 4 has id 5: ids must run 1, 2, 3… without gaps (after event 3)');
  });

  it('refuse a history cut short (no closing event), naming the last event', () => {
    expect(refusal(recordedHistory().slice(0, 7))).toMatch(/^history event 7 \(EVENT_TYPE_WORKFLOW_TASK_SCHEDULED\) is the last, and the run is not closed/);
  });

  it('refuse events after the closing one, a reference to the wrong event, missing attributes or time, or another first event', () => {
    const events = recordedHistory();
    const closed = [...events.slice(0, 9), events[9]!, HistoryEvent.fromPartial({ ...events[9]!, eventId: 11 })];
    expect(refusal(closed)).toBe('history event 10 (EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED): the run closes here but 1 more events follow');
    const wrongReference = recordedHistory();
    wrongReference[5]!.timerFiredEventAttributes!.startedEventId = 4;
    expect(refusal(wrongReference)).toBe('history event 6 (EVENT_TYPE_TIMER_FIRED): startedEventId 4 is not an earlier EVENT_TYPE_TIMER_STARTED event');
    const noAttributes = recordedHistory();
    noAttributes[5]!.timerFiredEventAttributes = undefined;
    expect(refusal(noAttributes)).toBe('history event 6 (EVENT_TYPE_TIMER_FIRED): no timerFiredEventAttributes');
    const noTime = recordedHistory();
    noTime[2]!.eventTime = undefined;
    expect(refusal(noTime)).toBe('history event 3 (EVENT_TYPE_WORKFLOW_TASK_STARTED): no event time');
    expect(refusal(recordedHistory().slice(1).map((e, i) => ({ ...e, eventId: i + 1 })))).toBe(
      'history event 1 (EVENT_TYPE_WORKFLOW_TASK_SCHEDULED): a history starts with WorkflowExecutionStarted',
    );
    expect(refusal([])).toBe('the history has no events');
  });
});
