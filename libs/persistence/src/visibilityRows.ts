import { SEARCH_ATTRIBUTE_TYPES, type Dialect, type SearchAttributeType, type VisibilitySqlOptions } from '@kairos/visibility';
import { SearchAttributeTypeConflictError, TooManySearchAttributesError } from './errors';
import type { VisibilityRecord, VisibilityValue } from './store';

/**
 * What the two stores share about the visibility table: the compiler options, and how a record
 * becomes column values and a row becomes a record again. The SQL of queries is
 * @kairos/visibility's (buildListQuery / buildCountQuery); the stores only run it.
 */

/** The columns of the `visibility` table, in the order `visibilityValues` gives them. */
export const VISIBILITY_COLUMNS = [
  'namespace_id',
  'run_id',
  'workflow_id',
  'workflow_type',
  'status',
  'start_time',
  'close_time',
  'execution_time',
  'task_queue',
  'history_length',
  'history_size_bytes',
  'parent_workflow_id',
  'parent_run_id',
  'root_workflow_id',
  'root_run_id',
  'memo',
  'search_attributes',
] as const;

/** Options for @kairos/visibility: our table also has HistorySizeBytes. */
export function visibilitySqlOptions(dialect: Dialect): VisibilitySqlOptions {
  return { dialect, table: 'visibility', extraColumns: { HistorySizeBytes: 'history_size_bytes' } };
}

/** The search attributes as the JSON the table holds; NULL when there are none. */
function searchAttributesJson(record: VisibilityRecord): string | null {
  const entries = Object.entries(record.searchAttributes ?? {}).filter(([, v]) => v !== null && v !== undefined);
  return entries.length === 0 ? null : JSON.stringify(Object.fromEntries(entries));
}

/** Column values of a record, in VISIBILITY_COLUMNS order (search_attributes as JSON text). */
export function visibilityValues(record: VisibilityRecord, asBytes: (b: Uint8Array) => unknown = (b) => b): unknown[] {
  return [
    record.namespaceId,
    record.runId,
    record.workflowId,
    record.workflowType,
    record.status,
    record.startTime.getTime(),
    record.closeTime ? record.closeTime.getTime() : null,
    record.executionTime.getTime(),
    record.taskQueue,
    record.historyLength,
    record.historySizeBytes,
    record.parentWorkflowId ?? null,
    record.parentRunId ?? null,
    record.rootWorkflowId,
    record.rootRunId,
    record.memo && record.memo.length > 0 ? asBytes(record.memo) : null,
    searchAttributesJson(record),
  ];
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

/** A stored search-attribute type name, checked. */
export function searchAttributeTypeOf(stored: unknown): SearchAttributeType {
  if (!SEARCH_ATTRIBUTE_TYPES.includes(stored as SearchAttributeType)) throw new Error(`unknown search attribute type ${String(stored)} in the store`);
  return stored as SearchAttributeType;
}

export function checkSearchAttributeTypes(attributes: ReadonlyMap<string, SearchAttributeType>): void {
  for (const [name, type] of attributes) {
    if (!name) throw new Error('a search attribute needs a name');
    searchAttributeTypeOf(type);
  }
}

/**
 * The attributes of an AddSearchAttributes call that are new for the namespace (`existing`):
 * one already registered with another type is a conflict, and the namespace may hold at most
 * `maxCustom`. Both stores decide with this, inside their write.
 */
export function searchAttributesToAdd(
  existing: ReadonlyMap<string, string>,
  attributes: ReadonlyMap<string, SearchAttributeType>,
  maxCustom: number,
): Array<[string, SearchAttributeType]> {
  const added: Array<[string, SearchAttributeType]> = [];
  for (const [name, type] of attributes) {
    const found = existing.get(name);
    if (found === undefined) added.push([name, type]);
    else if (found !== type) throw new SearchAttributeTypeConflictError(name, found);
  }
  if (added.length > 0 && existing.size + added.length > maxCustom) throw new TooManySearchAttributesError(maxCustom);
  return added;
}
