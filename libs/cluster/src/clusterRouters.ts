import type { ClusterDirectory } from './clusterDirectory';
import { historyShardOf } from './historyRouting';
import type { Router } from './routedClient';

/** Routes each history call to the instance holding its execution's shard. */
export function historyRouter(directory: ClusterDirectory, numShards: number): Router {
  return {
    addressFor: async (method, request) => directory.historyAddressForShard(historyShardOf(method, request, numShards), numShards),
    moved: () => directory.refreshSoon(),
  };
}

type MatchingRequest = {
  namespaceId: string;
  taskQueue?: { name: string } | string;
  request?: { taskQueue?: { name: string }; taskQueueType?: number };
  stickyTaskQueue?: string;
};

const queueName = (q: { name: string } | string | undefined): string => (typeof q === 'string' ? q : (q?.name ?? ''));

/** The task queue key (`namespaceId/kind/name`) each matching method is about. */
const QUEUE_OF: Record<string, (r: MatchingRequest) => string> = {
  addWorkflowTask: (r) => `${r.namespaceId}/workflow/${queueName(r.taskQueue)}`,
  addActivityTask: (r) => `${r.namespaceId}/activity/${queueName(r.taskQueue)}`,
  pollWorkflowTaskQueue: (r) => `${r.namespaceId}/workflow/${r.request?.taskQueue?.name ?? ''}`,
  pollActivityTaskQueue: (r) => `${r.namespaceId}/activity/${r.request?.taskQueue?.name ?? ''}`,
  releaseStickyTaskQueue: (r) => `${r.namespaceId}/workflow/${r.stickyTaskQueue ?? ''}`,
  queryWorkflow: (r) => `${r.namespaceId}/workflow/${queueName(r.taskQueue)}`,
  respondQueryTaskCompleted: (r) => `${r.namespaceId}/workflow/${queueName(r.taskQueue)}`,
  cancelOutstandingWorkerPolls: (r) => `${r.namespaceId}/${(r as { taskQueueKind?: string }).taskQueueKind ?? 'workflow'}/${queueName(r.taskQueue)}`,
  describeTaskQueue: (r) => `${r.namespaceId}/${r.request?.taskQueueType === 2 ? 'activity' : 'workflow'}/${r.request?.taskQueue?.name ?? ''}`,
};

/** The task queue key of a matching request; throws for a method this table does not know. */
export function matchingQueueOf(method: string, request: unknown): string {
  const pick = QUEUE_OF[method];
  if (!pick) throw new Error(`no matching route for method ${method}`);
  return pick(request as MatchingRequest);
}

/** Routes each matching call to the instance serving its task queue. */
export function matchingRouter(directory: ClusterDirectory): Router {
  return {
    addressFor: async (method, request) => directory.matchingAddressForQueue(matchingQueueOf(method, request)),
    moved: () => directory.refreshSoon(),
  };
}
