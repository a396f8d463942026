import { describe, expect, it } from 'vitest';
import { encodeMessage } from '@kairos/proto';
import { EventType, HistoryEvent } from './protos';
import { EVENT_OWN_FIELDS, newHistoryEvent, type EventFields } from './newHistoryEvent';

const at = new Date('2026-12-03T12:00:00.000Z');
const generated = (eventType: EventType, fields: EventFields) => HistoryEvent.fromPartial({ ...fields, eventId: 7, eventTime: at, eventType, taskId: 42 });

describe('newHistoryEvent', () => {
  it("sets exactly the generated type's own fields (a new field in the proto fails here)", () => {
    const own = Object.keys(HistoryEvent.fromPartial({})).filter((key) => !key.endsWith('EventAttributes'));
    expect(EVENT_OWN_FIELDS.slice().sort()).toEqual(own.sort());
    const event = newHistoryEvent(EventType.EVENT_TYPE_TIMER_STARTED, 7, at, 42, { timerStartedEventAttributes: { timerId: 't' } });
    expect(Object.keys(event).sort()).toEqual([...EVENT_OWN_FIELDS, 'timerStartedEventAttributes'].sort());
  });

  it('encodes and reads as the generated fromPartial would make it, attributes filled in', () => {
    const cases: Array<[EventType, EventFields]> = [
      [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, { activityTaskScheduledEventAttributes: { activityId: '1', activityType: { name: 'greet' }, input: { payloads: [{ data: Buffer.from('"x"') }] }, startToCloseTimeout: { seconds: 10, nanos: 0 } } }],
      [EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { scheduledEventId: 2, startedEventId: 3, identity: 'w' } }],
      [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, { workflowExecutionCompletedEventAttributes: {} }],
      // Fields beside the attributes take the generated path.
      [EventType.EVENT_TYPE_TIMER_STARTED, { timerStartedEventAttributes: { timerId: 't' }, userMetadata: { summary: { data: Buffer.from('"s"') } } }],
      [EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {}],
    ];
    for (const [type, fields] of cases) {
      const event = newHistoryEvent(type, 7, at, 42, fields);
      const expected = generated(type, fields);
      expect(Buffer.from(encodeMessage(HistoryEvent, event))).toEqual(Buffer.from(encodeMessage(HistoryEvent, expected)));
      expect(event).toEqual(expected);
    }
  });
});
