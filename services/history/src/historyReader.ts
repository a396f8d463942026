import type { ExecutionKey, Store } from '@kairos/persistence/dist/store';
import { HistoryEvent, HistoryPageToken } from './protos';

/** Page size when a request leaves it to the server (Temporal's default). */
export const DEFAULT_HISTORY_PAGE_SIZE = 256;

export interface HistoryPage {
  events: HistoryEvent[];
  /** Empty when the page reaches `toEventId`. */
  nextPageToken: Uint8Array;
}

/** Reads events [fromEventId, toEventId) of a run, one page at a time. */
export async function readHistoryPage(
  store: Store,
  key: ExecutionKey,
  fromEventId: number,
  toEventId: number,
  pageSize: number,
): Promise<HistoryPage> {
  const size = pageSize > 0 ? pageSize : DEFAULT_HISTORY_PAGE_SIZE;
  const events = fromEventId < toEventId ? await store.readHistory(key, fromEventId, toEventId, size) : [];
  const last = events.length > 0 ? events[events.length - 1]!.eventId : fromEventId - 1;
  const nextPageToken =
    last + 1 < toEventId ? encodePageToken({ runId: key.runId, nextEventId: last + 1, lastEventId: toEventId - 1 }) : new Uint8Array();
  return { events, nextPageToken };
}

export function encodePageToken(token: HistoryPageToken): Uint8Array {
  return HistoryPageToken.encode(token).finish();
}

export function decodePageToken(bytes: Uint8Array): HistoryPageToken | undefined {
  try {
    const token = HistoryPageToken.decode(bytes);
    return token.nextEventId > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}
