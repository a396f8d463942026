import type { VisibilityRecord, VisibilityValue } from './visibilityStore';
import { VISIBILITY_COLUMNS } from './visibilityTable';

/**
 * How a visibility record becomes column values and a selected row a record again, the same for
 * both stores. The SQL of queries is @kairos/visibility's (buildListQuery / buildCountQuery).
 */

/** The search attributes as the JSON the table holds; NULL when there are none. */
function searchAttributesJson(record: VisibilityRecord): string | null {
  const entries = Object.entries(record.searchAttributes ?? {}).filter(([, v]) => v !== null && v !== undefined);
  return entries.length === 0 ? null : JSON.stringify(Object.fromEntries(entries));
}

/** Column values of a record, in VISIBILITY_COLUMNS order (search_attributes as JSON text). */
export function visibilityValues(record: VisibilityRecord, asBytes: (b: Uint8Array) => unknown = (b) => b): unknown[] {
  const row: Record<string, unknown> = {
    namespace_id: record.namespaceId,
    run_id: record.runId,
    workflow_id: record.workflowId,
    workflow_type: record.workflowType,
    status: record.status,
    start_time: record.startTime.getTime(),
    close_time: record.closeTime ? record.closeTime.getTime() : null,
    execution_time: record.executionTime.getTime(),
    task_queue: record.taskQueue,
    history_length: record.historyLength,
    history_size_bytes: record.historySizeBytes,
    parent_workflow_id: record.parentWorkflowId ?? null,
    parent_run_id: record.parentRunId ?? null,
    root_workflow_id: record.rootWorkflowId,
    root_run_id: record.rootRunId,
    memo: record.memo && record.memo.length > 0 ? asBytes(record.memo) : null,
    search_attributes: searchAttributesJson(record),
  };
  return VISIBILITY_COLUMNS.map((column) => {
    if (!(column in row)) throw new Error(`no value for visibility column ${column}`);
    return row[column];
  });
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v));
const optional = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** A selected row (SQLite: search_attributes as JSON text; PostgreSQL: parsed jsonb) as a record. */
export function visibilityRecordOf(row: Record<string, unknown>): VisibilityRecord {
  const raw = row.search_attributes;
  const attributes = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, VisibilityValue> | null | undefined;
  const memo = row.memo as Uint8Array | null | undefined;
  const record: VisibilityRecord = {
    namespaceId: String(row.namespace_id),
    workflowId: String(row.workflow_id),
    runId: String(row.run_id),
    workflowType: String(row.workflow_type),
    status: num(row.status),
    startTime: new Date(num(row.start_time)),
    executionTime: new Date(num(row.execution_time)),
    taskQueue: String(row.task_queue),
    historyLength: num(row.history_length),
    historySizeBytes: num(row.history_size_bytes),
    rootWorkflowId: String(row.root_workflow_id),
    rootRunId: String(row.root_run_id),
  };
  if (row.close_time !== null && row.close_time !== undefined) record.closeTime = new Date(num(row.close_time));
  const parentWorkflowId = optional(row.parent_workflow_id);
  if (parentWorkflowId !== undefined) record.parentWorkflowId = parentWorkflowId;
  const parentRunId = optional(row.parent_run_id);
  if (parentRunId !== undefined) record.parentRunId = parentRunId;
  if (memo && memo.length > 0) record.memo = new Uint8Array(memo.buffer, memo.byteOffset, memo.byteLength);
  if (attributes && typeof attributes === 'object') {
    const kept = Object.entries(attributes).filter(([, v]) => v !== null && v !== undefined);
    if (kept.length > 0) record.searchAttributes = Object.fromEntries(kept);
  }
  return record;
}
