import type { ExecutionKey, Store } from '@kairos/persistence/dist/store';
import { HistoryEvent, HistoryPageToken } from './protos';

/**
 * Page size when a request leaves it to the server (Temporal's default). Like Temporal, a page
 * size counts batches (the events of one write), and a batch is never split across pages.
 */
export const DEFAULT_HISTORY_PAGE_SIZE = 256;

export interface HistoryPage {
  events: HistoryEvent[];
  /** Empty when the page reaches `toEventId`. */
  nextPageToken: Uint8Array;
}

/**
 * Reads events [fromEventId, toEventId) of a run, one page at a time. As Temporal does, a page
 * that was filled to its size carries a token even when it happens to end the history (the next
 * page is then empty).
 */
export async function readHistoryPage(
  store: Pick<Store, 'readHistoryBatches'>,
  key: ExecutionKey,
  fromEventId: number,
  toEventId: number,
  pageSize: number,
): Promise<HistoryPage> {
  const size = pageSize > 0 ? pageSize : DEFAULT_HISTORY_PAGE_SIZE;
  const batches = fromEventId < toEventId ? await store.readHistoryBatches(key, fromEventId, toEventId, size) : [];
  const events = batches.flat();
  const last = events.length > 0 ? events[events.length - 1]!.eventId : fromEventId - 1;
  const more = last + 1 < toEventId || batches.length === size;
  const nextPageToken = more ? encodePageToken({ runId: key.runId, nextEventId: last + 1, lastEventId: toEventId - 1 }) : new Uint8Array();
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
