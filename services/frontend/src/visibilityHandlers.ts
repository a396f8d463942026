import { invalidArgument } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import {
  encodeSearchAttributes,
  encodeSearchAttributeValue,
  indexedValueTypeOf,
  msToDuration,
  searchAttributesProblem,
  systemSearchAttributes,
  type NamespaceRegistry,
} from '@kairos/domain';
import type { Store, VisibilityRecord } from '@kairos/persistence/store';
import { Memo, type SearchAttributes } from '@kairos/proto/temporal/api/common/v1/message';
import { WorkflowExecutionStatus } from '@kairos/proto/temporal/api/enums/v1/workflow';
import type { WorkflowServiceImplementation } from '@kairos/proto/temporal/api/workflowservice/v1/service';
import * as api from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { WorkflowExecutionInfo } from '@kairos/proto/temporal/api/workflow/v1/message';
import { InvalidPageTokenError, parseAndResolve, QueryParseError, type ResolvedQuery, type SearchAttributeType } from '@kairos/visibility';

type VisibilityMethods = Pick<
  WorkflowServiceImplementation,
  | 'listWorkflowExecutions'
  | 'scanWorkflowExecutions'
  | 'countWorkflowExecutions'
  | 'listOpenWorkflowExecutions'
  | 'listClosedWorkflowExecutions'
  | 'getSearchAttributes'
>;

export interface VisibilityDeps {
  store: Store;
  namespaces: NamespaceRegistry;
}

/** Temporal's page size rule: absent, zero, negative or past the maximum (`frontend.visibilityMaxPageSize`) means the maximum. */
export function pageSizeOf(requested: number): number {
  const max = setting('frontend.visibilityMaxPageSize');
  return requested <= 0 || requested > max ? max : requested;
}

/** A query or page-token error of @kairos/visibility as the API answers it: INVALID_ARGUMENT, its message. */
export function queryError(err: unknown): unknown {
  if (err instanceof QueryParseError || err instanceof InvalidPageTokenError) return invalidArgument(err.message);
  return err;
}

/** A run's visibility row as Temporal's WorkflowExecutionInfo (visibility manager's conversion). */
export function executionInfoOf(record: VisibilityRecord, custom: ReadonlyMap<string, SearchAttributeType>): WorkflowExecutionInfo {
  const closed = record.status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING && record.closeTime !== undefined;
  return WorkflowExecutionInfo.fromPartial({
    execution: { workflowId: record.workflowId, runId: record.runId },
    type: { name: record.workflowType },
    startTime: record.startTime,
    executionTime: record.executionTime,
    status: record.status,
    taskQueue: record.taskQueue,
    memo: record.memo ? Memo.decode(record.memo) : undefined,
    searchAttributes: encodeSearchAttributes(record.searchAttributes, custom),
    rootExecution: { workflowId: record.rootWorkflowId, runId: record.rootRunId },
    parentExecution: record.parentWorkflowId ? { workflowId: record.parentWorkflowId, runId: record.parentRunId ?? '' } : undefined,
    // Only closed runs carry the closing figures (Temporal leaves them out of open ones).
    ...(closed
      ? {
          closeTime: record.closeTime,
          executionDuration: msToDuration(Math.max(0, record.closeTime!.getTime() - record.executionTime.getTime())),
          historyLength: record.historyLength,
          historySizeBytes: record.historySizeBytes,
        }
      : {}),
  });
}

/** Go's RFC3339Nano of a timestamp (ms precision here), for the queries the legacy Lists build. */
const rfc3339 = (t: Date) => t.toISOString();
/** A string literal of the list filter language. */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * ListWorkflowExecutions, ScanWorkflowExecutions (Temporal's frontend makes it a List),
 * CountWorkflowExecutions, the legacy ListOpen/ListClosed (turned into queries as Temporal's
 * frontend does) and GetSearchAttributes, over the store's visibility rows.
 */
export function createVisibilityHandlers(deps: VisibilityDeps): VisibilityMethods {
  const { store, namespaces } = deps;

  async function namespaceOf(name: string): Promise<{ id: string; custom: Map<string, SearchAttributeType> }> {
    if (!name) throw invalidArgument('Namespace is empty.');
    const id = (await namespaces.getByName(name)).info!.id;
    return { id, custom: await store.getSearchAttributes(id) };
  }

  function resolve(text: string, custom: ReadonlyMap<string, SearchAttributeType>): ResolvedQuery {
    try {
      return parseAndResolve(text, custom);
    } catch (err) {
      throw queryError(err);
    }
  }

  async function list(namespace: string, query: string, pageSize: number, nextPageToken: Uint8Array) {
    const ns = await namespaceOf(namespace);
    const resolved = resolve(query, ns.custom);
    try {
      const page = await store.listVisibility({ namespaceId: ns.id, query: resolved, pageSize: pageSizeOf(pageSize), nextPageToken });
      return {
        executions: page.executions.map((r) => executionInfoOf(r, ns.custom)),
        nextPageToken: page.nextPageToken ?? new Uint8Array(),
      };
    } catch (err) {
      throw queryError(err);
    }
  }

  /** ListOpen/ListClosed: their filters as a query, as Temporal's frontend writes it. */
  function legacyQuery(
    closed: boolean,
    request: api.ListOpenWorkflowExecutionsRequest | api.ListClosedWorkflowExecutionsRequest,
  ): string {
    const clauses = [closed ? "ExecutionStatus != 'Running'" : "ExecutionStatus = 'Running'"];
    const timeField = closed ? 'CloseTime' : 'StartTime';
    const earliest = request.startTimeFilter?.earliestTime;
    const latest = request.startTimeFilter?.latestTime;
    const set = (t: Date | undefined): t is Date => t !== undefined && t.getTime() !== 0;
    // A time past what a Date holds (seconds beyond ±8.64e12) is not a datetime the query can
    // name: Temporal answers INVALID_ARGUMENT ("unable to parse datetime"), not an internal error.
    for (const t of [earliest, latest]) {
      if (t && Number.isNaN(t.getTime())) throw invalidArgument('invalid query: invalid expression: unable to parse datetime');
    }
    if (set(earliest) && set(latest)) {
      if (earliest > latest) throw invalidArgument('EarliestTime in StartTimeFilter should not be larger than LatestTime.');
      clauses.push(`${timeField} BETWEEN ${literal(rfc3339(earliest))} AND ${literal(rfc3339(latest))}`);
    } else if (set(earliest)) {
      clauses.push(`${timeField} >= ${literal(rfc3339(earliest))}`);
    } else if (set(latest)) {
      clauses.push(`${timeField} <= ${literal(rfc3339(latest))}`);
    }
    const statusFilter = 'statusFilter' in request ? request.statusFilter : undefined;
    if (request.executionFilter) {
      clauses.push(`WorkflowId = ${literal(request.executionFilter.workflowId)}`);
    } else if (request.typeFilter) {
      clauses.push(`WorkflowType = ${literal(request.typeFilter.name)}`);
    } else if (statusFilter) {
      const status = statusFilter.status;
      if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED || status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        throw invalidArgument('StatusFilter must be specified and must be not Running.');
      }
      clauses.push(`ExecutionStatus = ${Number(status)}`);
    }
    return clauses.join(' AND ');
  }

  return {
    async listWorkflowExecutions(request) {
      return api.ListWorkflowExecutionsResponse.fromPartial(await list(request.namespace, request.query, request.pageSize, request.nextPageToken));
    },

    async scanWorkflowExecutions(request) {
      return api.ScanWorkflowExecutionsResponse.fromPartial(await list(request.namespace, request.query, request.pageSize, request.nextPageToken));
    },

    async countWorkflowExecutions(request) {
      const ns = await namespaceOf(request.namespace);
      const resolved = resolve(request.query, ns.custom);
      let result;
      try {
        result = await store.countVisibility(ns.id, resolved);
      } catch (err) {
        throw queryError(err);
      }
      const groupType = resolved.groupBy[0]?.type ?? 'Keyword';
      return api.CountWorkflowExecutionsResponse.fromPartial({
        count: result.count,
        groups: (result.groups ?? []).map((g) => ({
          groupValues: [encodeSearchAttributeValue(g.value as string, groupType)],
          count: g.count,
        })),
      });
    },

    async listOpenWorkflowExecutions(request) {
      const query = legacyQuery(false, request);
      return api.ListOpenWorkflowExecutionsResponse.fromPartial(await list(request.namespace, query, request.maximumPageSize, request.nextPageToken));
    },

    async listClosedWorkflowExecutions(request) {
      const query = legacyQuery(true, request);
      return api.ListClosedWorkflowExecutionsResponse.fromPartial(await list(request.namespace, query, request.maximumPageSize, request.nextPageToken));
    },

    async getSearchAttributes() {
      // The request names no namespace and Kairos's custom attributes are per namespace (see
      // OperatorService ListSearchAttributes): the system and predefined ones.
      const keys: Record<string, number> = {};
      for (const [name, type] of systemSearchAttributes()) keys[name] = indexedValueTypeOf(type);
      return api.GetSearchAttributesResponse.fromPartial({ keys });
    },
  };
}

/**
 * Temporal's frontend checks of the search attributes a start (or signal-with-start) sets:
 * INVALID_ARGUMENT with its message when they are not registered, mistyped or too large.
 */
export async function validateSearchAttributes(
  store: Store,
  namespaceId: string,
  namespaceName: string,
  searchAttributes: SearchAttributes | undefined,
): Promise<void> {
  if (Object.keys(searchAttributes?.indexedFields ?? {}).length === 0) return;
  const problem = searchAttributesProblem(searchAttributes, await store.getSearchAttributes(namespaceId), namespaceName);
  if (problem) throw invalidArgument(problem);
}
