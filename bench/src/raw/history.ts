import { HistoryEventFilterType } from '@kairos/proto/temporal/api/enums/v1/workflow';
import type { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import type { DriverClient } from './grpcClient';
import { firstValue } from './payloads';

export interface RunRef {
  namespace: string;
  workflowId: string;
  runId: string;
}

/** The rest of a history from `nextPageToken` on (a poll response or a first page that was cut). */
export async function readRemainingPages(client: DriverClient, run: RunRef, events: HistoryEvent[], nextPageToken: Uint8Array): Promise<HistoryEvent[]> {
  let token = nextPageToken;
  while (token.length > 0) {
    const page = await client.start('getWorkflowExecutionHistory', { namespace: run.namespace, execution: { workflowId: run.workflowId, runId: run.runId }, nextPageToken: token }).result;
    events.push(...(page.history?.events ?? []));
    token = page.nextPageToken;
  }
  return events;
}

/** A run's whole history, page by page. */
export async function readHistory(client: DriverClient, run: RunRef): Promise<HistoryEvent[]> {
  const first = await client.start('getWorkflowExecutionHistory', { namespace: run.namespace, execution: { workflowId: run.workflowId, runId: run.runId } }).result;
  return readRemainingPages(client, run, [...(first.history?.events ?? [])], first.nextPageToken);
}

/**
 * The run's result, waited for as the SDK clients wait: a long poll for the close event
 * (GetWorkflowExecutionHistory, wait_new_event, close-event filter), asked again while it times
 * out empty. Throws unless the run completed.
 */
export async function awaitResult(client: DriverClient, run: RunRef): Promise<unknown> {
  let token = new Uint8Array();
  for (;;) {
    const page = await client.start(
      'getWorkflowExecutionHistory',
      { namespace: run.namespace, execution: { workflowId: run.workflowId, runId: run.runId }, waitNewEvent: true, historyEventFilterType: HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT, nextPageToken: token },
      90_000,
    ).result;
    const close = page.history?.events[0];
    if (close) {
      const completed = close.workflowExecutionCompletedEventAttributes;
      if (!completed) throw new Error(`${run.workflowId} closed with event type ${close.eventType}: ${JSON.stringify(close.workflowExecutionFailedEventAttributes?.failure?.message ?? '')}`);
      return firstValue(completed.result);
    }
    token = page.nextPageToken;
  }
}
