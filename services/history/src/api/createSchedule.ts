import { scheduleAlreadyRegistered } from '@kairos/common/errors';
import { newRunId } from '@kairos/domain';
import { CurrentExecutionConflictError } from '@kairos/persistence/errors';
import type { CreateScheduleRequest } from '@kairos/proto/kairos/historyservice/v1/request_response';
import { CreateScheduleResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { encodeConflictToken, newSchedule } from '../workflow/schedules';
import { WorkflowExecutionStatus } from '../workflow/protos';
import type { HistoryContext } from './context';

/**
 * CreateSchedule: the schedule's record written as a new execution of its scheduler workflow id,
 * with its current-execution row (a live schedule with that id: ALREADY_EXISTS, unless it is this
 * same request retried) and its first wake-up, in one write.
 */
export async function createSchedule(ctx: HistoryContext, request: CreateScheduleRequest): Promise<CreateScheduleResponse> {
  const create = request.request!;
  const workflowId = request.schedulerWorkflowId;
  const current = await ctx.store.getCurrentExecution(request.namespaceId, workflowId);
  if (current?.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
    if (current.startRequestId === create.requestId) return CreateScheduleResponse.fromPartial({ conflictToken: encodeConflictToken(1) });
    throw scheduleAlreadyRegistered(create.scheduleId);
  }
  const runId = newRunId();
  const run = newSchedule(request.namespaceId, runId, create.scheduleId, create, new Date());
  const record = { namespaceId: request.namespaceId, workflowId, runId, firstExecutionRunId: runId, startRequestId: create.requestId, status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING };
  try {
    await ctx.executions.create(
      { namespaceId: request.namespaceId, workflowId, runId },
      run,
      current ? { mode: 'replace', expectedRunId: current.runId, record } : { mode: 'create', record },
    );
  } catch (err) {
    if (err instanceof CurrentExecutionConflictError) throw scheduleAlreadyRegistered(create.scheduleId);
    throw err;
  }
  return CreateScheduleResponse.fromPartial({ conflictToken: encodeConflictToken(run.state.schedule!.conflictToken) });
}
