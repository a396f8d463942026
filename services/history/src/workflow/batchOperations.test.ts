import { describe, expect, it } from 'vitest';
import { BatchOperationState, BatchOperationType } from '@kairos/proto/temporal/api/enums/v1/batch_operation';
import { StartBatchOperationRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { describeBatchOperation, failBatchOperation, isCurrentBatchStep, newBatchOperation, recordBatchStep, retryBatchStep } from './batchOperations';
import { TimerTaskKind, WorkflowExecutionStatus } from './protos';
import { reopen, T0 } from '../../test/runFixtures';

const S = WorkflowExecutionStatus;
const json = (payload: { data: Uint8Array } | undefined) => payload && JSON.parse(Buffer.from(payload.data).toString());

function request(overrides: Parameters<typeof StartBatchOperationRequest.fromPartial>[0] = {}): StartBatchOperationRequest {
  return StartBatchOperationRequest.fromPartial({
    namespace: 'default',
    jobId: 'job-1',
    reason: 'because',
    visibilityQuery: "WorkflowType = 'x'",
    terminationOperation: { identity: 'operator' },
    ...overrides,
  });
}

const at = (ms: number) => new Date(T0.getTime() + ms);

describe('a batch operation record', () => {
  it('is written with Temporal batcher names in its visibility, the running filter in its query, and its first step due now', () => {
    const run = newBatchOperation('ns-id', 'run-1', 'req-1', request(), T0);
    const info = run.info;
    expect(info.workflowId).toBe('job-1');
    expect(info.workflowTypeName).toBe('temporal-sys-batch-workflow-protobuf');
    expect(json(info.searchAttributes!.indexedFields.TemporalNamespaceDivision)).toBe('TemporalBatcher');
    expect(json(info.searchAttributes!.indexedFields.BatcherUser)).toBe('operator');
    expect(json(info.memo!.fields.batch_operation_type)).toBe('terminate');
    expect(json(info.memo!.fields.batch_operation_reason)).toBe('because');
    expect(json(info.memo!.fields.batch_operation_visibility_query)).toBe("WorkflowType = 'x'");
    expect(run.state.batchOperation!.targetQuery).toBe("(WorkflowType = 'x') AND (ExecutionStatus='Running' OR ExecutionStatus='Paused')");
    expect(run.newEvents).toHaveLength(0);
    expect(run.timerTasks.map((t) => [t.kind, t.fireTime])).toEqual([[TimerTaskKind.TIMER_TASK_KIND_BATCH_STEP, T0]]);
  });

  it('lists deletions without the running filter (closed runs are deleted too)', () => {
    const run = newBatchOperation('ns-id', 'run-1', 'req-1', request({ terminationOperation: undefined, deletionOperation: {} }), T0);
    expect(run.state.batchOperation!.targetQuery).toBe("WorkflowType = 'x'");
    expect(run.state.batchOperation!.operationType).toBe(BatchOperationType.BATCH_OPERATION_TYPE_DELETE_WORKFLOW);
  });

  it('records each step with the next one armed, ignores a stale step, and completes with Temporal stats memo', () => {
    let run = reopen(newBatchOperation('ns-id', 'run-1', 'req-1', request(), T0));
    expect(recordBatchStep(run, at(5), { succeeded: 1, failed: 0, finished: false, nextStepAt: at(10) })).toBe(false);
    expect(recordBatchStep(run, T0, { totalEstimate: 3, succeeded: 2, failed: 0, pageToken: new Uint8Array([1]), finished: false, nextStepAt: at(1000) })).toBe(true);
    expect(run.timerTasks.map((t) => t.fireTime)).toEqual([at(1000)]);
    expect(isCurrentBatchStep(run.state, T0)).toBe(false);
    expect(describeBatchOperation(run.state)).toMatchObject({ state: BatchOperationState.BATCH_OPERATION_STATE_RUNNING, totalOperationCount: 3, completeOperationCount: 2 });
    run = reopen(run);
    expect(recordBatchStep(run, at(1000), { succeeded: 0, failed: 1, finished: true, nextStepAt: at(2000) })).toBe(true);
    expect(run.info.status).toBe(S.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    expect(run.timerTasks.some((t) => t.kind === TimerTaskKind.TIMER_TASK_KIND_BATCH_STEP)).toBe(false);
    expect(json(run.info.memo!.fields.batch_operation_stats)).toEqual({ NumSuccess: 2, NumFailure: 1 });
    expect(describeBatchOperation(run.state)).toMatchObject({
      operationType: BatchOperationType.BATCH_OPERATION_TYPE_TERMINATE_WORKFLOW,
      state: BatchOperationState.BATCH_OPERATION_STATE_COMPLETED,
      totalOperationCount: 3,
      completeOperationCount: 2,
      failureOperationCount: 1,
      identity: 'operator',
      reason: 'because',
      query: "WorkflowType = 'x'",
    });
  });

  it('fails when its targets cannot be listed, and reports FAILED', () => {
    const run = reopen(newBatchOperation('ns-id', 'run-1', 'req-1', request(), T0));
    expect(failBatchOperation(run, T0)).toBe(true);
    expect(run.info.status).toBe(S.WORKFLOW_EXECUTION_STATUS_FAILED);
    expect(describeBatchOperation(run.state).state).toBe(BatchOperationState.BATCH_OPERATION_STATE_FAILED);
  });

  it('describes explicit executions as Temporal does (workflow type, business id)', () => {
    const run = newBatchOperation('ns-id', 'run-1', 'req-1', request({ visibilityQuery: '', executions: [{ workflowId: 'a', runId: '' }] }), T0);
    expect(describeBatchOperation(run.state).executions).toEqual([{ type: 1, businessId: 'a', runId: '' }]);
  });
});

describe('a batch page whose calls failed for a reason worth retrying', () => {
  it('is tried again at the same cursor, counting nothing until it completes', () => {
    let run = reopen(newBatchOperation('ns-id', 'run-1', 'req-1', request(), T0));
    expect(retryBatchStep(run, T0, at(1000))).toBe(true);
    expect(run.state.batchOperation!.pageAttempts).toBe(1);
    expect(run.timerTasks.map((t) => t.fireTime)).toEqual([at(1000)]);
    run = reopen(run);
    expect(retryBatchStep(run, T0, at(2000))).toBe(false);
    expect(recordBatchStep(run, at(1000), { totalEstimate: 2, succeeded: 2, failed: 0, pageToken: new Uint8Array([1]), finished: false, nextStepAt: at(2000) })).toBe(true);
    expect(run.state.batchOperation).toMatchObject({ pageAttempts: 0, successCount: 2 });
  });
});
