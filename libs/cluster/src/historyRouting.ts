import { TaskTokenKind } from '@kairos/proto/kairos/persistence/v1/executions';
import { decodeTaskToken, shardIdFor } from '@kairos/domain';

/** The execution an internal history request is about: it decides the shard, hence the instance. */
export interface HistoryRoute {
  namespaceId: string;
  workflowId: string;
}

type AnyRequest = {
  namespaceId: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the request shapes vary per RPC
  request?: Record<string, any>;
  workflowExecution?: { workflowId: string };
};

const fromToken = (kind: TaskTokenKind) => (r: AnyRequest) => decodeTaskToken(r.request?.taskToken, kind).workflowId;
const workflowTaskToken = fromToken(TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK);
const activityTaskToken = fromToken(TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK);

/** Where each history method finds its workflow id (a malformed task token is INVALID_ARGUMENT here already). */
const WORKFLOW_ID_OF: Record<string, (r: AnyRequest) => string | undefined> = {
  startWorkflowExecution: (r) => r.request?.workflowId,
  getWorkflowExecutionHistory: (r) => r.request?.execution?.workflowId,
  describeWorkflowExecution: (r) => r.request?.execution?.workflowId,
  terminateWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  signalWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  signalWithStartWorkflowExecution: (r) => r.request?.workflowId,
  requestCancelWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  queryWorkflow: (r) => r.request?.execution?.workflowId,
  updateWorkflowExecution: (r) => r.request?.workflowExecution?.workflowId,
  pollWorkflowExecutionUpdate: (r) => r.request?.updateRef?.workflowExecution?.workflowId,
  executeMultiOperation: (r) => (r as { startWorkflow?: { workflowId: string } }).startWorkflow?.workflowId,
  resetStickyTaskQueue: (r) => r.request?.execution?.workflowId,
  getWorkflowExecutionHistoryReverse: (r) => r.request?.execution?.workflowId,
  recordChildExecutionCompleted: (r) => (r as { parentExecution?: { workflowId: string } }).parentExecution?.workflowId,
  recordWorkflowTaskStarted: (r) => r.workflowExecution?.workflowId,
  recordActivityTaskStarted: (r) => r.workflowExecution?.workflowId,
  respondWorkflowTaskCompleted: workflowTaskToken,
  respondWorkflowTaskFailed: workflowTaskToken,
  recordActivityTaskHeartbeat: activityTaskToken,
  respondActivityTaskCompleted: activityTaskToken,
  respondActivityTaskFailed: activityTaskToken,
  respondActivityTaskCanceled: activityTaskToken,
  recordActivityTaskHeartbeatById: (r) => r.request?.workflowId,
  respondActivityTaskCompletedById: (r) => r.request?.workflowId,
  respondActivityTaskFailedById: (r) => r.request?.workflowId,
  respondActivityTaskCanceledById: (r) => r.request?.workflowId,
};

/** The route of an internal history request; throws for a method this table does not know. */
export function historyRouteOf(method: string, request: unknown): HistoryRoute {
  const pick = WORKFLOW_ID_OF[method];
  if (!pick) throw new Error(`no history route for method ${method}`);
  const r = request as AnyRequest;
  return { namespaceId: r.namespaceId, workflowId: pick(r) ?? '' };
}

/** The shard of an internal history request. */
export function historyShardOf(method: string, request: unknown, numShards: number): number {
  const { namespaceId, workflowId } = historyRouteOf(method, request);
  return shardIdFor(namespaceId, workflowId, numShards);
}
