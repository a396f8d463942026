import { setting } from '@kairos/common/settings';
import { notFound, unavailable, workflowNotFound } from '@kairos/common/errors';
import { UpdateWorkflowExecutionLifecycleStage as Stage } from '@kairos/proto/temporal/api/enums/v1/update';
import type { Outcome } from '@kairos/proto/temporal/api/update/v1/message';
import {
  PollWorkflowExecutionUpdateResponse,
  UpdateWorkflowExecutionResponse,
  type PollWorkflowExecutionUpdateRequest,
  type UpdateWorkflowExecutionRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type { ExecutionKey } from '@kairos/persistence/store';
import type { HistoryContext } from '../context';
import { executionKeyString } from '../../shard/executionManager';
import type { RunTransaction } from '../../workflow/runTransaction';
import { WorkflowExecutionStatus } from '../../workflow/protos';
import { ACCEPTED_UPDATE_COMPLETED_WORKFLOW_FAILURE, admitWorkflowUpdate } from '../../workflow/updates';

/** Times an update follows the workflow id to the run that continued the one it was admitted to. */
const MAX_RUN_HOPS = setting('history.updateMaxRunHops');

/** Where an update stands, as the APIs answer it. */
type Reached = { stage: Stage; outcome?: Outcome } | 'moved-to-next-run';

/**
 * UpdateWorkflowExecution: admits the update to the run (or finds it, by update id), makes sure a
 * workflow task will carry it to a worker, and waits up to the long-poll interval for the stage
 * asked for; a caller answered with an earlier stage asks again (ADMITTED) or polls (ACCEPTED).
 */
export async function updateRun(
  ctx: HistoryContext,
  namespaceId: string,
  request: UpdateWorkflowExecutionRequest,
  signal?: AbortSignal,
): Promise<UpdateWorkflowExecutionResponse> {
  const updateId = request.request!.meta!.updateId;
  const workflowId = request.workflowExecution!.workflowId;
  const explicitRunId = request.workflowExecution?.runId;
  const deadline = Date.now() + ctx.longPollMs;
  for (let hop = 0; ; hop++) {
    const key = await ctx.executions.resolveRunId(namespaceId, workflowId, explicitRunId);
    await ctx.executions.transact(key, (run) => admit(ctx, key, run, request));
    const reached = await waitForStage(ctx, key, updateId, request.waitPolicy?.lifecycleStage ?? Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED, deadline, signal);
    if (reached === 'moved-to-next-run') {
      // Temporal retries an update the run did not see before it continued on the new run.
      if (!explicitRunId && hop < MAX_RUN_HOPS) continue;
      throw notFound('workflow execution already completed');
    }
    return UpdateWorkflowExecutionResponse.fromPartial({
      updateRef: { workflowExecution: { workflowId, runId: key.runId }, updateId },
      outcome: reached.outcome,
      stage: reached.stage,
    });
  }
}

function admit(ctx: HistoryContext, key: ExecutionKey, run: RunTransaction, request: UpdateWorkflowExecutionRequest): void {
  const updateRequest = request.request!;
  const updateId = updateRequest.meta!.updateId;
  if (request.firstExecutionRunId && run.info.firstExecutionRunId !== request.firstExecutionRunId) throw workflowNotFound();
  const existing = run.state.updates[updateId];
  if (!run.isOpen) {
    run.discard();
    // A closed run still answers for an update it completed.
    if (existing?.completedEventId) return;
    throw notFound('workflow execution already completed');
  }
  if (existing) {
    run.discard();
    return;
  }
  admitWorkflowUpdate(run, updateRequest);
  // The same id after a rejection is a new update.
  run.afterCommit.push(() => ctx.updateOutcomes.forget(executionKeyString(key), updateId));
}

/**
 * PollWorkflowExecutionUpdate: waits (up to the long-poll interval) for an update the run knows
 * to reach the stage asked for; with no stage it answers at once with the stage reached.
 */
export async function pollUpdate(
  ctx: HistoryContext,
  namespaceId: string,
  request: PollWorkflowExecutionUpdateRequest,
  signal?: AbortSignal,
): Promise<PollWorkflowExecutionUpdateResponse> {
  const ref = request.updateRef!;
  const key = await ctx.executions.resolveRunId(namespaceId, ref.workflowExecution!.workflowId, ref.workflowExecution?.runId);
  const snapshot = await ctx.executions.read(key);
  if (!snapshot) throw workflowNotFound();
  if (!snapshot.mutableState.updates[ref.updateId] && !ctx.updateOutcomes.endOf(executionKeyString(key), ref.updateId)) {
    throw notFound(`update "${ref.updateId}" not found`);
  }
  const reached = await waitForStage(ctx, key, ref.updateId, request.waitPolicy?.lifecycleStage ?? Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED, Date.now() + ctx.longPollMs, signal);
  if (reached === 'moved-to-next-run') throw notFound('workflow update was aborted by closing workflow');
  return PollWorkflowExecutionUpdateResponse.fromPartial({
    updateRef: { workflowExecution: { workflowId: key.workflowId, runId: key.runId }, updateId: ref.updateId },
    outcome: reached.outcome,
    stage: reached.stage,
  });
}

/**
 * Re-reads the run until the update reaches `wanted` (or ends), the deadline passes (answering
 * the stage reached) or the caller goes away. A rejection answers COMPLETED with the rejection as
 * the failure, as Temporal does.
 */
async function waitForStage(ctx: HistoryContext, key: ExecutionKey, updateId: string, wanted: Stage, deadline: number, signal?: AbortSignal): Promise<Reached> {
  const keyString = executionKeyString(key);
  for (;;) {
    const snapshot = await ctx.executions.read(key);
    if (!snapshot) throw workflowNotFound();
    const state = snapshot.mutableState;
    const open = state.executionInfo!.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    const info = state.updates[updateId];
    let reached: Stage = Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;
    if (info?.completedEventId) {
      return { stage: Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED, outcome: await completedOutcome(ctx, key, info.completedEventId) };
    } else if (info?.acceptedEventId) {
      // Accepted, and the run ended before the update did: Temporal's failure, not an error.
      if (!open) return { stage: Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED, outcome: { failure: ACCEPTED_UPDATE_COMPLETED_WORKFLOW_FAILURE } };
      reached = Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
    } else if (!info) {
      const end = ctx.updateOutcomes.endOf(keyString, updateId);
      if (end && 'rejection' in end) return { stage: Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED, outcome: { failure: end.rejection } };
      if (end) throw end.error;
      if (!open && (await continuedInNewRun(ctx, key))) return 'moved-to-next-run';
      // Ended where this instance could not see it (e.g. the shard moved): the caller retries.
      throw unavailable('workflow update was aborted');
    } else if (!open) {
      if (await continuedInNewRun(ctx, key)) return 'moved-to-next-run';
      throw notFound('workflow update was aborted by closing workflow');
    }
    if (wanted === Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED || reached >= wanted) return { stage: reached };
    const remaining = deadline - Date.now();
    if (remaining <= 0 || signal?.aborted) return { stage: reached };
    await ctx.waiter.wait(keyString, Math.min(remaining, setting('history.waitRecheck')), signal).promise;
  }
}

async function completedOutcome(ctx: HistoryContext, key: ExecutionKey, completedEventId: number): Promise<Outcome | undefined> {
  const [event] = await ctx.executions.readHistory(key, completedEventId, completedEventId + 1, 1);
  return event?.workflowExecutionUpdateCompletedEventAttributes?.outcome;
}

/** Whether the closed run `key` was followed by a run of the same chain that is now current. */
async function continuedInNewRun(ctx: HistoryContext, key: ExecutionKey): Promise<boolean> {
  const current = await ctx.store.getCurrentExecution(key.namespaceId, key.workflowId);
  if (!current || current.runId === key.runId) return false;
  const closed = await ctx.executions.read(key);
  return current.firstExecutionRunId === closed?.mutableState.executionInfo?.firstExecutionRunId;
}
