import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ResourceExhaustedCause, ResourceExhaustedScope } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import {
  MultiOperationExecutionFailure,
  NamespaceAlreadyExistsFailure,
  NamespaceInvalidStateFailure,
  NamespaceNotFoundFailure,
  NotFoundFailure,
  PermissionDeniedFailure,
  QueryFailedFailure,
  ResourceExhaustedFailure,
  WorkflowExecutionAlreadyStartedFailure,
  WorkflowNotReadyFailure,
} from '@kairos/proto/temporal/api/errordetails/v1/message';
import { MultiOperationExecutionAborted } from '@kairos/proto/temporal/api/failure/v1/message';
import * as errors from './index';
import { ApiError, decodeErrorDetail, ErrorDetailType, isApiError } from './index';

interface Codec {
  decode(input: Uint8Array): unknown;
}

/** What an error must be on the wire: code, text, and the detail's type and decoded content. */
interface Expected {
  code: Status;
  message: string;
  detail?: [typeName: string, codec: Codec, content: unknown];
}

const run = { startRequestId: 'req-1', runId: 'run-1', firstExecutionRunId: 'first-1' };
const activeClusters = { currentCluster: 'active', activeCluster: 'active' };

// Every builder of the catalogue with the code, text and detail Kairos answers today (these are
// what the SDKs and the e2e suites check); a builder missing here fails the last test.
const cases: Record<string, [ApiError, Expected]> = {
  invalidArgument: [errors.invalidArgument('WorkflowId is not set on request.'), { code: Status.INVALID_ARGUMENT, message: 'WorkflowId is not set on request.' }],
  notFound: [
    errors.notFound('workflow execution already completed'),
    { code: Status.NOT_FOUND, message: 'workflow execution already completed', detail: [ErrorDetailType.NotFound, NotFoundFailure, { currentCluster: '', activeCluster: '' }] },
  ],
  workflowExecutionAlreadyStarted: [
    errors.workflowExecutionAlreadyStarted('already running', 'req', 'run'),
    {
      code: Status.ALREADY_EXISTS,
      message: 'already running',
      detail: [ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure, { startRequestId: 'req', runId: 'run', firstExecutionRunId: '' }],
    },
  ],
  failedPrecondition: [errors.failedPrecondition('not now'), { code: Status.FAILED_PRECONDITION, message: 'not now' }],
  workflowNotReady: [
    errors.workflowNotReady('Workflow task is not scheduled yet.'),
    { code: Status.FAILED_PRECONDITION, message: 'Workflow task is not scheduled yet.', detail: [ErrorDetailType.WorkflowNotReady, WorkflowNotReadyFailure, {}] },
  ],
  queryFailed: [
    errors.queryFailed('query handler failed', { message: 'boom' } as never),
    { code: Status.INVALID_ARGUMENT, message: 'query handler failed', detail: [ErrorDetailType.QueryFailed, QueryFailedFailure, { failure: expect.objectContaining({ message: 'boom' }) }] },
  ],
  permissionDenied: [
    errors.permissionDenied('no', 'reason'),
    { code: Status.PERMISSION_DENIED, message: 'no', detail: [ErrorDetailType.PermissionDenied, PermissionDeniedFailure, { reason: 'reason' }] },
  ],
  requestUnauthorized: [
    errors.requestUnauthorized(),
    { code: Status.PERMISSION_DENIED, message: 'Request unauthorized.', detail: [ErrorDetailType.PermissionDenied, PermissionDeniedFailure, { reason: '' }] },
  ],
  unauthenticated: [errors.unauthenticated('token expired'), { code: Status.UNAUTHENTICATED, message: 'Request unauthenticated: token expired.' }],
  resourceExhausted: [
    errors.resourceExhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW, ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE, 'busy'),
    {
      code: Status.RESOURCE_EXHAUSTED,
      message: 'busy',
      detail: [
        ErrorDetailType.ResourceExhausted,
        ResourceExhaustedFailure,
        { cause: ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW, scope: ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE },
      ],
    },
  ],
  unavailable: [errors.unavailable('workflow update was aborted'), { code: Status.UNAVAILABLE, message: 'workflow update was aborted' }],
  internal: [errors.internal('boom'), { code: Status.INTERNAL, message: 'boom' }],
  unimplemented: [errors.unimplemented('later'), { code: Status.UNIMPLEMENTED, message: 'later' }],
  deadlineExceeded: [errors.deadlineExceeded('too late'), { code: Status.DEADLINE_EXCEEDED, message: 'too late' }],
  toApiError: [errors.toApiError(new TypeError('cannot read x')), { code: Status.INTERNAL, message: 'cannot read x' }],
  multiOperationAborted: [
    errors.multiOperationAborted(),
    { code: Status.ABORTED, message: 'Operation was aborted.', detail: [ErrorDetailType.MultiOperationExecutionAborted, MultiOperationExecutionAborted, {}] },
  ],
  multiOperationExecution: [
    errors.multiOperationExecution('m', [errors.notFound('gone')]),
    {
      code: Status.NOT_FOUND,
      message: 'm',
      detail: [
        ErrorDetailType.MultiOperationExecution,
        MultiOperationExecutionFailure,
        { statuses: [{ code: Status.NOT_FOUND, message: 'gone', details: [expect.objectContaining({ typeUrl: `type.googleapis.com/${ErrorDetailType.NotFound}` })] }] },
      ],
    },
  ],

  namespaceNotFound: [
    errors.namespaceNotFound('orders'),
    { code: Status.NOT_FOUND, message: 'Namespace orders is not found.', detail: [ErrorDetailType.NamespaceNotFound, NamespaceNotFoundFailure, { namespace: 'orders' }] },
  ],
  namespaceIdNotFound: [errors.namespaceIdNotFound('ns-id'), { code: Status.NOT_FOUND, message: 'Namespace ns-id is not found.' }],
  namespaceInvalidState: [
    errors.namespaceInvalidState('orders', 3, [1, 2]),
    {
      code: Status.FAILED_PRECONDITION,
      message: 'Namespace has invalid state: Deleted. Must be Registered or Deprecated.',
      detail: [ErrorDetailType.NamespaceInvalidState, NamespaceInvalidStateFailure, { namespace: 'orders', state: 3, allowedStates: [1, 2] }],
    },
  ],
  invalidRetention: [errors.invalidRetention(), { code: Status.INVALID_ARGUMENT, message: 'A valid retention period is not set on request.' }],
  invalidNamespaceStateUpdate: [errors.invalidNamespaceStateUpdate(), { code: Status.INVALID_ARGUMENT, message: 'Invalid namespace state update.' }],
  invalidClusterName: [errors.invalidClusterName('other'), { code: Status.INVALID_ARGUMENT, message: 'Invalid cluster name: other' }],
  globalNamespaceNotEnabled: [
    errors.globalNamespaceNotEnabled('orders'),
    { code: Status.INVALID_ARGUMENT, message: 'global namespace is not enabled on this cluster, cannot update global namespace or promote local namespace: orders' },
  ],
  visibilityArchivalNotConfigured: [
    errors.visibilityArchivalNotConfigured(),
    { code: Status.INVALID_ARGUMENT, message: 'Cluster is not configured for visibility archival.' },
  ],
  namespaceAlreadyExists: [
    errors.namespaceAlreadyExists(),
    { code: Status.ALREADY_EXISTS, message: 'Namespace already exists.', detail: [ErrorDetailType.NamespaceAlreadyExists, NamespaceAlreadyExistsFailure, {}] },
  ],
  namespaceRateLimited: [
    errors.namespaceRateLimited('default', 2400, 4800),
    {
      code: Status.RESOURCE_EXHAUSTED,
      message: 'namespace rate limit exceeded: namespace "default" is limited to 2400 requests per second (frontend.namespaceRPS, burst 4800)',
      detail: [
        ErrorDetailType.ResourceExhausted,
        ResourceExhaustedFailure,
        { cause: ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT, scope: ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE },
      ],
    },
  ],
  namespacePollLimited: [
    errors.namespacePollLimited('default', 1200, 'PollWorkflowTaskQueue'),
    {
      code: Status.RESOURCE_EXHAUSTED,
      message: 'namespace concurrent poll limit exceeded: namespace "default" is limited to 1200 concurrent PollWorkflowTaskQueue calls (frontend.namespaceCount)',
      detail: [
        ErrorDetailType.ResourceExhausted,
        ResourceExhaustedFailure,
        { cause: ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT, scope: ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE },
      ],
    },
  ],

  batchOperationsLimited: [
    errors.batchOperationsLimited(),
    {
      code: Status.RESOURCE_EXHAUSTED,
      message: 'Max concurrent batch operations is reached',
      detail: [
        ErrorDetailType.ResourceExhausted,
        ResourceExhaustedFailure,
        { cause: ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT, scope: ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE },
      ],
    },
  ],
  invalidBatchVisibilityQuery: [
    errors.invalidBatchVisibilityQuery('syntax error at position 40'),
    { code: Status.INVALID_ARGUMENT, message: 'invalid visibility query: syntax error at position 40' },
  ],
  batchJobIdReused: [
    errors.batchJobIdReused('job', { startRequestId: 'req', runId: 'run', firstExecutionRunId: 'run' }),
    {
      code: Status.ALREADY_EXISTS,
      message: 'Workflow execution already finished. WorkflowId: job, RunId: run. Workflow Id reuse policy: reject duplicate workflow Id.',
      detail: [ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure, { startRequestId: 'req', runId: 'run', firstExecutionRunId: 'run' }],
    },
  ],
  batchRequiredParameters: [
    errors.batchRequiredParameters(),
    { code: Status.INVALID_ARGUMENT, message: 'must provide required parameters: BatchType,Reason,Namespace, AND one of (Query OR Executions OR TargetExecutions)' },
  ],
  invalidTaskToken: [errors.invalidTaskToken(), { code: Status.INVALID_ARGUMENT, message: 'Error deserializing task token.' }],
  invalidNextPageToken: [errors.invalidNextPageToken(), { code: Status.INVALID_ARGUMENT, message: 'Invalid NextPageToken.' }],
  blobSizeLimitExceeded: [errors.blobSizeLimitExceeded(), { code: Status.INVALID_ARGUMENT, message: 'Blob data size exceeds limit.' }],
  memoSizeLimitExceeded: [errors.memoSizeLimitExceeded(), { code: Status.INVALID_ARGUMENT, message: 'Memo size exceeds limit.' }],
  requestNotSet: [errors.requestNotSet(), { code: Status.INVALID_ARGUMENT, message: 'Request is nil.' }],
  pollDeadlineNotSet: [errors.pollDeadlineNotSet(), { code: Status.INVALID_ARGUMENT, message: 'Context timeout is not set.' }],
  pollDeadlineTooShort: [errors.pollDeadlineTooShort(), { code: Status.INVALID_ARGUMENT, message: 'Context timeout is too short.' }],
  updateAdmittedWaitNotSupported: [
    errors.updateAdmittedWaitNotSupported(),
    {
      code: Status.PERMISSION_DENIED,
      message: 'UpdateWorkflowExecution issued asynchronously and waiting on update admitted is not supported.',
      detail: [ErrorDetailType.PermissionDenied, PermissionDeniedFailure, { reason: '' }],
    },
  ],
  updateWithStartFailed: [
    errors.updateWithStartFailed([errors.invalidArgument('CronSchedule is not allowed.'), errors.multiOperationAborted()]),
    {
      code: Status.INVALID_ARGUMENT,
      message: 'Update-with-Start could not be executed.',
      detail: [
        ErrorDetailType.MultiOperationExecution,
        MultiOperationExecutionFailure,
        {
          statuses: [
            { code: Status.INVALID_ARGUMENT, message: 'CronSchedule is not allowed.', details: [] },
            { code: Status.ABORTED, message: 'Operation was aborted.', details: [expect.objectContaining({ typeUrl: `type.googleapis.com/${ErrorDetailType.MultiOperationExecutionAborted}` })] },
          ],
        },
      ],
    },
  ],
  methodNotImplemented: [errors.methodNotImplemented('CreateSchedule'), { code: Status.UNIMPLEMENTED, message: 'CreateSchedule is not implemented by Kairos yet' }],
  unknownHealthService: [errors.unknownHealthService('x.Y'), { code: Status.NOT_FOUND, message: 'unknown service x.Y' }],
  frontendShuttingDown: [errors.frontendShuttingDown(), { code: Status.UNAVAILABLE, message: 'frontend is shutting down' }],
  workerNotFound: [
    errors.workerNotFound('w-1'),
    { code: Status.NOT_FOUND, message: 'Worker w-1 not found', detail: [ErrorDetailType.NotFound, NotFoundFailure, { currentCluster: '', activeCluster: '' }] },
  ],
  workerCommandsNotEnabled: [errors.workerCommandsNotEnabled('FetchWorkerConfig'), { code: Status.UNIMPLEMENTED, message: 'FetchWorkerConfig command is not enabled.' }],

  importedRunExists: [errors.importedRunExists('w', 'r'), { code: Status.ALREADY_EXISTS, message: 'Run r of workflow w already exists in this namespace.' }],
  importedHistoryRefused: [errors.importedHistoryRefused('the history has no events'), { code: Status.INVALID_ARGUMENT, message: 'Cannot import the history: the history has no events.' }],

  workflowTaskNotFound: [errors.workflowTaskNotFound(), { code: Status.NOT_FOUND, message: 'Workflow task not found.' }],
  taskAlreadyStarted: [errors.taskAlreadyStarted(), { code: Status.ALREADY_EXISTS, message: 'Workflow task already started.' }],
  activityTaskNotFound: [
    errors.activityTaskNotFound(),
    { code: Status.NOT_FOUND, message: 'invalid activityID or activity already timed out or invoking workflow is completed' },
  ],
  activityNotFoundById: [
    errors.activityNotFoundById(),
    {
      code: Status.NOT_FOUND,
      message: "Can't find pending activity with such ID. Invalid activityID or activity already completed",
      detail: [ErrorDetailType.NotFound, NotFoundFailure, { currentCluster: '', activeCluster: '' }],
    },
  ],
  activityAlreadyPaused: [errors.activityAlreadyPaused(), { code: Status.FAILED_PRECONDITION, message: 'activity is already paused' }],
  activityIdOrTypeNotSet: [
    errors.activityIdOrTypeNotSet(),
    { code: Status.INVALID_ARGUMENT, message: 'Either Activity.Id or Activity.Type should be set on request.' },
  ],
  workflowPauseNotEnabled: [errors.workflowPauseNotEnabled('default'), { code: Status.UNIMPLEMENTED, message: 'workflow pause is not enabled for namespace: default' }],
  standaloneActivityNotFound: [
    errors.standaloneActivityNotFound('a-1'),
    { code: Status.NOT_FOUND, message: 'activity not found for ID: a-1', detail: [ErrorDetailType.NotFound, NotFoundFailure, { currentCluster: '', activeCluster: '' }] },
  ],
  workflowRulesNotEnabled: [errors.workflowRulesNotEnabled('CreateWorkflowRule'), { code: Status.UNIMPLEMENTED, message: 'method CreateWorkflowRule not supported' }],
  activityCancelNotRequested: [
    errors.activityCancelNotRequested(),
    { code: Status.INVALID_ARGUMENT, message: 'unable to mark activity as canceled without activity being request canceled first' },
  ],
  queryNotPickedUp: [errors.queryNotPickedUp(), { code: Status.DEADLINE_EXCEEDED, message: 'query timed out before a worker picked it up' }],
  queryNotAnswered: [errors.queryNotAnswered(), { code: Status.DEADLINE_EXCEEDED, message: 'query timed out before the worker answered' }],
  queryTaskNotFound: [errors.queryTaskNotFound(), { code: Status.NOT_FOUND, message: 'query task not found, or already expired' }],

  workflowNotFound: [
    errors.workflowNotFound(),
    { code: Status.NOT_FOUND, message: 'workflow execution not found', detail: [ErrorDetailType.NotFound, NotFoundFailure, activeClusters] },
  ],
  runNotFound: [
    errors.runNotFound('wf-1', 'run-1'),
    {
      code: Status.NOT_FOUND,
      message: 'workflow execution not found for workflow ID "wf-1" and run ID "run-1"',
      detail: [ErrorDetailType.NotFound, NotFoundFailure, activeClusters],
    },
  ],
  resetEventIdOutOfRange: [errors.resetEventIdOutOfRange(), { code: Status.INVALID_ARGUMENT, message: 'Workflow task finish ID must be > 1 && <= workflow last event ID.' }],
  resetPointNotAfterWorkflowTask: [
    errors.resetPointNotAfterWorkflowTask(5),
    { code: Status.INVALID_ARGUMENT, message: 'Can only reset workflow to event ID in range [WorkflowTaskScheduled +1, WorkflowTaskStarted + 1]: 5' },
  ],
  resetPointInsideBatch: [
    errors.resetPointInsideBatch(1),
    { code: Status.INVALID_ARGUMENT, message: 'StateRebuilder unable to Rebuild mutable state to event ID: 1, version: 0, this event must be at the boundary' },
  ],
  unknownResetReapplyType: [errors.unknownResetReapplyType(9), { code: Status.INTERNAL, message: 'unknown reset reapply type: 9' }],
  resetRedirectLimitReached: [errors.resetRedirectLimitReached(), { code: Status.INTERNAL, message: 'The chain of resets is too long to iterate.' }],
  workflowAlreadyRunning: [
    errors.workflowAlreadyRunning('wf-1', run),
    {
      code: Status.ALREADY_EXISTS,
      message: 'Workflow execution is already running. WorkflowId: wf-1, RunId: run-1.',
      detail: [ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure, run],
    },
  ],
  scheduleAlreadyRegistered: [
    errors.scheduleAlreadyRegistered('daily'),
    {
      code: Status.ALREADY_EXISTS,
      message: 'schedule "daily" is already registered',
      detail: [ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure, { startRequestId: '', runId: '', firstExecutionRunId: '' }],
    },
  ],
  invalidScheduleSpec: [errors.invalidScheduleSpec('interval is too small'), { code: Status.INVALID_ARGUMENT, message: 'Invalid schedule spec: interval is too small' }],
  scheduleNotFound: [
    errors.scheduleNotFound('temporal-sys-scheduler:daily'),
    {
      code: Status.NOT_FOUND,
      message: 'workflow not found for ID: temporal-sys-scheduler:daily',
      detail: [ErrorDetailType.NotFound, NotFoundFailure, activeClusters],
    },
  ],
  workflowIdReuseRejected: [
    errors.workflowIdReuseRejected('wf-1', run),
    {
      code: Status.ALREADY_EXISTS,
      message: 'Workflow execution already finished and WorkflowIdReusePolicy is REJECT_DUPLICATE. WorkflowId: wf-1, RunId: run-1.',
      detail: [ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure, run],
    },
  ],
  workflowIdReuseFailedOnly: [
    errors.workflowIdReuseFailedOnly('wf-1', run),
    {
      code: Status.ALREADY_EXISTS,
      message:
        'Workflow execution already finished successfully. WorkflowId: wf-1, RunId: run-1. Workflow Id reuse policy: allow duplicate workflow Id if last run failed.',
      detail: [ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure, run],
    },
  ],
  concurrentStarts: [errors.concurrentStarts(), { code: Status.UNAVAILABLE, message: 'concurrent starts of the same workflow id; retry' }],
  signalLimitExceeded: [errors.signalLimitExceeded(), { code: Status.INVALID_ARGUMENT, message: 'exceeded workflow execution limit for signal events' }],
  invalidCommandSequence: [
    errors.invalidCommandSequence(['CompleteWorkflowExecution', 'StartTimer'], 'CompleteWorkflowExecution'),
    { code: Status.INVALID_ARGUMENT, message: 'invalid command sequence: [CompleteWorkflowExecution, StartTimer], command CompleteWorkflowExecution must be the last command.' },
  ],
  unknownCommandType: [errors.unknownCommandType('Unspecified'), { code: Status.INVALID_ARGUMENT, message: 'unknown command type: Unspecified' }],
  commandNotSupported: [
    errors.commandNotSupported('COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION'),
    { code: Status.UNIMPLEMENTED, message: 'Kairos does not support command COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION yet' },
  ],

  noLiveHistoryInstance: [errors.noLiveHistoryInstance(3), { code: Status.UNAVAILABLE, message: 'no live history instance for shard 3' }],
  noLiveInstance: [errors.noLiveInstance('matching'), { code: Status.UNAVAILABLE, message: 'no live matching instance' }],
  noLiveMatchingInstance: [errors.noLiveMatchingInstance('ns/workflow/q'), { code: Status.UNAVAILABLE, message: 'no live matching instance for task queue ns/workflow/q' }],
  shardMoved: [errors.shardMoved(2), { code: Status.UNAVAILABLE, message: 'shard 2 moved to another history instance' }],
  shardNotOwned: [errors.shardNotOwned(2), { code: Status.UNAVAILABLE, message: 'shard 2 is not owned by this history instance' }],
  taskQueueMoved: [errors.taskQueueMoved('q'), { code: Status.UNAVAILABLE, message: 'task queue q moved to another matching instance' }],
  persistenceUnavailable: [errors.persistenceUnavailable('timeout'), { code: Status.UNAVAILABLE, message: 'persistence unavailable: timeout' }],
};

describe('the error catalogue', () => {
  for (const [name, [err, expected]] of Object.entries(cases)) {
    it(`${name}: ${Status[expected.code]} "${expected.message.slice(0, 60)}"`, () => {
      expect(isApiError(err)).toBe(true);
      expect(err.code).toBe(expected.code);
      expect(err.message).toBe(expected.message);
      if (!expected.detail) {
        expect(err.detail).toBeUndefined();
        return;
      }
      const [typeName, codec, content] = expected.detail;
      expect(err.detail?.typeName).toBe(typeName);
      expect(decodeErrorDetail(err, typeName, codec)).toEqual(content);
    });
  }

  it('covers every builder', () => {
    const builders = Object.entries(errors)
      .filter(([name, value]) => typeof value === 'function' && value !== ApiError && !['isApiError', 'decodeErrorDetail', 'encodeDetail', 'namespaceStateName'].includes(name))
      .map(([name]) => name);
    expect(builders.sort()).toEqual(Object.keys(cases).sort());
  });

  it('decodeErrorDetail ignores other errors and other detail types', () => {
    expect(decodeErrorDetail(new Error('x'), ErrorDetailType.NotFound, NotFoundFailure)).toBeUndefined();
    expect(decodeErrorDetail(errors.invalidArgument('x'), ErrorDetailType.NotFound, NotFoundFailure)).toBeUndefined();
    expect(decodeErrorDetail(errors.namespaceNotFound('x'), ErrorDetailType.NotFound, NotFoundFailure)).toBeUndefined();
  });

  it('toApiError keeps an ApiError as it is', () => {
    const err = errors.workflowNotFound();
    expect(errors.toApiError(err)).toBe(err);
  });
});
