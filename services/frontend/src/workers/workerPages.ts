import { invalidArgument } from '@kairos/common/errors';
import type { WorkerHeartbeat } from '@kairos/proto/temporal/api/worker/v1/message';

export interface WorkerPage {
  workers: WorkerHeartbeat[];
  /** Empty when there is no further page. */
  nextPageToken: Uint8Array;
}

/** The page token, as Temporal writes it: `{"l": <the last worker instance key given>}`. */
function cursorOf(token: Uint8Array): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token).toString('utf8'));
  } catch {
    throw invalidArgument('invalid next_page_token');
  }
  if (parsed === null) return '';
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidArgument('invalid next_page_token');
  const last = (parsed as { l?: unknown }).l;
  if (last !== undefined && typeof last !== 'string') throw invalidArgument('invalid next_page_token');
  return last ?? '';
}

/**
 * A page of workers ordered by instance key, after the key the token names, as Temporal pages
 * its registry: a page size of 0 or less is no limit, and a token past the last worker gives an
 * empty page. (Without a page size Temporal answers in no particular order; Kairos sorts anyway.)
 */
export function pageOfWorkers(heartbeats: WorkerHeartbeat[], pageSize: number, nextPageToken: Uint8Array): WorkerPage {
  const sorted = [...heartbeats].sort((a, b) => (a.workerInstanceKey < b.workerInstanceKey ? -1 : a.workerInstanceKey > b.workerInstanceKey ? 1 : 0));
  const cursor = nextPageToken.length > 0 ? cursorOf(nextPageToken) : '';
  const start = cursor === '' ? 0 : sorted.findIndex((hb) => hb.workerInstanceKey > cursor);
  if (start < 0) return { workers: [], nextPageToken: new Uint8Array() };
  const end = pageSize > 0 ? Math.min(start + pageSize, sorted.length) : sorted.length;
  const workers = sorted.slice(start, end);
  const more = end < sorted.length && workers.length > 0;
  return {
    workers,
    nextPageToken: more ? Buffer.from(JSON.stringify({ l: workers[workers.length - 1]!.workerInstanceKey })) : new Uint8Array(),
  };
}
