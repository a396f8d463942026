import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import {
  ResourceExhaustedCause,
  ResourceExhaustedScope,
} from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import {
  NamespaceNotFoundFailure,
  NotFoundFailure,
  PermissionDeniedFailure,
  QueryFailedFailure,
  ResourceExhaustedFailure,
  WorkflowExecutionAlreadyStartedFailure,
} from '@kairos/proto/temporal/api/errordetails/v1/message';
import {
  ApiError,
  cancellationAlreadyRequested,
  decodeErrorDetail,
  ErrorDetailType,
  failedPrecondition,
  internal,
  invalidArgument,
  isApiError,
  namespaceAlreadyExists,
  namespaceNotFound,
  notFound,
  permissionDenied,
  queryFailed,
  resourceExhausted,
  unavailable,
  unimplemented,
  workflowExecutionAlreadyStarted,
  workflowNotReady,
} from './errors';

// Codes, details and texts as api-go's serviceerror package builds them.
describe('ApiError helpers', () => {
  it('builds detail-less errors with their code', () => {
    const cases: [ApiError, Status][] = [
      [invalidArgument('a'), Status.INVALID_ARGUMENT],
      [failedPrecondition('b'), Status.FAILED_PRECONDITION],
      [unavailable('c'), Status.UNAVAILABLE],
      [internal('d'), Status.INTERNAL],
      [unimplemented('e'), Status.UNIMPLEMENTED],
    ];
    for (const [err, code] of cases) {
      expect(err).toBeInstanceOf(ApiError);
      expect(isApiError(err)).toBe(true);
      expect(err.code).toBe(code);
      expect(err.detail).toBeUndefined();
    }
  });

  it('namespaceNotFound uses Temporal exact text and detail', () => {
    const err = namespaceNotFound('orders');
    expect(err.code).toBe(Status.NOT_FOUND);
    expect(err.message).toBe('Namespace orders is not found.');
    expect(decodeErrorDetail(err, ErrorDetailType.NamespaceNotFound, NamespaceNotFoundFailure)).toEqual({ namespace: 'orders' });
  });

  it('notFound carries NotFoundFailure with (empty) clusters', () => {
    const err = notFound('workflow execution already completed');
    expect(err.code).toBe(Status.NOT_FOUND);
    expect(err.detail?.typeName).toBe('temporal.api.errordetails.v1.NotFoundFailure');
    expect(decodeErrorDetail(err, ErrorDetailType.NotFound, NotFoundFailure)).toEqual({ currentCluster: '', activeCluster: '' });
    const withClusters = notFound('x', { currentCluster: 'active', activeCluster: 'active' });
    expect(decodeErrorDetail(withClusters, ErrorDetailType.NotFound, NotFoundFailure)).toEqual({ currentCluster: 'active', activeCluster: 'active' });
  });

  it('workflowExecutionAlreadyStarted is ALREADY_EXISTS with request and run ids', () => {
    const err = workflowExecutionAlreadyStarted('already running', 'req', 'run', 'first');
    expect(err.code).toBe(Status.ALREADY_EXISTS);
    expect(decodeErrorDetail(err, ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure)).toEqual({
      startRequestId: 'req',
      runId: 'run',
      firstExecutionRunId: 'first',
    });
  });

  it('attaches empty marker details where Temporal does', () => {
    expect(namespaceAlreadyExists('exists')).toMatchObject({ code: Status.ALREADY_EXISTS, detail: { typeName: ErrorDetailType.NamespaceAlreadyExists } });
    expect(cancellationAlreadyRequested('twice')).toMatchObject({ code: Status.ALREADY_EXISTS, detail: { typeName: ErrorDetailType.CancellationAlreadyRequested } });
    expect(workflowNotReady('not ready')).toMatchObject({ code: Status.FAILED_PRECONDITION, detail: { typeName: ErrorDetailType.WorkflowNotReady } });
  });

  it('resourceExhausted, queryFailed and permissionDenied carry their fields', () => {
    const re = resourceExhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT, ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_SYSTEM, 'slow down');
    expect(re.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(decodeErrorDetail(re, ErrorDetailType.ResourceExhausted, ResourceExhaustedFailure)).toEqual({
      cause: ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT,
      scope: ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_SYSTEM,
    });
    const qf = queryFailed('query handler failed', { message: 'boom' } as never);
    expect(qf.code).toBe(Status.INVALID_ARGUMENT);
    expect(decodeErrorDetail(qf, ErrorDetailType.QueryFailed, QueryFailedFailure)?.failure?.message).toBe('boom');
    const pd = permissionDenied('no', 'reason');
    expect(decodeErrorDetail(pd, ErrorDetailType.PermissionDenied, PermissionDeniedFailure)).toEqual({ reason: 'reason' });
  });

  it('decodeErrorDetail ignores other errors and other detail types', () => {
    expect(decodeErrorDetail(new Error('x'), ErrorDetailType.NotFound, NotFoundFailure)).toBeUndefined();
    expect(decodeErrorDetail(invalidArgument('x'), ErrorDetailType.NotFound, NotFoundFailure)).toBeUndefined();
    expect(decodeErrorDetail(namespaceNotFound('x'), ErrorDetailType.NotFound, NotFoundFailure)).toBeUndefined();
  });
});
