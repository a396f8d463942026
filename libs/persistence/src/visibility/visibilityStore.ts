import type { CountResult, ResolvedQuery } from '@kairos/visibility';

/**
 * A search attribute value as the visibility table holds it (@kairos/visibility's storage rules):
 * Keyword and Text strings, Int and Double numbers (Int integral), Bool booleans, Datetime
 * integer milliseconds since the epoch, KeywordList arrays of strings.
 */
export type VisibilityValue = string | number | boolean | string[];

/** One run as ListWorkflowExecutions sees it. Times are whole milliseconds. */
export interface VisibilityRecord {
  namespaceId: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  /** temporal.api.enums.v1.WorkflowExecutionStatus */
  status: number;
  startTime: Date;
  /** When the run's first workflow task may start (start time plus any start delay or backoff). */
  executionTime: Date;
  /** Absent while the run is open. */
  closeTime?: Date;
  taskQueue: string;
  historyLength: number;
  historySizeBytes: number;
  parentWorkflowId?: string;
  parentRunId?: string;
  rootWorkflowId: string;
  rootRunId: string;
  /** An encoded temporal.api.common.v1.Memo; absent when the run has no memo. */
  memo?: Uint8Array;
  /** Predefined and custom search attributes by name, typed (absent ones left out). */
  searchAttributes?: Record<string, VisibilityValue>;
}

export interface VisibilityListRequest {
  namespaceId: string;
  /** The list filter, parsed and resolved against the namespace's search attributes. */
  query: ResolvedQuery;
  pageSize: number;
  /** The previous page's nextPageToken; empty or absent for the first page. */
  nextPageToken?: Uint8Array;
}

export interface VisibilityPage {
  executions: VisibilityRecord[];
  /** Present after a full page (as Temporal's, a full last page is followed by an empty one). */
  nextPageToken?: Uint8Array;
}

/**
 * Visibility: List/Scan/Count over one row per run. Rows are written with the execution writes
 * (ExecutionWrite.visibility), never on their own; the query is compiled to the store's SQL by
 * @kairos/visibility, whose errors (QueryParseError, InvalidPageTokenError) these pass through.
 */
export interface VisibilityStore {
  /** One page of the namespace's runs matching the query, in its order (Temporal's default without ORDER BY). */
  listVisibility(request: VisibilityListRequest): Promise<VisibilityPage>;
  /** How many runs match; with GROUP BY, per group (ExecutionStatus groups by status name). */
  countVisibility(namespaceId: string, query: ResolvedQuery): Promise<CountResult>;
}
