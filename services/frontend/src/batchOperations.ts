import { randomUUID } from 'node:crypto';
import { batchOperationsLimited, batchRequiredParameters, invalidArgument, invalidBatchVisibilityQuery, unimplemented } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import type { HistoryClient } from '@kairos/cluster';
import {
  BATCH_MEMO,
  BATCH_OPERATION_NAMES,
  BATCH_OPERATIONS_QUERY,
  batchOperationFieldOf,
  batchOperationTypeFromMemo,
  OPEN_BATCH_OPERATIONS_QUERY,
  type NamespaceRegistry,
} from '@kairos/domain';
import type { Store } from '@kairos/persistence/store';
import { BatchOperationState } from '@kairos/proto/temporal/api/enums/v1/batch_operation';
import { ResetType } from '@kairos/proto/temporal/api/enums/v1/reset';
import { ExecutionType } from '@kairos/proto/temporal/api/enums/v1/common';
import { WorkflowExecutionStatus } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { Memo } from '@kairos/proto/temporal/api/common/v1/message';
import type { WorkflowServiceImplementation } from '@kairos/proto/temporal/api/workflowservice/v1/service';
import * as api from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { parseAndResolve } from '@kairos/visibility';
import { batchQuerySyntaxError } from './batchQuerySyntax';
import { pageSizeOf, queryError } from './visibilityHandlers';
import { requireNamespaceLength } from './validation';

type BatchMethods = Pick<WorkflowServiceImplementation, 'startBatchOperation' | 'stopBatchOperation' | 'describeBatchOperation' | 'listBatchOperations'>;

export interface BatchDeps {
  store: Store;
  history: HistoryClient;
  namespaces: NamespaceRegistry;
  /** The frontend's own TerminateWorkflowExecution: StopBatchOperation is a termination of the job's run, as in Temporal. */
  terminate: (request: api.TerminateWorkflowExecutionRequest) => Promise<unknown>;
}

const NAMESPACE_NOT_SET = 'Namespace is not set on request.';
const JOB_ID_NOT_SET = 'JobId is not set on request.';

/** Go's `%T` of a oneof wrapper (Temporal's messages print it). */
const goOperationType = (field: string) => `*workflowservice.StartBatchOperationRequest_${field[0]!.toUpperCase()}${field.slice(1)}`;
/** An ExecutionType as Go prints it (api-go's String(): `Workflow`, `Activity`). */
const goExecutionType = (type: ExecutionType) =>
  (ExecutionType[type] ?? String(type))
    .replace(/^EXECUTION_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
const ACTIVITY_OPERATIONS = new Set(['cancelActivitiesOperation', 'terminateActivitiesOperation', 'deleteActivitiesOperation']);

/** Temporal's ValidateBatchOperation, in its order and words. */
function validateStart(request: api.StartBatchOperationRequest): void {
  const selectors = [request.visibilityQuery.length > 0, request.executions.length > 0, request.targetExecutions.length > 0].filter(Boolean).length;
  const field = batchOperationFieldOf(request);
  if (!field || !request.reason || !request.namespace || selectors === 0) throw batchRequiredParameters();
  if (!request.jobId) throw invalidArgument(JOB_ID_NOT_SET);
  if (selectors > 1) throw invalidArgument('visibility query, executions, and target executions are mutually exclusive');
  const expected = ACTIVITY_OPERATIONS.has(field) ? ExecutionType.EXECUTION_TYPE_ACTIVITY : ExecutionType.EXECUTION_TYPE_WORKFLOW;
  request.targetExecutions.forEach((execution, i) => {
    if (execution.type !== expected) {
      throw invalidArgument(`target_executions[${i}] has type ${goExecutionType(execution.type)}, but operation ${goOperationType(field)} requires ${goExecutionType(expected)}`);
    }
  });
  if (field === 'signalOperation' && !request.signalOperation!.signal) throw invalidArgument('must provide signal name');
  const either = 'Either activity type must be set, or match all should be set to true';
  if (field === 'updateWorkflowOptionsOperation') {
    const op = request.updateWorkflowOptionsOperation!;
    if (!op.workflowExecutionOptions) throw invalidArgument('must provide UpdateOptions');
    if (!op.updateMask) throw invalidArgument('must provide UpdateMask');
  }
  if (field === 'resetOperation') {
    const op = request.resetOperation!;
    if (op.options) {
      const o = op.options;
      if (!o.firstWorkflowTask && !o.lastWorkflowTask && o.workflowTaskId === undefined && o.buildId === undefined) throw invalidArgument('batch reset missing target');
    } else if (ResetType[op.resetType] === undefined || op.resetType === ResetType.RESET_TYPE_UNSPECIFIED) {
      throw invalidArgument(`unknown batch reset type ${ResetType[op.resetType] ?? op.resetType}`);
    }
  }
  if (field === 'unpauseActivitiesOperation') {
    const op = request.unpauseActivitiesOperation!;
    if (op.type === undefined && op.matchAll === undefined) throw invalidArgument('activity filter must be set');
    if ((op.type !== undefined && !op.type) || op.matchAll === false) throw invalidArgument(either);
  }
  if (field === 'resetActivitiesOperation') {
    const op = request.resetActivitiesOperation!;
    if (op.type === undefined && !op.matchAll) throw invalidArgument('must provide ActivityType or MatchAll');
    if (op.type !== undefined && !op.type) throw invalidArgument(either);
  }
  if (field === 'updateActivityOptionsOperation') {
    const op = request.updateActivityOptionsOperation!;
    if (op.activityOptions && op.restoreOriginal) throw invalidArgument('cannot set both activity options and restore original');
    if (!op.activityOptions && !op.restoreOriginal) throw invalidArgument('Either activity type must be set, or restore original should be set to true');
  }
}

/** A memo field written by Temporal's JSON payload converter, read back. */
function memoString(memo: Memo | undefined, field: string): string {
  const payload = memo?.fields[field];
  if (!payload) return '';
  try {
    const value: unknown = JSON.parse(Buffer.from(payload.data).toString('utf8'));
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

/** Temporal's getBatchOperationState of a run's status. */
function stateOf(status: WorkflowExecutionStatus): BatchOperationState {
  if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) return BatchOperationState.BATCH_OPERATION_STATE_RUNNING;
  if (status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) return BatchOperationState.BATCH_OPERATION_STATE_COMPLETED;
  return BatchOperationState.BATCH_OPERATION_STATE_FAILED;
}

/**
 * The batch operation API. A batch is a record in history on its job id (as Temporal's batcher
 * workflow is): Start checks the request as Temporal's frontend does and hands it to the history
 * shard of the job id; Describe reads the record there; Stop terminates it; List reads the records'
 * visibility rows (TemporalNamespaceDivision `TemporalBatcher`).
 */
export function createBatchHandlers(deps: BatchDeps): BatchMethods {
  const { store, history, namespaces } = deps;

  async function namespaceId(name: string): Promise<string> {
    requireNamespaceLength(name);
    return (await namespaces.getByName(name)).info!.id;
  }

  return {
    async startBatchOperation(request) {
      validateStart(request);
      if (request.visibilityQuery) {
        const syntaxError = batchQuerySyntaxError(request.visibilityQuery);
        if (syntaxError) throw invalidBatchVisibilityQuery(syntaxError);
      }
      const nsId = await namespaceId(request.namespace);
      const open = await store.countVisibility(nsId, parseAndResolve(OPEN_BATCH_OPERATIONS_QUERY, new Map()));
      if (open.count >= setting('frontend.maxConcurrentBatchOperationPerNamespace')) throw batchOperationsLimited();
      const field = batchOperationFieldOf(request)!;
      if (!(field in BATCH_OPERATION_NAMES)) throw unimplemented(`batch operation ${field} is not implemented`);
      await history.startBatchOperation({ namespaceId: nsId, request, requestId: randomUUID() });
      return {};
    },

    async stopBatchOperation(request) {
      if (!request.jobId) throw invalidArgument(JOB_ID_NOT_SET);
      if (!request.namespace) throw invalidArgument(NAMESPACE_NOT_SET);
      if (!request.reason) throw invalidArgument('Reason is not set on request.');
      await deps.terminate({
        namespace: request.namespace,
        workflowExecution: { workflowId: request.jobId, runId: '' },
        reason: request.reason,
        details: undefined,
        identity: request.identity,
        firstExecutionRunId: '',
        links: [],
      });
      return {};
    },

    async describeBatchOperation(request) {
      if (!request.jobId) throw invalidArgument(JOB_ID_NOT_SET);
      if (!request.namespace) throw invalidArgument(NAMESPACE_NOT_SET);
      const nsId = await namespaceId(request.namespace);
      return (await history.describeBatchOperation({ namespaceId: nsId, request })).response!;
    },

    async listBatchOperations(request) {
      if (!request.namespace) throw invalidArgument(NAMESPACE_NOT_SET);
      const nsId = await namespaceId(request.namespace);
      try {
        const page = await store.listVisibility({
          namespaceId: nsId,
          query: parseAndResolve(BATCH_OPERATIONS_QUERY, new Map()),
          pageSize: pageSizeOf(request.pageSize),
          nextPageToken: request.nextPageToken,
        });
        return api.ListBatchOperationsResponse.fromPartial({
          operationInfo: page.executions.map((row) => ({
            jobId: row.workflowId,
            state: stateOf(row.status),
            startTime: row.startTime,
            closeTime: row.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING ? undefined : row.closeTime,
            operationType: batchOperationTypeFromMemo(memoString(row.memo ? Memo.decode(row.memo) : undefined, BATCH_MEMO.type)),
          })),
          nextPageToken: page.nextPageToken ?? new Uint8Array(),
        });
      } catch (err) {
        throw queryError(err);
      }
    },
  };
}
