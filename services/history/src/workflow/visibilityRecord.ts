import { typedSearchAttributes, type SearchAttributeType } from '@kairos/domain';
import type { VisibilityRecord } from '@kairos/persistence/store';
import { Memo } from '@kairos/proto/temporal/api/common/v1/message';
import type { RunTransaction } from './runTransaction';
import { WorkflowExecutionStatus } from './protos';

/**
 * Whether a committed transaction changes what ListWorkflowExecutions shows of its run: the run was
 * created (`created`), closed, or had its search attributes or memo upserted.
 */
export function changesVisibility(run: RunTransaction, created: boolean): boolean {
  return created || run.closed || run.visibilityChanged;
}

/**
 * Whether writing the visibility rows of this commit needs the namespace's search attribute types:
 * only when a row is written for a run that has search attributes (the transaction's own run, or the
 * successor of a continue-as-new, which is always written).
 */
export function needsSearchAttributeTypes(run: RunTransaction, created: boolean): boolean {
  const hasAttributes = (u: RunTransaction) => Object.keys(u.info.searchAttributes?.indexedFields ?? {}).length > 0;
  const next = run.continuedRun;
  return (changesVisibility(run, created) && hasAttributes(run)) || (next !== undefined && hasAttributes(next));
}

/** The types when none are needed. */
export const NO_SEARCH_ATTRIBUTE_TYPES: ReadonlyMap<string, SearchAttributeType> = new Map();

/**
 * The run's visibility row as the transaction leaves it (written in the same transaction). Search
 * attributes are decoded with the namespace's registered types (`custom`) and the predefined ones.
 */
export function visibilityRecordOf(run: RunTransaction, custom: ReadonlyMap<string, SearchAttributeType>): VisibilityRecord {
  const info = run.info;
  const startTime = info.startTime ?? run.now;
  const record: VisibilityRecord = {
    namespaceId: info.namespaceId,
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.workflowTypeName,
    status: info.status,
    startTime,
    executionTime: info.executionTime ?? startTime,
    taskQueue: info.taskQueue?.name ?? '',
    historyLength: run.state.nextEventId - 1,
    historySizeBytes: info.historySizeBytes,
    // A run without a parent is the root of its own tree.
    rootWorkflowId: info.workflowId,
    rootRunId: info.runId,
  };
  const parent = info.parent;
  if (parent?.execution?.workflowId) {
    record.parentWorkflowId = parent.execution.workflowId;
    record.parentRunId = parent.execution.runId;
    const root = parent.rootExecution?.workflowId ? parent.rootExecution : parent.execution;
    record.rootWorkflowId = root.workflowId;
    record.rootRunId = root.runId;
  }
  if (info.status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) record.closeTime = info.closeTime ?? run.now;
  if (info.memo && Object.keys(info.memo.fields).length > 0) record.memo = Memo.encode(info.memo).finish();
  const searchAttributes = typedSearchAttributes(info.searchAttributes?.indexedFields, custom);
  if (Object.keys(searchAttributes).length > 0) record.searchAttributes = searchAttributes;
  return record;
}
