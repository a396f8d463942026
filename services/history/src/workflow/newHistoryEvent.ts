import * as historyMessages from '@kairos/proto/temporal/api/history/v1/message';
import { HistoryEvent, type EventType } from './protos';

/** What appendEvent is given: the event's attributes (its oneof field), perhaps with other fields. */
export type EventFields = NonNullable<Parameters<typeof HistoryEvent.fromPartial>[0]>;

type FromPartial = (object: unknown) => unknown;

/** Each `…EventAttributes` field of HistoryEvent with its message type's fromPartial (type name = field name capitalised). */
const ATTRIBUTE_TYPES = new Map<string, FromPartial>();
for (const key of Object.keys(HistoryEvent.fromPartial({}))) {
  if (!key.endsWith('EventAttributes')) continue;
  const type = (historyMessages as unknown as Record<string, { fromPartial?: FromPartial } | undefined>)[key[0]!.toUpperCase() + key.slice(1)];
  if (type?.fromPartial) ATTRIBUTE_TYPES.set(key, type.fromPartial);
}

/** HistoryEvent's own fields (everything but the attributes), as `eventWith` sets them. */
export const EVENT_OWN_FIELDS = ['eventId', 'eventTime', 'eventType', 'version', 'taskId', 'workerMayIgnore', 'userMetadata', 'links', 'principal', 'eventGroupMarkers'];

/**
 * A new event holding only its own fields and its one attributes field: the generated
 * fromPartial would give it all ~60 attribute fields, unset, and the events of cached runs live
 * long enough for that size to cost the garbage collector. Absent and unset fields read and encode
 * alike. Fields other than one known attributes field take the generated path.
 */
export function newHistoryEvent(eventType: EventType, eventId: number, eventTime: Date, taskId: number, fields: EventFields): HistoryEvent {
  let attribute: string | undefined;
  for (const key in fields) {
    if ((fields as Record<string, unknown>)[key] === undefined) continue;
    if (attribute !== undefined || !ATTRIBUTE_TYPES.has(key)) return HistoryEvent.fromPartial({ ...fields, eventId, eventTime, eventType, taskId });
    attribute = key;
  }
  const event: Record<string, unknown> = eventWith(eventType, eventId, eventTime, taskId);
  if (attribute !== undefined) event[attribute] = ATTRIBUTE_TYPES.get(attribute)!((fields as Record<string, unknown>)[attribute]);
  return event as unknown as HistoryEvent;
}

function eventWith(eventType: EventType, eventId: number, eventTime: Date, taskId: number) {
  return { eventId, eventTime, eventType, version: 0, taskId, workerMayIgnore: false, userMetadata: undefined, links: [], principal: undefined, eventGroupMarkers: [] };
}
