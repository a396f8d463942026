import { resetEventIdOutOfRange, resetPointInsideBatch, runNotFound } from '@kairos/common/errors';
import { newRunId } from '@kairos/domain';
import type { ExecutionKey } from '@kairos/persistence/store';
import type { ResetWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { HistoryContext } from './context';
import { terminateRun } from '../workflow/closeRun';
import { RunTransaction } from '../workflow/runTransaction';
import { rebuildMutableState } from '../workflow/stateRebuilder';
import {
  failWorkflowTaskForReset,
  reapplyEvents,
  reapplyExclusions,
  rearmPendingWork,
  RESETTER_IDENTITY,
  scheduleWorkflowTaskAfterReset,
} from '../workflow/reset';
import type { HistoryEvent } from '../workflow/protos';

/**
 * ResetWorkflowExecution, as Temporal's resetworkflow API and workflowResetter: a new run of the
 * workflow id whose history is the base run's events before the reset point (copied), then the
 * reset's own events; the current run, if still running, is terminated; all in one write.
 */
export async function resetWorkflowExecution(ctx: HistoryContext, namespaceId: string, request: ResetWorkflowExecutionRequest): Promise<{ runId: string }> {
  const workflowId = request.workflowExecution?.workflowId ?? '';
  const baseKey = await ctx.executions.resolveRunId(namespaceId, workflowId, request.workflowExecution?.runId);
  const baseSnapshot = await ctx.executions.read(baseKey);
  if (!baseSnapshot) throw runNotFound(baseKey.workflowId, baseKey.runId);
  const finishEventId = request.workflowTaskFinishEventId;
  const baseNextEventId = baseSnapshot.mutableState.nextEventId;
  if (finishEventId <= 1 || finishEventId >= baseNextEventId) throw resetEventIdOutOfRange();

  const current = await ctx.store.getCurrentExecution(namespaceId, workflowId);
  // Temporal's dedup: a request id equal to the current run's create request id answers that run
  // (a reset run keeps the start request id of the run it was rebuilt from).
  if (current && current.startRequestId === request.requestId) return { runId: current.runId };

  // The base run's history in write batches: the reset point must end one (Temporal's rebuilder).
  const batches = await ctx.executions.readHistoryBatches(baseKey, 1, baseNextEventId, 0);
  const kept: HistoryEvent[] = [];
  const after: HistoryEvent[] = [];
  for (const batch of batches) (batch[0]!.eventId < finishEventId ? kept : after).push(...batch);
  if (kept.at(-1)?.eventId !== finishEventId - 1) throw resetPointInsideBatch(finishEventId - 1);
  // Temporal reapplies from the base run after the reset point, then along its continue-as-new chain.
  const chain = await continuedRunsEvents(ctx, baseKey, after.at(-1), current?.runId);
  const reapply = [...after, ...chain.events];

  const exclude = reapplyExclusions(request.resetReapplyExcludeTypes, request.resetReapplyType);
  const resetRunId = newRunId();
  await ctx.executions.reset(baseKey, current?.runId, async (base, currentRun) => {
    // Events the base run got since it was read above (a running base is the current run, so
    // no continued run follows them).
    if (base.state.nextEventId > baseNextEventId) reapply.push(...(await ctx.executions.readHistory(baseKey, baseNextEventId, base.state.nextEventId, 0)));
    base.info.resetRunId = resetRunId;
    const reapplyFromCurrent: HistoryEvent[] = [];
    if (currentRun?.isOpen) {
      terminateRun(currentRun, request.reason, undefined, RESETTER_IDENTITY);
      // What the termination wrote (signals buffered during a workflow task) is reapplied too.
      reapplyFromCurrent.push(...currentRun.newEvents);
    }
    const baseInfo = base.info;
    const state = rebuildMutableState(kept, {
      namespaceId,
      workflowId,
      runId: resetRunId,
      now: base.now,
      startRequestId: baseInfo.startRequestId,
      originalStartTime: baseInfo.originalStartTime ?? baseInfo.startTime,
      retentionMs: base.retentionMs,
    });
    state.executionInfo!.scheduledBy = baseInfo.scheduledBy;
    const next = new RunTransaction(state, base.now, base.limits, base.retentionMs);
    // The copied events keep their batches; the reset's own events begin another.
    next.newEvents.push(...kept);
    for (const batch of batches) if (batch[0]!.eventId > 1 && batch[0]!.eventId < finishEventId) next.batchStarts.push(batch[0]!.eventId);
    next.batchStarts.push(finishEventId);
    failWorkflowTaskForReset(next, baseKey.runId, request.reason);
    rearmPendingWork(next, request.reason);
    reapplyEvents(next, [...reapply, ...(chain.lastVisitedRunId === current?.runId ? reapplyFromCurrent : [])], exclude);
    scheduleWorkflowTaskAfterReset(next);
    return next;
  });
  return { runId: resetRunId };
}

/**
 * The events of the runs that continued the base run (continue-as-new, retries, cron), in order,
 * up to the current run; a run that no longer exists ends the chain. Also says which run it reached.
 */
async function continuedRunsEvents(ctx: HistoryContext, baseKey: ExecutionKey, lastEvent: HistoryEvent | undefined, currentRunId: string | undefined): Promise<{ events: HistoryEvent[]; lastVisitedRunId: string }> {
  const events: HistoryEvent[] = [];
  let lastVisitedRunId = baseKey.runId;
  const visited = new Set<string>();
  let nextRunId = lastEvent?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? '';
  while (nextRunId && !visited.has(nextRunId)) {
    visited.add(nextRunId);
    const key = { ...baseKey, runId: nextRunId };
    const snapshot = await ctx.executions.read(key);
    if (!snapshot) break;
    const runEvents = await ctx.executions.readHistory(key, 1, snapshot.mutableState.nextEventId, 0);
    events.push(...runEvents);
    lastVisitedRunId = nextRunId;
    if (nextRunId === currentRunId) break;
    nextRunId = runEvents.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? '';
  }
  return { events, lastVisitedRunId };
}
