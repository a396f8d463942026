import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { WorkerHeartbeat } from '@kairos/proto/temporal/api/worker/v1/message';
import { pageOfWorkers } from './workerPages';

const workers = ['c', 'a', 'd', 'b'].map((key) => WorkerHeartbeat.fromPartial({ workerInstanceKey: key }));
const keys = (page: { workers: WorkerHeartbeat[] }) => page.workers.map((w) => w.workerInstanceKey);
const none = new Uint8Array();

describe('ListWorkers pages', () => {
  it('without a page size: every worker, by instance key, no token', () => {
    const page = pageOfWorkers(workers, 0, none);
    expect(keys(page)).toEqual(['a', 'b', 'c', 'd']);
    expect(page.nextPageToken.length).toBe(0);
    expect(keys(pageOfWorkers(workers, -1, none))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('pages by instance key with Temporal\'s token, the last page without one', () => {
    const first = pageOfWorkers(workers, 3, none);
    expect(keys(first)).toEqual(['a', 'b', 'c']);
    expect(Buffer.from(first.nextPageToken).toString()).toBe('{"l":"c"}');
    const second = pageOfWorkers(workers, 3, first.nextPageToken);
    expect(keys(second)).toEqual(['d']);
    expect(second.nextPageToken.length).toBe(0);
    // A token with no page size: the rest.
    expect(keys(pageOfWorkers(workers, 0, Buffer.from('{"l":"a"}')))).toEqual(['b', 'c', 'd']);
  });

  it('a page that ends exactly at the last worker has no token; a token past the end gives nothing', () => {
    expect(pageOfWorkers(workers, 4, none).nextPageToken.length).toBe(0);
    const past = pageOfWorkers(workers, 2, Buffer.from('{"l":"zz"}'));
    expect(keys(past)).toEqual([]);
    expect(past.nextPageToken.length).toBe(0);
    // The worker the token names may have gone: the page starts after its key anyway.
    expect(keys(pageOfWorkers(workers, 2, Buffer.from('{"l":"bb"}')))).toEqual(['c', 'd']);
  });

  it.each(['garbage', '5', '[]', '{"l":7}'])('a token that is not one of ours is INVALID_ARGUMENT: %s', (token) => {
    expect(() => pageOfWorkers(workers, 2, Buffer.from(token))).toThrow(expect.objectContaining({ code: Status.INVALID_ARGUMENT, message: 'invalid next_page_token' }));
  });
});
