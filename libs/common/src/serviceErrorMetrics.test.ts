import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ResourceExhaustedCause, ResourceExhaustedScope } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import { internal, invalidArgument, notFound, resourceExhausted, unavailable, workflowExecutionAlreadyStarted } from './errors';
import { isExpectedServiceError, temporalServiceErrorType } from './serviceErrorMetrics';

describe('service error metrics', () => {
  it('names errors by Temporal serviceerror type, from the detail when it says more than the code', () => {
    expect(temporalServiceErrorType(notFound('gone'))).toBe('serviceerror_NotFound');
    expect(temporalServiceErrorType(invalidArgument('bad'))).toBe('serviceerror_InvalidArgument');
    expect(temporalServiceErrorType(workflowExecutionAlreadyStarted('started', 'req', 'run'))).toBe('serviceerror_WorkflowExecutionAlreadyStarted');
    expect(temporalServiceErrorType(new Error('boom'))).toBe('serviceerror_Unknown');
    expect(temporalServiceErrorType({ code: Status.UNAVAILABLE })).toBe('serviceerror_Unavailable');
  });

  it('counts as unexpected only what Temporal counts in service_errors: server trouble, not the caller', () => {
    expect(isExpectedServiceError(notFound('gone'))).toBe(true);
    expect(isExpectedServiceError(invalidArgument('bad'))).toBe(true);
    expect(isExpectedServiceError(workflowExecutionAlreadyStarted('started', 'req', 'run'))).toBe(true);
    expect(isExpectedServiceError(resourceExhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT, ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE, 'limit'))).toBe(true);
    expect(isExpectedServiceError(resourceExhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW, ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_SYSTEM, 'busy'))).toBe(false);
    expect(isExpectedServiceError(unavailable('down'))).toBe(false);
    expect(isExpectedServiceError(internal('bug'))).toBe(false);
    expect(isExpectedServiceError(new Error('boom'))).toBe(false);
  });
});
