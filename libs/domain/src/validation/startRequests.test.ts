import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ApiError } from '@kairos/common/errors';
import { SignalWithStartWorkflowExecutionRequest, StartWorkflowExecutionRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { validateSignalWithStartRequest, validateStartRequest } from './startRequests';

type StartFields = Parameters<typeof StartWorkflowExecutionRequest.fromPartial>[0];
const start = (fields: StartFields = {}) =>
  StartWorkflowExecutionRequest.fromPartial({ namespace: 'default', workflowId: 'wf', workflowType: { name: 'W' }, taskQueue: { name: 'q' }, requestId: 'req', ...fields });
const signalWithStart = (fields: Parameters<typeof SignalWithStartWorkflowExecutionRequest.fromPartial>[0] = {}) =>
  SignalWithStartWorkflowExecutionRequest.fromPartial({ namespace: 'default', workflowId: 'wf', workflowType: { name: 'W' }, taskQueue: { name: 'q' }, requestId: 'req', signalName: 's', ...fields });

/** The INVALID_ARGUMENT message `fn` answers. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(Status.INVALID_ARGUMENT);
    return (err as ApiError).message;
  }
  throw new Error('expected the request to be refused');
}

const LONG = 'x'.repeat(10_000);

describe('validateStartRequest (Temporal’s frontend rules, applied by the frontend and by history)', () => {
  it('refuses each bad field with Temporal’s message', () => {
    const cases: Array<[StartFields, string]> = [
      [{ workflowId: '' }, 'WorkflowId is not set on request.'],
      [{ workflowId: LONG }, 'WorkflowId exceeds maximum allowed length (10000/1000)'],
      [{ retryPolicy: { backoffCoefficient: 0.5 } }, 'BackoffCoefficient cannot be less than 1 on retry policy.'],
      [{ cronSchedule: '* * * * *', workflowStartDelay: { seconds: 1 } }, 'CronSchedule and WorkflowStartDelay may not be used together.'],
      [{ workflowStartDelay: { seconds: -1 } }, 'An invalid WorkflowStartDelaySeconds is set on request. cause: negative duration'],
      [{ cronSchedule: 'nope' }, 'invalid CronSchedule.'],
      [{ workflowType: undefined }, 'WorkflowType is not set on request.'],
      [{ workflowType: { name: LONG } }, 'WorkflowType length exceeds limit.'],
      [{ taskQueue: undefined }, 'taskQueue is not set'],
      [{ taskQueue: { name: '' } }, 'missing task queue name'],
      [{ taskQueue: { name: LONG } }, 'taskQueue length exceeds limit'],
      [{ workflowExecutionTimeout: { seconds: 0, nanos: -1 } }, 'An invalid WorkflowExecutionTimeoutSeconds is set on request. cause: negative duration'],
      [{ workflowRunTimeout: { seconds: -5 } }, 'An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration'],
      [{ workflowTaskTimeout: { seconds: 5, nanos: -1 } }, 'An invalid WorkflowTaskTimeoutSeconds is set on request. cause: duration has seconds and nanos with different signs'],
      [{ requestId: LONG }, 'RequestId length exceeds limit.'],
      [
        { workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING, workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL },
        'Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy',
      ],
      [{ onConflictOptions: { attachCompletionCallbacks: true } }, 'attaching request ID is required for attaching completion callbacks'],
      [{ priority: { priorityKey: -1 } }, "priority key can't be negative"],
    ];
    for (const [fields, message] of cases) expect(refusal(() => validateStartRequest(start(fields))), JSON.stringify(fields).slice(0, 80)).toBe(message);
  });

  it('answers the request as Temporal goes on with it: a request id, capped durations, the policy’s defaults, the queue’s kind', () => {
    const int64Max = Number('9223372036854775807');
    const out = validateStartRequest(start({ requestId: '', workflowRunTimeout: { seconds: int64Max }, retryPolicy: { maximumAttempts: 3 } }));
    expect(out.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.workflowRunTimeout).toEqual({ seconds: 3_153_600_000, nanos: 0 });
    expect(out.retryPolicy).toMatchObject({ initialInterval: { seconds: 1, nanos: 0 }, backoffCoefficient: 2, maximumAttempts: 3 });
    expect(out.taskQueue).toMatchObject({ name: 'q', kind: 1 });
    expect(validateStartRequest(out)).toEqual(out);
  });
});

describe('validateSignalWithStartRequest (its own words for some fields)', () => {
  it('refuses with Temporal’s messages', () => {
    expect(refusal(() => validateSignalWithStartRequest(signalWithStart({ cronSchedule: 'nope', workflowId: '' })))).toBe('invalid CronSchedule.');
    expect(refusal(() => validateSignalWithStartRequest(signalWithStart({ signalName: '' })))).toBe('signal not set');
    expect(refusal(() => validateSignalWithStartRequest(signalWithStart({ signalName: LONG })))).toBe('signal name exceeds maximum allowed length (10000/1000)');
    expect(refusal(() => validateSignalWithStartRequest(signalWithStart({ workflowType: { name: '' } })))).toBe('workflow type not set');
    expect(refusal(() => validateSignalWithStartRequest(signalWithStart({ workflowType: { name: LONG } })))).toBe('workflow type name exceeds maximum allowed length (10000/1000)');
    expect(refusal(() => validateSignalWithStartRequest(signalWithStart({ requestId: LONG })))).toBe('Request ID exceeds maximum allowed length (10000/1000)');
    expect(refusal(() => validateSignalWithStartRequest(signalWithStart({ workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL })))).toBe(
      'Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.',
    );
  });
});
