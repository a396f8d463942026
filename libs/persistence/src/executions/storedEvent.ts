import { rememberEncoding } from '@kairos/proto';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';

/** A stored event, decoded; it keeps its stored bytes, so answering with it does not encode it again. */
export function decodeStoredEvent(data: Uint8Array): HistoryEvent {
  const event = HistoryEvent.decode(data);
  rememberEncoding(event, data);
  return event;
}
