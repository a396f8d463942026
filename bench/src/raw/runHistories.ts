import type { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import type { PollWorkflowTaskQueueResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { DriverClient } from './grpcClient';
import { readHistory, readRemainingPages, type RunRef } from './history';

/**
 * The whole history of the run a workflow task is for. A task from the normal queue brings it all
 * (from event 1); a task from the sticky queue (--sticky) brings only the events since this
 * driver's last task of the run, which are appended to the copy kept here. A gap (the copy was
 * dropped, or another worker ran the run meanwhile) is filled by reading the history again.
 */
export class RunHistories {
  private readonly runs = new Map<string, HistoryEvent[]>();
  /** How the tasks' histories came: whole, partial (completed from the kept copy), or read again. */
  readonly counts = { whole: 0, partial: 0, reread: 0 };

  async whole(client: DriverClient, run: RunRef, task: PollWorkflowTaskQueueResponse): Promise<HistoryEvent[]> {
    const events = await readRemainingPages(client, run, [...(task.history?.events ?? [])], task.nextPageToken);
    if (events[0]?.eventId === 1) {
      this.counts.whole++;
      return events;
    }
    const kept = this.runs.get(run.runId);
    if (kept && events.length && kept[kept.length - 1]!.eventId + 1 === events[0]!.eventId) {
      this.counts.partial++;
      return kept.concat(events);
    }
    this.counts.reread++;
    return readHistory(client, run);
  }

  /** Keeps the history a task was answered from, for the run's next (partial) task. */
  remember(runId: string, events: HistoryEvent[]): void {
    this.runs.set(runId, events);
  }

  forget(runId: string): void {
    this.runs.delete(runId);
  }
}
