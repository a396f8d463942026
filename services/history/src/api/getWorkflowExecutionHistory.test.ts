import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { GetWorkflowExecutionHistoryRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { getWorkflowExecutionHistory } from './getWorkflowExecutionHistory';
import { HistoryWaiter } from './shared/historyWaiter';
import { executionKeyString } from '../shard/executionManager';
import { EventType, HistoryEventFilterType, MutableState, WorkflowExecutionStatus } from '../workflow/protos';
import { newHistoryEvent } from '../workflow/newHistoryEvent';

const key = { namespaceId: 'ns-id', workflowId: 'wf', runId: 'run' };

/** A run (open until `close()`) on a shard this instance holds while `owned` says so; reads are counted. */
function fixture(owned: () => boolean) {
  let status = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  let reads = 0;
  const waiter = new HistoryWaiter();
  const closing = newHistoryEvent(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, 5, new Date(), 1, { workflowExecutionCompletedEventAttributes: {} });
  const executions = {
    shards: { shardFor: () => 3, ownedRangeId: () => (owned() ? 7 : undefined) },
    resolveRunId: async () => key,
    read: async () => {
      reads++;
      return { dbVersion: 1, mutableState: MutableState.fromPartial({ nextEventId: status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING ? 5 : 6, executionInfo: { status, completionEventId: 5 } }) };
    },
    readHistory: async () => [closing],
  };
  const ctx = { executions, waiter, longPollMs: 60_000 } as unknown as HistoryContext;
  return {
    ctx,
    waiter,
    reads: () => reads,
    close: () => (status = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED),
  };
}

const waitForClose = GetWorkflowExecutionHistoryRequest.fromPartial({
  namespace: 'ns',
  execution: { workflowId: key.workflowId, runId: key.runId },
  waitNewEvent: true,
  historyEventFilterType: HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
});
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('GetWorkflowExecutionHistory waiting for the close event', () => {
  it('sleeps through changes that do not close the run, and answers the close event when it closes', async () => {
    const run = fixture(() => true);
    const answer = getWorkflowExecutionHistory(run.ctx, key.namespaceId, waitForClose, new AbortController().signal);
    await turn();
    expect(run.reads()).toBe(1);
    run.waiter.changed(executionKeyString(key), false);
    await turn();
    expect(run.reads()).toBe(1);
    run.close();
    run.waiter.changed(executionKeyString(key), true);
    const response = await answer;
    expect(response.history!.events.map((e) => e.eventType)).toEqual([EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]);
    expect(run.reads()).toBe(2);
  });

  it('answers UNAVAILABLE instead of waiting where the shard is not held, also once the shard leaves', async () => {
    const notHere = fixture(() => false);
    await expect(getWorkflowExecutionHistory(notHere.ctx, key.namespaceId, waitForClose, new AbortController().signal)).rejects.toMatchObject({ code: Status.UNAVAILABLE });

    let owned = true;
    const leaving = fixture(() => owned);
    const answer = getWorkflowExecutionHistory(leaving.ctx, key.namespaceId, waitForClose, new AbortController().signal);
    await turn();
    owned = false;
    leaving.waiter.wakeAll(); // what the history service does when a shard is released
    await expect(answer).rejects.toMatchObject({ code: Status.UNAVAILABLE });
  });
});
