import { Status } from 'nice-grpc-common';
import { isApiError } from '@kairos/common/errors';
import type { HistoryClient } from '@kairos/cluster';
import type { ExecutionManager } from '../shard/executionManager';
import { TransferTaskKind, WorkflowExecutionStatus } from '../workflow/protos';
import type { RunTransaction } from '../workflow/runTransaction';
import type { ScheduledStart, ScheduleRecord } from '@kairos/proto/kairos/persistence/v1/executions';
import {
  clearReplacementRequest,
  inheritedByStart,
  recordScheduledStart,
  replacementRequested,
  scheduledStartRequest,
  schedulerIdentity,
} from '../workflow/schedules';

const code = (err: unknown) => (isApiError(err) ? err.code : (err as { code?: number }).code);

/**
 * Refusals that another attempt would only repeat (the workflow id taken by a run the schedule did
 * not start, an action the namespace no longer accepts): the start is dropped, as Temporal's
 * scheduler drops a start that keeps failing. Anything else is retried with the task.
 */
const DROPPED_START_CODES = new Set([Status.ALREADY_EXISTS, Status.INVALID_ARGUMENT, Status.NOT_FOUND, Status.FAILED_PRECONDITION, Status.PERMISSION_DENIED]);

type Key = { namespaceId: string; workflowId: string; runId: string };

/** Starts one decided start; undefined when the start was refused for good (it is dropped). */
async function startOne(history: () => HistoryClient, key: Key, record: ScheduleRecord, start: ScheduledStart): Promise<{ runId: string; startTime: Date } | undefined> {
  try {
    const response = await history().startWorkflowExecution({
      namespaceId: key.namespaceId,
      request: scheduledStartRequest(record, start),
      parent: undefined,
      // Only the tracked (non-overlapping) start reports its close: ALLOW_ALL runs are not
      // watched by Temporal's scheduler either.
      scheduledBy: start.nonOverlapping ? { schedulerWorkflowId: key.workflowId } : undefined,
      ...inheritedByStart(record, start),
    });
    return { runId: response.response!.runId, startTime: new Date() };
  } catch (err) {
    if (!DROPPED_START_CODES.has(code(err) as Status)) throw err;
    return undefined;
  }
}

/**
 * Carries out the starts a wake-up just decided inside its own transaction, so one write records
 * the wake-up and the runs it started (the common case costs one schedule write, not three). A start
 * that fails for a reason worth retrying stays pending: the SCHEDULE_ACTIONS transfer task written
 * with the wake-up retries it. A crash before the commit leaves the timer, which fires again and
 * decides the same starts with the same request ids, finding the runs already started.
 */
export async function startDecidedInline(history: () => HistoryClient, key: Key, run: RunTransaction): Promise<void> {
  const record = run.state.schedule;
  if (!record) return;
  try {
    for (let start = record.pendingStarts[0]; start; start = record.pendingStarts[0]) {
      if (!recordScheduledStart(run, start.requestId, await startOne(history, key, record, start))) break;
    }
  } catch {
    return; // left to the transfer task
  }
  if (record.pendingStarts.length === 0 && !replacementRequested(record)) {
    const kept = run.transferTasks.filter((t) => t.kind !== TransferTaskKind.TRANSFER_TASK_KIND_SCHEDULE_ACTIONS);
    run.transferTasks.splice(0, run.transferTasks.length, ...kept);
  }
}

/**
 * A schedule's SCHEDULE_ACTIONS task: starts its decided starts one by one (each with its fixed
 * request id, so a re-run finds the run it started instead of starting another), recording each in
 * the schedule; then cancels or terminates its running workflows when the overlap policy asked.
 */
export async function runScheduleActions({ executions, history }: { executions: ExecutionManager; history: () => HistoryClient }, key: Key): Promise<void> {
  for (;;) {
    const state = (await executions.read(key))?.mutableState;
    const record = state?.executionInfo?.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING ? state.schedule : undefined;
    const start = record?.pendingStarts[0];
    if (!record || !start) break;
    const started = await startOne(history, key, record, start);
    const recorded = await executions.transact(key, (run) => {
      const done = recordScheduledStart(run, start.requestId, started);
      if (!done) run.discard();
      return done;
    });
    if (!recorded) break;
  }
  const record = (await executions.read(key))?.mutableState.schedule;
  const replace = record && replacementRequested(record);
  if (!record || !replace) return;
  const request = (execution: { workflowId: string; runId: string }) => ({ namespace: record.namespace, workflowExecution: execution, identity: schedulerIdentity(record), firstExecutionRunId: '', links: [] });
  for (const running of record.info?.runningWorkflows ?? []) {
    // Aimed at the chain the schedule started: its current run, whatever it is now.
    const execution = { workflowId: running.workflowId, runId: '' };
    const call =
      replace === 'terminate'
        ? history().terminateWorkflowExecution({ namespaceId: key.namespaceId, request: { ...request(execution), reason: 'terminated by schedule overlap policy', details: undefined } })
        : history().requestCancelWorkflowExecution({
            namespaceId: key.namespaceId,
            request: { ...request(execution), requestId: `${key.runId}-cancel-${running.runId}`, reason: 'cancelled by schedule overlap policy' },
            externalWorkflowExecution: undefined,
            externalInitiatedEventId: 0,
          });
    await call.catch((err: unknown) => {
      if (code(err) !== Status.NOT_FOUND) throw err;
    });
  }
  await executions.transact(key, (run) => {
    if (!clearReplacementRequest(run)) run.discard();
  });
}
