import { Status } from 'nice-grpc-common';
import { isApiError } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import type { HistoryClient } from '@kairos/cluster';
import { resolveBatchQuery } from '@kairos/domain';
import type { NamespaceStore, VisibilityStore } from '@kairos/persistence/store';
import type { BatchOperationRecord } from '@kairos/proto/kairos/persistence/v1/executions';
import type { ExecutionManager } from '../shard/executionManager';
import { batchOperationFieldOfRecord, failBatchOperation, isCurrentBatchStep, recordBatchStep, retryBatchStep, type BatchStepOutcome } from '../workflow/batchOperations';
import { BATCH_OPERATIONS, type BatchTarget } from './batchOperationKinds';

export interface BatchStepDeps {
  executions: ExecutionManager;
  history: () => HistoryClient;
  /** Where the targets of a query are listed and counted. */
  visibility: VisibilityStore & Pick<NamespaceStore, 'getSearchAttributes'>;
}

type Key = { namespaceId: string; workflowId: string; runId: string };

/** A step is one page of targets: small enough that its calls never hold the shard's timers long. */
const MAX_STEP_TARGETS = 100;
/** Temporal's batcher: attempts on a retryable error before a target counts as failed. */
const MAX_PAGE_ATTEMPTS = 50;
/** A page whose calls failed for a reason worth retrying is tried again after this. */
const PAGE_RETRY_MS = 1_000;

/**
 * Refusals a repeated call would only repeat: the target counts as failed (Temporal's batcher
 * counts it after its retries). NOT_FOUND (closed or gone) counts as done, as in Temporal; anything
 * else is retried with the page, up to Temporal's attempts on a retryable error.
 */
const FAILED_CODES = new Set<number>([Status.INVALID_ARGUMENT, Status.FAILED_PRECONDITION, Status.ALREADY_EXISTS, Status.PERMISSION_DENIED, Status.OUT_OF_RANGE, Status.UNIMPLEMENTED]);

const code = (err: unknown) => (isApiError(err) ? err.code : (err as { code?: number }).code);

interface ListedTargets {
  targets: BatchTarget[];
  totalEstimate?: number;
  pageToken?: Uint8Array;
  targetsDone?: number;
  finished: boolean;
}

/** The step's page of targets: the next page of the query (keyset, so runs closed meanwhile never shift it), or of the given executions. */
async function listTargets(deps: BatchStepDeps, namespaceId: string, record: BatchOperationRecord, pageSize: number): Promise<ListedTargets | { error: string }> {
  const request = record.request!;
  if (!request.visibilityQuery) {
    const all: BatchTarget[] = request.targetExecutions.length
      ? request.targetExecutions.map((e) => ({ workflowId: e.businessId, runId: e.runId }))
      : request.executions.map((e) => ({ workflowId: e.workflowId, runId: e.runId }));
    const targets = all.slice(record.targetsDone, record.targetsDone + pageSize);
    const targetsDone = record.targetsDone + targets.length;
    return { targets, targetsDone, finished: targetsDone >= all.length, totalEstimate: record.estimated ? undefined : all.length };
  }
  const resolved = resolveBatchQuery(record.targetQuery, await deps.visibility.getSearchAttributes(namespaceId));
  if ('error' in resolved) return resolved;
  try {
    const totalEstimate = record.estimated ? undefined : (await deps.visibility.countVisibility(namespaceId, resolved.query)).count;
    const page = await deps.visibility.listVisibility({ namespaceId, query: resolved.query, pageSize, nextPageToken: record.pageToken });
    return {
      targets: page.executions.map((r) => ({ workflowId: r.workflowId, runId: r.runId })),
      totalEstimate,
      pageToken: page.nextPageToken,
      finished: !page.nextPageToken,
    };
  } catch (err) {
    if (err instanceof Error && (err.name === 'QueryParseError' || err.name === 'InvalidPageTokenError')) return { error: err.message };
    throw err;
  }
}

/**
 * Applies the operation to each target, `batcherConcurrency` calls at a time; counts those done,
 * failed, and failed for a reason worth retrying (the store busy, a shard moving, a busy workflow).
 */
async function applyAll(apply: (target: BatchTarget) => Promise<unknown>, targets: BatchTarget[]): Promise<{ succeeded: number; failed: number; retryable: number }> {
  let next = 0;
  let succeeded = 0;
  let failed = 0;
  let retryable = 0;
  const worker = async () => {
    while (next < targets.length) {
      const target = targets[next++]!;
      try {
        await apply(target);
        succeeded++;
      } catch (err) {
        const c = code(err);
        if (c === Status.NOT_FOUND) succeeded++;
        else if (c !== undefined && FAILED_CODES.has(c)) failed++;
        else retryable++;
      }
    }
  };
  const concurrency = Math.max(1, setting('history.batcherConcurrency'));
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  return { succeeded, failed, retryable };
}

/**
 * A BATCH_STEP timer: the next page of targets is listed and the operation applied to each, outside
 * the record's lock (Describe and Stop do not wait for it); then the step's counts and cursor are
 * written with the next step's timer, due when the rate (`batcherRps`) allows, in one write that
 * applies only if the record is still at this step. A crash before that write leaves the timer,
 * and a call that failed for a reason worth retrying re-arms it for the same page: either way the
 * page runs again, and every call is one the target recognises as already made, so no target is
 * changed twice.
 */
export async function runBatchStep(deps: BatchStepDeps, key: Key, fireTime: Date): Promise<void> {
  const state = (await deps.executions.read(key))?.mutableState;
  if (!isCurrentBatchStep(state, fireTime)) return;
  const record = state!.batchOperation!;
  const rps = Math.max(setting('history.batcherRps'), 1);
  const pageSize = Math.max(1, Math.min(Math.floor(rps), MAX_STEP_TARGETS));
  const startedAt = Date.now();
  const listed = await listTargets(deps, key.namespaceId, record, pageSize);
  if ('error' in listed) {
    await deps.executions.transact(key, (run) => {
      if (!failBatchOperation(run, fireTime)) run.discard();
    });
    return;
  }
  const operation = BATCH_OPERATIONS[batchOperationFieldOfRecord(record)];
  const ctx = { history: deps.history(), namespaceId: key.namespaceId, record };
  const { succeeded, failed, retryable } = await applyAll((target) => operation(ctx, target), listed.targets);
  if (retryable > 0 && record.pageAttempts + 1 < MAX_PAGE_ATTEMPTS) {
    await deps.executions.transact(key, (run) => {
      if (!retryBatchStep(run, fireTime, new Date(Date.now() + PAGE_RETRY_MS))) run.discard();
    });
    return;
  }
  const outcome: BatchStepOutcome = {
    ...listed,
    succeeded,
    failed: failed + retryable,
    nextStepAt: new Date(startedAt + Math.ceil((listed.targets.length * 1000) / rps)),
  };
  await deps.executions.transact(key, (run) => {
    if (!recordBatchStep(run, fireTime, outcome)) run.discard();
  });
}
