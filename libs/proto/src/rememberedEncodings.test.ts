import { describe, expect, it } from 'vitest';
import { rememberEncoding } from './rememberedEncodings';
import { encodeMessage } from './encoding';
import { History, HistoryEvent } from './generated/temporal/api/history/v1/message';
import { PollWorkflowTaskQueueResponse } from './generated/temporal/api/workflowservice/v1/request_response';
import { EventType } from './generated/temporal/api/enums/v1/event_type';

const event = (id: number, input: string) =>
  HistoryEvent.fromPartial({
    eventId: id,
    eventTime: new Date(1_700_000_000_000 + id),
    eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    activityTaskScheduledEventAttributes: { activityId: String(id), input: { payloads: [{ data: new TextEncoder().encode(input) }] } },
  });

describe('rememberEncoding', () => {
  it('a remembered event is written as its remembered bytes wherever a message holds it', () => {
    const shown = event(1, 'kept');
    const stored = event(1, 'what the store holds');
    rememberEncoding(shown, encodeMessage(HistoryEvent, stored));
    // The bytes are used as they are (the event's own fields are not looked at again).
    expect(History.decode(History.encode({ events: [shown] }).finish()).events[0]).toEqual(stored);
    const poll = PollWorkflowTaskQueueResponse.decode(encodeMessage(PollWorkflowTaskQueueResponse, PollWorkflowTaskQueueResponse.fromPartial({ startedEventId: 3, history: { events: [] } })));
    poll.history = { events: [shown, event(2, 'fresh')] };
    const decoded = PollWorkflowTaskQueueResponse.decode(encodeMessage(PollWorkflowTaskQueueResponse, poll));
    expect(decoded.startedEventId).toBe(3);
    expect(decoded.history!.events).toEqual([stored, event(2, 'fresh')]);
  });

  it('encodes exactly as the generated code when the bytes are the event\'s own encoding', () => {
    const events = [event(1, 'a'.repeat(300)), event(2, 'b'), event(3, 'c')];
    const expected = History.encode({ events }).finish();
    rememberEncoding(events[0]!, encodeMessage(HistoryEvent, events[0]!));
    rememberEncoding(events[2]!, encodeMessage(HistoryEvent, events[2]!));
    expect(History.encode({ events }).finish()).toEqual(expected);
  });

  it('a copy of a remembered event is encoded from its fields', () => {
    const original = event(4, 'original');
    rememberEncoding(original, encodeMessage(HistoryEvent, event(4, 'stale')));
    const copy = HistoryEvent.fromPartial({ ...original, eventId: 5 });
    expect(HistoryEvent.decode(encodeMessage(HistoryEvent, copy))).toEqual({ ...original, eventId: 5 });
  });
});
