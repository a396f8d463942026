import { describe, expect, it } from 'vitest';
import { decodeTaskToken, encodeTaskToken, shardIdFor } from '@kairos/domain';
import { HistoryServiceDefinition } from '@kairos/proto/kairos/historyservice/v1/service';
import { MatchingServiceDefinition } from '@kairos/proto/kairos/matchingservice/v1/service';
import { TaskTokenKind } from '@kairos/proto/kairos/persistence/v1/executions';
import { declaredRoute } from './declaredRoute';
import { methodRoutes, type MethodRoute } from './methodRoutes';

// The hand-written tables the declared routes replace, kept here as the reference: for every RPC
// the derived route must give what these gave.
type AnyRequest = Record<string, any>;
const token = (kind: TaskTokenKind) => (r: AnyRequest) => decodeTaskToken(r.request?.taskToken, kind).workflowId;
const LEGACY_WORKFLOW_ID_OF: Record<string, (r: AnyRequest) => string | undefined> = {
  startWorkflowExecution: (r) => r.request?.workflowId,
  getWorkflowExecutionHistory: (r) => r.request?.execution?.workflowId,
  describeWorkflowExecution: (r) => r.request?.execution?.workflowId,
  terminateWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  deleteWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  signalWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  signalWithStartWorkflowExecution: (r) => r.request?.workflowId,
  requestCancelWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  queryWorkflow: (r) => r.request?.execution?.workflowId,
  updateWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  pollWorkflowExecutionUpdate: (r) => r.request?.updateRef?.workflowExecution?.workflowId,
  executeMultiOperation: (r) => r.startWorkflow?.workflowId,
  resetStickyTaskQueue: (r) => r.request?.execution?.workflowId,
  getWorkflowExecutionHistoryReverse: (r) => r.request?.execution?.workflowId,
  recordChildExecutionCompleted: (r) => r.parentExecution?.workflowId,
  recordWorkflowTaskStarted: (r) => r.workflowExecution?.workflowId,
  recordActivityTaskStarted: (r) => r.workflowExecution?.workflowId,
  respondWorkflowTaskCompleted: token(TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK),
  respondWorkflowTaskFailed: token(TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK),
  recordActivityTaskHeartbeat: token(TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK),
  respondActivityTaskCompleted: token(TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK),
  respondActivityTaskFailed: token(TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK),
  respondActivityTaskCanceled: token(TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK),
  recordActivityTaskHeartbeatById: (r) => r.request?.workflowId,
  respondActivityTaskCompletedById: (r) => r.request?.workflowId,
  respondActivityTaskFailedById: (r) => r.request?.workflowId,
  respondActivityTaskCanceledById: (r) => r.request?.workflowId,
  importWorkflowExecution: (r) => r.workflowId,
  resetWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  pauseActivity: (r) => r.request?.execution?.workflowId,
  unpauseActivity: (r) => r.request?.execution?.workflowId,
  resetActivity: (r) => r.request?.execution?.workflowId,
  updateActivityOptions: (r) => r.request?.execution?.workflowId,
  updateWorkflowExecutionOptions: (r) => r.request?.workflowExecution?.workflowId,
  unpauseWorkflowExecution: (r) => r.request?.workflowId,
  startBatchOperation: (r) => r.request?.jobId,
  describeBatchOperation: (r) => r.request?.jobId,
  createSchedule: (r) => r.schedulerWorkflowId,
  describeSchedule: (r) => r.schedulerWorkflowId,
  updateSchedule: (r) => r.schedulerWorkflowId,
  patchSchedule: (r) => r.schedulerWorkflowId,
  deleteSchedule: (r) => r.schedulerWorkflowId,
  recordScheduledWorkflowClosed: (r) => r.schedulerWorkflowId,
};
const queueName = (q: { name: string } | string | undefined): string => (typeof q === 'string' ? q : (q?.name ?? ''));
const LEGACY_QUEUE_OF: Record<string, (r: AnyRequest) => string> = {
  addWorkflowTask: (r) => `${r.namespaceId}/workflow/${queueName(r.taskQueue)}`,
  addActivityTask: (r) => `${r.namespaceId}/activity/${queueName(r.taskQueue)}`,
  pollWorkflowTaskQueue: (r) => `${r.namespaceId}/workflow/${r.request?.taskQueue?.name ?? ''}`,
  pollActivityTaskQueue: (r) => `${r.namespaceId}/activity/${r.request?.taskQueue?.name ?? ''}`,
  releaseStickyTaskQueue: (r) => `${r.namespaceId}/workflow/${r.stickyTaskQueue ?? ''}`,
  queryWorkflow: (r) => `${r.namespaceId}/workflow/${queueName(r.taskQueue)}`,
  respondQueryTaskCompleted: (r) => `${r.namespaceId}/workflow/${queueName(r.taskQueue)}`,
  cancelOutstandingWorkerPolls: (r) => `${r.namespaceId}/${r.taskQueueKind ?? 'workflow'}/${queueName(r.taskQueue)}`,
  describeTaskQueue: (r) => `${r.namespaceId}/${r.request?.taskQueueType === 2 ? 'activity' : 'workflow'}/${r.request?.taskQueue?.name ?? ''}`,
  updateTaskQueueConfig: (r) => `${r.namespaceId}/${r.request?.taskQueueType === 2 ? 'activity' : 'workflow'}/${r.request?.taskQueue ?? ''}`,
};

/** What a route gives for a request: its value, or the error it throws. */
function outcome(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (err) {
    return { error: String(err), code: (err as { code?: unknown }).code };
  }
}

const tokens = {
  workflowTask: encodeTaskToken({ kind: TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK, namespaceId: 'ns', workflowId: 'from-wft-token', runId: 'r' }),
  activityTask: encodeTaskToken({ kind: TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK, namespaceId: 'ns', workflowId: 'from-act-token', runId: 'r' }),
  queryTask: encodeTaskToken({ kind: TaskTokenKind.TASK_TOKEN_KIND_QUERY_TASK, namespaceId: 'ns', workflowId: 'from-query-token', runId: 'r' }),
  garbage: new Uint8Array([1, 2, 3]),
  none: undefined,
};

/** A request with a different workflow id at every place any history RPC reads one. */
function historyRequest(taskToken: Uint8Array | undefined): AnyRequest {
  return {
    namespaceId: 'ns-1',
    request: {
      workflowId: 'request.workflowId',
      execution: { workflowId: 'request.execution' },
      workflowExecution: { workflowId: 'request.workflowExecution' },
      updateRef: { workflowExecution: { workflowId: 'request.updateRef' } },
      taskToken,
    },
    workflowExecution: { workflowId: 'workflowExecution' },
    parentExecution: { workflowId: 'parentExecution' },
    startWorkflow: { workflowId: 'startWorkflow' },
  };
}

/** Requests shaped as each matching RPC's type says, with a different queue name at every place. */
function matchingRequests(method: string): AnyRequest[] {
  const spec = (MatchingServiceDefinition.methods as Record<string, { requestType: { fromPartial(v: unknown): unknown } }>)[method]!;
  const shape = spec.requestType.fromPartial({}) as AnyRequest;
  const taskQueue = typeof shape.taskQueue === 'string' ? 'taskQueue-string' : { name: 'taskQueue.name' };
  const base = { namespaceId: 'ns-1', taskQueue, stickyTaskQueue: 'sticky', request: { taskQueue: { name: 'request.taskQueue.name' } } };
  const variants: AnyRequest[] = [{ namespaceId: 'ns-1' }, {}, base];
  for (const taskQueueKind of ['activity', 'workflow', '', undefined]) variants.push({ ...base, taskQueueKind });
  for (const taskQueueType of [0, 1, 2, 3, undefined]) variants.push({ ...base, request: { ...base.request, taskQueueType } });
  return [...variants, ...variants.map((v) => spec.requestType.fromPartial(v) as AnyRequest)];
}

const executionOf = (route: MethodRoute | undefined) => (route?.target === 'execution' ? route.executionOf : undefined);
const queueKeyOf = (route: MethodRoute | undefined) => (route?.target === 'taskQueue' ? route.queueKeyOf : undefined);

describe('routes declared on the internal services', () => {
  it('every method of both services declares a route of its service kind', () => {
    for (const [name, method] of Object.entries(HistoryServiceDefinition.methods)) expect(declaredRoute(method)?.execution, name).toBeDefined();
    for (const [name, method] of Object.entries(MatchingServiceDefinition.methods)) expect(declaredRoute(method)?.taskQueue, name).toBeDefined();
    expect([...methodRoutes(HistoryServiceDefinition, ['execution']).keys()].sort()).toEqual(Object.keys(HistoryServiceDefinition.methods).sort());
    expect([...methodRoutes(MatchingServiceDefinition, ['taskQueue']).keys()].sort()).toEqual(Object.keys(MatchingServiceDefinition.methods).sort());
  });

  it('the reference tables cover exactly the RPCs of the services', () => {
    expect(Object.keys(LEGACY_WORKFLOW_ID_OF).sort()).toEqual(Object.keys(HistoryServiceDefinition.methods).sort());
    expect(Object.keys(LEGACY_QUEUE_OF).sort()).toEqual(Object.keys(MatchingServiceDefinition.methods).sort());
  });

  it('each history RPC finds the workflow id where the hand-written table did, task tokens included', () => {
    const routes = methodRoutes(HistoryServiceDefinition, ['execution']);
    const spec = HistoryServiceDefinition.methods as Record<string, { requestType: { fromPartial(v: unknown): unknown } }>;
    for (const method of Object.keys(LEGACY_WORKFLOW_ID_OF)) {
      for (const [tokenName, taskToken] of Object.entries(tokens)) {
        const raw = historyRequest(taskToken);
        for (const request of [raw, spec[method]!.requestType.fromPartial(raw) as AnyRequest, { namespaceId: 'ns-1' }]) {
          const legacy = outcome(() => ({ namespaceId: request.namespaceId, workflowId: LEGACY_WORKFLOW_ID_OF[method]!(request) ?? '' }));
          expect(outcome(() => executionOf(routes.get(method))!(request)), `${method} with token ${tokenName}`).toEqual(legacy);
        }
      }
    }
  });

  it('each matching RPC finds the task queue where the hand-written table did', () => {
    const routes = methodRoutes(MatchingServiceDefinition, ['taskQueue']);
    for (const method of Object.keys(LEGACY_QUEUE_OF)) {
      for (const request of matchingRequests(method)) {
        expect(queueKeyOf(routes.get(method))!(request), `${method} ${JSON.stringify(request)}`).toBe(LEGACY_QUEUE_OF[method]!(request));
      }
    }
  });

  it('reads the workflow id from the request, the execution or the task token', () => {
    const routes = methodRoutes(HistoryServiceDefinition, ['execution']);
    const route = (method: string) => executionOf(routes.get(method))!;
    expect(route('startWorkflowExecution')({ namespaceId: 'ns', request: { workflowId: 'a' } })).toEqual({ namespaceId: 'ns', workflowId: 'a' });
    expect(route('recordActivityTaskStarted')({ namespaceId: 'ns', workflowExecution: { workflowId: 'b', runId: 'r' } }).workflowId).toBe('b');
    expect(route('respondActivityTaskCompletedById')({ namespaceId: 'ns', request: { workflowId: 'c', activityId: 'x' } }).workflowId).toBe('c');
    const { namespaceId, workflowId } = route('respondActivityTaskCompleted')({ namespaceId: 'ns', request: { taskToken: tokens.activityTask } });
    expect(shardIdFor(namespaceId, workflowId, 16)).toBe(shardIdFor('ns', 'from-act-token', 16));
  });

  it('refuses a malformed or foreign task token with INVALID_ARGUMENT before routing', () => {
    const route = executionOf(methodRoutes(HistoryServiceDefinition, ['execution']).get('respondWorkflowTaskCompleted'))!;
    expect(() => route({ namespaceId: 'ns', request: { taskToken: tokens.garbage } })).toThrow(expect.objectContaining({ code: 3 }));
    expect(() => route({ namespaceId: 'ns', request: { taskToken: tokens.activityTask } })).toThrow(expect.objectContaining({ code: 3 }));
  });

  it('refuses to route a service by a target its instances do not own', () => {
    expect(() => methodRoutes(HistoryServiceDefinition, ['taskQueue'])).toThrow(/startWorkflowExecution is routed by execution/);
    expect(() => methodRoutes(MatchingServiceDefinition, ['execution', 'anyInstance'])).toThrow(/addWorkflowTask is routed by taskQueue/);
  });
});
