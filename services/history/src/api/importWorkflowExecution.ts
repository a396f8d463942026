import { importedHistoryRefused, importedRunExists } from '@kairos/common/errors';
import { isValidUuid, newRunId } from '@kairos/domain';
import { ConditionFailedError, CurrentExecutionConflictError } from '@kairos/persistence/errors';
import type { ImportWorkflowExecutionRequest, ImportWorkflowExecutionResponse } from '@kairos/proto/kairos/historyservice/v1/request_response';
import type { HistoryContext } from './context';
import { ImportedHistoryRefused, importedRun } from '../workflow/importedRun';

/**
 * Keeps an exported history as a closed, read-only run under the given workflow id, with the run
 * id its started event records (a new one when it has none). The run becomes the workflow id's
 * current run only when the id has none; otherwise the current run is left alone.
 */
export async function importWorkflowExecution(ctx: HistoryContext, request: ImportWorkflowExecutionRequest): Promise<ImportWorkflowExecutionResponse> {
  const { namespaceId, workflowId } = request;
  const events = request.history?.events ?? [];
  const recordedRunId = events[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId ?? '';
  const runId = isValidUuid(recordedRunId) ? recordedRunId : newRunId();
  const key = { namespaceId, workflowId, runId };
  let run;
  try {
    run = importedRun(namespaceId, workflowId, runId, events, new Date(), await ctx.executions.namespaceRetentionMs(namespaceId));
  } catch (err) {
    if (err instanceof ImportedHistoryRefused) throw importedHistoryRefused(err.message);
    throw err;
  }
  const current = await ctx.store.getCurrentExecution(namespaceId, workflowId);
  const record = { namespaceId, workflowId, runId, firstExecutionRunId: run.info.firstExecutionRunId, startRequestId: '', status: run.info.status };
  try {
    await ctx.executions.create(key, run, current ? undefined : { mode: 'create', record });
  } catch (err) {
    if (err instanceof ConditionFailedError) throw importedRunExists(workflowId, runId);
    // Another run took the workflow id meanwhile: keep the import beside it.
    if (err instanceof CurrentExecutionConflictError) return importWorkflowExecution(ctx, request);
    throw err;
  }
  return { runId };
}
