import { describe, expect, it } from 'vitest';
import { completeMessage, encodeMessage, withSharedResponseWriter } from './encoding';
import { HistoryEvent } from './generated/temporal/api/history/v1/message';
import { EventType } from './generated/temporal/api/enums/v1/event_type';
import { PollWorkflowTaskQueueResponse } from './generated/temporal/api/workflowservice/v1/request_response';
import { RecordWorkflowTaskStartedResponse } from './generated/kairos/historyservice/v1/request_response';

const event = (id: number, input: string) =>
  HistoryEvent.fromPartial({
    eventId: id,
    eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    activityTaskScheduledEventAttributes: { activityId: String(id), input: { payloads: [{ data: new TextEncoder().encode(input) }] } },
  });

describe('encodeMessage', () => {
  it('gives the bytes a fresh writer gives, message after message, each its own copy', () => {
    const messages = [event(1, 'x'.repeat(5_000)), event(2, 'small'), event(3, 'y'.repeat(300))];
    const out = messages.map((m) => encodeMessage(HistoryEvent, m));
    messages.forEach((m, i) => expect(out[i]).toEqual(HistoryEvent.encode(m).finish()));
    expect(HistoryEvent.decode(out[1]!).eventId).toBe(2);
  });

  it('a message that fails half-way leaves nothing behind for the next one', () => {
    const broken = { ...event(4, 'z'), eventTime: 'not a date' } as unknown as HistoryEvent;
    expect(() => encodeMessage(HistoryEvent, broken)).toThrow();
    const next = event(5, 'after');
    expect(encodeMessage(HistoryEvent, next)).toEqual(HistoryEvent.encode(next).finish());
  });
});

describe('withSharedResponseWriter', () => {
  const definition = {
    name: 'Events',
    fullName: 'test.Events',
    methods: { get: { name: 'Get', requestType: HistoryEvent, requestStream: false, responseType: HistoryEvent, responseStream: false, options: {} } },
  } as const;

  it('encodes responses as the generated type does, and keeps everything else of the definition', () => {
    const shared = withSharedResponseWriter(definition);
    expect(shared.fullName).toBe('test.Events');
    expect(shared.methods.get.requestType).toBe(HistoryEvent);
    const message = event(7, 'response');
    // nice-grpc's server codec: encode(response).finish()
    expect(shared.methods.get.responseType.encode(message).finish()).toEqual(HistoryEvent.encode(message).finish());
    expect(shared.methods.get.responseType.decode(HistoryEvent.encode(message).finish()).eventId).toBe(7);
  });
});

describe('completeMessage', () => {
  const definition = {
    name: 'Events',
    fullName: 'test.Events',
    methods: { get: { name: 'Get', requestType: HistoryEvent, requestStream: false, responseType: HistoryEvent, responseStream: false, options: {} } },
  } as const;
  const { responseType } = withSharedResponseWriter(definition).methods.get;

  it('a marked response is encoded as it is; an unmarked one is normalised first', () => {
    const marked = completeMessage(event(8, 'as is'));
    expect(responseType.fromPartial(marked)).toBe(marked);
    const partial = { eventId: 9 } as Partial<HistoryEvent>;
    const normalised = responseType.fromPartial(partial);
    expect(normalised).not.toBe(partial);
    expect(responseType.encode(normalised).finish()).toEqual(HistoryEvent.encode(HistoryEvent.fromPartial(partial)).finish());
  });

  it("a wrapper of a marked response (an internal service's `{ response }`) keeps that response as it is", () => {
    const wrapperDefinition = {
      name: 'History',
      fullName: 'test.History',
      methods: { record: { name: 'Record', requestType: HistoryEvent, requestStream: false, responseType: RecordWorkflowTaskStartedResponse, responseStream: false, options: {} } },
    } as const;
    const wrapperType = withSharedResponseWriter(wrapperDefinition).methods.record.responseType;
    const answer = completeMessage(PollWorkflowTaskQueueResponse.fromPartial({ startedEventId: 3, history: { events: [event(1, 'kept')] } }));
    const wrapper = wrapperType.fromPartial({ response: answer });
    expect(wrapper.response).toBe(answer);
    expect(wrapperType.encode(wrapper).finish()).toEqual(RecordWorkflowTaskStartedResponse.encode({ response: answer }).finish());
    // An unmarked answer is normalised (copied) with its wrapper, as before.
    const unmarked = { startedEventId: 4 } as Partial<PollWorkflowTaskQueueResponse>;
    const normalised = wrapperType.fromPartial({ response: unmarked as PollWorkflowTaskQueueResponse });
    expect(normalised.response).not.toBe(unmarked);
    expect(normalised.response!.startedEventId).toBe(4);
  });
});
