import { setting } from '@kairos/common/settings';
import { withTypeMetadata, type SearchAttributeType } from '@kairos/domain';
import type { ExecutionKey, ExecutionStore, NamespaceStore } from '@kairos/persistence/store';
import { HistoryEvent, HistoryPageToken, type History } from '../../workflow/protos';

/**
 * Page size when a request leaves it to the server (Temporal's default). Like Temporal, a page
 * size counts batches (the events of one write), and a batch is never split across pages.
 */
export const DEFAULT_HISTORY_PAGE_SIZE = setting('history.defaultHistoryPageSize');

/**
 * Puts `events` into a response as they are. fromPartial would copy each event, and a copy is
 * encoded again where the shared one answers with its stored bytes (rememberEncoding).
 */
export function withHistory<T extends { history?: History | undefined }>(response: T, events: HistoryEvent[]): T {
  response.history = { events };
  return response;
}

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
  store: Pick<ExecutionStore, 'readHistoryBatches'> & { store?: Pick<NamespaceStore, 'getSearchAttributes'> },
  key: ExecutionKey,
  fromEventId: number,
  toEventId: number,
  pageSize: number,
): Promise<HistoryPage> {
  const size = pageSize > 0 ? pageSize : DEFAULT_HISTORY_PAGE_SIZE;
  const batches = fromEventId < toEventId ? await store.readHistoryBatches(key, fromEventId, toEventId, size) : [];
  const events = await withSearchAttributeTypes(batches.flat(), key.namespaceId, store.store);
  const last = events.length > 0 ? events[events.length - 1]!.eventId : fromEventId - 1;
  const more = last + 1 < toEventId || batches.length === size;
  const nextPageToken = more ? encodePageToken({ runId: key.runId, nextEventId: last + 1, lastEventId: toEventId - 1 }) : new Uint8Array();
  return { events, nextPageToken };
}

type SearchAttributesEventField =
  | 'workflowExecutionStartedEventAttributes'
  | 'workflowExecutionContinuedAsNewEventAttributes'
  | 'startChildWorkflowExecutionInitiatedEventAttributes'
  | 'upsertWorkflowSearchAttributesEventAttributes';
const SEARCH_ATTRIBUTES_EVENT_FIELDS: SearchAttributesEventField[] = [
  'workflowExecutionStartedEventAttributes',
  'workflowExecutionContinuedAsNewEventAttributes',
  'startChildWorkflowExecutionInitiatedEventAttributes',
  'upsertWorkflowSearchAttributesEventAttributes',
];

function untypedSearchAttributes(event: HistoryEvent): SearchAttributesEventField | undefined {
  for (const field of SEARCH_ATTRIBUTES_EVENT_FIELDS) {
    const fields = event[field]?.searchAttributes?.indexedFields;
    if (fields && Object.values(fields).some((p) => p.metadata?.type === undefined)) return field;
  }
  return undefined;
}

/**
 * As Temporal's history reads (ProcessOutgoingSearchAttributes): search attribute payloads of the
 * events that carry them get the `type` metadata of their registered type when they lack it.
 * Events are shared with the execution cache, so changed ones are copies.
 */
export async function withSearchAttributeTypes(
  events: HistoryEvent[],
  namespaceId: string,
  registry: Pick<NamespaceStore, 'getSearchAttributes'> | undefined,
): Promise<HistoryEvent[]> {
  if (!registry || !events.some((e) => untypedSearchAttributes(e))) return events;
  let custom: ReadonlyMap<string, SearchAttributeType> | undefined;
  const out: HistoryEvent[] = [];
  for (const event of events) {
    const field = untypedSearchAttributes(event);
    if (!field) {
      out.push(event);
      continue;
    }
    custom ??= await registry.getSearchAttributes(namespaceId);
    const attributes = event[field]!;
    out.push({ ...event, [field]: { ...attributes, searchAttributes: withTypeMetadata(attributes.searchAttributes, custom) } });
  }
  return out;
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
