import { describe, expect, it } from 'vitest';
import { EventType } from '@kairos/proto/temporal/api/enums/v1/event_type';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { PollWorkflowTaskQueueResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { DriverClient } from './grpcClient';
import { RunHistories } from './runHistories';

const run = { namespace: 'default', workflowId: 'w', runId: 'r' };
const event = (eventId: number) => HistoryEvent.fromPartial({ eventId, eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED }) as HistoryEvent;
const ids = (events: HistoryEvent[]) => events.map((e) => e.eventId);
const task = (from: number, to: number) =>
  PollWorkflowTaskQueueResponse.fromPartial({ history: { events: Array.from({ length: to - from + 1 }, (_, i) => event(from + i)) } }) as PollWorkflowTaskQueueResponse;

/** Answers GetWorkflowExecutionHistory with events 1..n (the run's whole history) and counts the reads. */
function historyServer(n: number) {
  const reads: unknown[] = [];
  const client = {
    start: (method: string, request: unknown) => {
      reads.push([method, request]);
      const response = { history: { events: Array.from({ length: n }, (_, i) => event(i + 1)) }, nextPageToken: new Uint8Array() };
      return { result: Promise.resolve(response), cancel: () => {} };
    },
    close: () => {},
  } as unknown as DriverClient;
  return { client, reads };
}

describe('RunHistories (whole histories for the stateless decider, from sticky partial ones)', () => {
  it('takes a whole history as it comes, completes a partial one from the kept copy, and reads the history again on a gap', async () => {
    const { client, reads } = historyServer(12);
    const histories = new RunHistories();
    const first = await histories.whole(client, run, task(1, 3));
    expect(ids(first)).toEqual([1, 2, 3]);
    histories.remember(run.runId, first);

    expect(ids(await histories.whole(client, run, task(4, 9)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(reads).toHaveLength(0);

    // Events 4..9 were never kept (e.g. another worker ran that task): the copy ends at 3, so 10..12 leave a gap.
    expect(ids(await histories.whole(client, run, task(10, 12)))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(reads).toHaveLength(1);

    histories.forget(run.runId);
    await histories.whole(client, run, task(10, 12));
    expect(reads).toHaveLength(2);
    expect(histories.counts).toEqual({ whole: 1, partial: 1, reread: 2 });
  });
});
