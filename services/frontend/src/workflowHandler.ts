import { randomUUID } from 'node:crypto';
import { Status } from 'nice-grpc-common';
import type { CallContext } from 'nice-grpc-common';
import {
  frontendShuttingDown,
  invalidArgument,
  namespaceNotFound,
  visibilityArchivalNotConfigured,
  invalidTaskToken,
  methodNotImplemented,
  multiOperationAborted,
  toApiError,
  updateAdmittedWaitNotSupported,
  updateWithStartFailed,
  unknownResetReapplyType,
  type ApiError,
} from '@kairos/common/errors';
import { UpdateWorkflowExecutionLifecycleStage as UpdateStage } from '@kairos/proto/temporal/api/enums/v1/update';
import { DescribeTaskQueueMode, TaskQueueType } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { NamespaceState } from '@kairos/proto/temporal/api/enums/v1/namespace';
import { ResetReapplyType } from '@kairos/proto/temporal/api/enums/v1/reset';
import type { Logger } from '@kairos/common/logger';
import { setting } from '@kairos/common/settings';
import { onCallCancelled } from '@kairos/common/grpc';
import type { HistoryClient, MatchingClient } from '@kairos/cluster';
import { decodeTaskToken, durationToMs, resolveLimits, type Limits, NamespaceRegistry, validateSignalWithStartRequest, validateStartRequest } from '@kairos/domain';
import type { Store } from '@kairos/persistence/store';
import { TaskTokenKind } from '@kairos/proto/kairos/persistence/v1/executions';
import { WorkflowServiceDefinition, type WorkflowServiceImplementation } from '@kairos/proto/temporal/api/workflowservice/v1/service';
import * as api from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { getClusterInfo, type ClusterFacts } from './clusterInfo';
import { describeTaskQueueEnhanced } from './describeTaskQueueEnhanced';
import { registerNamespace } from './namespaces';
import { applyNamespaceUpdate, checkedRetention, deprecated } from './namespaceUpdates';
import { describeNamespaceResponse } from './namespaceViews';
import { pollWaitMs, requirePollDeadline } from './pollDeadline';
import { updateTaskQueueConfig } from './taskQueueConfig';
import { requireNamespaceLength, requireNonEmpty, requireWorkflowExecution, requireTaskQueue, tooLong } from './validation';
import { createVisibilityHandlers, validateSearchAttributes } from './visibilityHandlers';
import { createWorkerHandlers, recordHeartbeats } from './workers/workerHandlers';
import { createScheduleHandlers } from './schedules';
import { createBatchHandlers } from './batchOperations';
import { createActivityOperationHandlers } from './activityOperations';

export interface FrontendDeps {
  store: Store;
  history: HistoryClient;
  matching: MatchingClient;
  logger: Logger;
  /** Aborted when the server shuts down: waiting polls answer empty at once. */
  shutdownSignal: AbortSignal;
  /** Per-namespace (by name) overrides of Temporal's limits. */
  namespaceLimits?: Record<string, Partial<Limits>>;
  /** The namespace cache, when shared with the server's middleware; otherwise its own. */
  namespaces?: NamespaceRegistry;
  /** What GetClusterInfo reports of the deployment. */
  cluster: ClusterFacts;
}

export const SERVER_VERSION = '1.29.1';

/** ResetReapplyType values Temporal's frontend knows (an unset one means ALL_ELIGIBLE). */
const KNOWN_RESET_REAPPLY_TYPES = new Set<number>(Object.values(ResetReapplyType).filter((v): v is number => typeof v === 'number' && v >= 0));

/**
 * The public WorkflowService: validates each request, resolves the namespace, and routes it to
 * history (execution calls) or matching (polls). It keeps no state of its own.
 */
export function createWorkflowHandler(deps: FrontendDeps): WorkflowServiceImplementation {
  const namespaces = deps.namespaces ?? new NamespaceRegistry(deps.store);
  const { history, matching } = deps;
  // Waiting polls end when this server shuts down: one listener for all of them.
  const waitingPolls = new Set<() => void>();
  const endWaitingPolls = () => {
    for (const end of waitingPolls) end();
  };
  if (deps.shutdownSignal.aborted) endWaitingPolls();
  else deps.shutdownSignal.addEventListener('abort', endWaitingPolls, { once: true });

  async function namespaceId(name: string): Promise<string> {
    if (!name) throw invalidArgument('Namespace not set on request.');
    requireNamespaceLength(name);
    return (await namespaces.getByName(name)).info!.id;
  }

  const limitsOf = (name: string) => resolveLimits(deps.namespaceLimits?.[name]);

  /**
   * Runs a long poll against another service with a signal that ends when the caller leaves or
   * this server shuts down. If it was cut short so, the answer is `empty()`, never an error:
   * workers treat errors as fatal. (The caller's cancellation is linked by hand rather than with
   * AbortSignal.any, which costs more per poll, and without making the caller's signal at all on
   * our gRPC server; shutdown ends every waiting poll through one listener.)
   */
  async function longPoll<T>(context: CallContext, call: (signal: AbortSignal) => Promise<T>, empty: () => T): Promise<T> {
    const linked = new AbortController();
    const abort = () => linked.abort();
    if (deps.shutdownSignal.aborted) linked.abort();
    const stopListening = onCallCancelled(context, abort);
    waitingPolls.add(abort);
    try {
      return await call(linked.signal);
    } catch (err) {
      if (linked.signal.aborted) return empty();
      throw err;
    } finally {
      stopListening();
      waitingPolls.delete(abort);
    }
  }

  /**
   * Temporal's checks and defaults of a start (or the start of update-with-start): the rules of
   * @kairos/domain, which history applies again, then the namespace and its search attributes.
   */
  async function prepareStart(namespace: string, request: api.StartWorkflowExecutionRequest): Promise<{ nsId: string; request: api.StartWorkflowExecutionRequest }> {
    requireNamespaceLength(namespace);
    const prepared = validateStartRequest(request);
    const nsId = await namespaceId(namespace);
    await validateSearchAttributes(deps.store, nsId, namespace, request.searchAttributes);
    return { nsId, request: prepared };
  }

  /** Temporal's checks and defaults of an update request: a generated update id, waiting for completion. */
  function prepareUpdate(request: api.UpdateWorkflowExecutionRequest): api.UpdateWorkflowExecutionRequest {
    requireWorkflowExecution(request.workflowExecution);
    const update = request.request;
    if (!update?.meta) throw invalidArgument('Update meta is not set on request.');
    if (tooLong(update.meta.updateId)) throw invalidArgument('UpdateId length exceeds limit.');
    if (!update.input) throw invalidArgument('Update input is not set on request.');
    if (!update.input.name) throw invalidArgument('Update name is not set on request.');
    const stage = request.waitPolicy?.lifecycleStage || UpdateStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;
    if (stage === UpdateStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED) {
      throw updateAdmittedWaitNotSupported();
    }
    return {
      ...request,
      request: { ...update, meta: { ...update.meta, updateId: update.meta.updateId || randomUUID() } },
      waitPolicy: { lifecycleStage: stage },
    };
  }

  /**
   * Update-with-start as Temporal accepts it: exactly [Start, Update] on one workflow id, no cron,
   * start delay or eager start, no run ids on the update. A refused operation is reported among
   * the statuses of a MultiOperationExecution error, the other as ABORTED.
   */
  async function prepareUpdateWithStart(request: api.ExecuteMultiOperationRequest): Promise<[api.StartWorkflowExecutionRequest, api.UpdateWorkflowExecutionRequest]> {
    const [first, second] = request.operations;
    if (request.operations.length !== 2 || !first?.startWorkflow || !second?.updateWorkflow) throw invalidArgument('Operations have to be exactly [Start, Update].');
    let start: api.StartWorkflowExecutionRequest | undefined;
    let update: api.UpdateWorkflowExecutionRequest | undefined;
    const errors: ApiError[] = [multiOperationAborted(), multiOperationAborted()];
    try {
      const s = first.startWorkflow;
      if (s.namespace && s.namespace !== request.namespace) throw invalidArgument("Operation namespace did not match request's namespace.");
      start = (await prepareStart(request.namespace, s)).request;
      if (s.cronSchedule) throw invalidArgument('CronSchedule is not allowed.');
      if (s.requestEagerExecution) throw invalidArgument('RequestEagerExecution is not supported.');
      if (durationToMs(s.workflowStartDelay) > 0) throw invalidArgument('WorkflowStartDelay is not supported.');
    } catch (err) {
      errors[0] = toApiError(err);
    }
    try {
      const u = second.updateWorkflow;
      if (u.namespace && u.namespace !== request.namespace) throw invalidArgument("Operation namespace did not match request's namespace.");
      update = prepareUpdate(u);
      if (u.firstExecutionRunId) throw invalidArgument('FirstExecutionRunId is not allowed.');
      if (u.workflowExecution?.runId) throw invalidArgument('RunId is not allowed.');
      if (start && u.workflowExecution?.workflowId !== start.workflowId) throw invalidArgument('WorkflowId is not consistent with previous operation(s).');
    } catch (err) {
      errors[1] = toApiError(err);
    }
    if (!start || !update || errors.some((e) => e.code !== Status.ABORTED)) throw updateWithStartFailed(errors);
    return [start, update];
  }

  async function terminate(request: api.TerminateWorkflowExecutionRequest): Promise<void> {
    const nsId = await namespaceId(request.namespace);
    requireWorkflowExecution(request.workflowExecution);
    // Temporal's defaults, which tell a user's termination from the server's own.
    const withDefaults = { ...request, reason: request.reason || 'terminated by user via frontend', identity: request.identity || 'frontend-service' };
    await history.terminateWorkflowExecution({ namespaceId: nsId, request: withDefaults });
  }

  const implemented: Partial<WorkflowServiceImplementation> = {
    // ListWorkflowExecutions, Scan, Count, ListOpen/ListClosed, GetSearchAttributes.
    ...createVisibilityHandlers({ store: deps.store, namespaces }),
    // RecordWorkerHeartbeat, ListWorkers, CountWorkers, DescribeWorker, Fetch/UpdateWorkerConfig.
    ...createWorkerHandlers({ store: deps.store, namespaceId }),
    ...createScheduleHandlers({ store: deps.store, history, namespaces }),
    // Start/Stop/Describe/ListBatchOperations.
    ...createBatchHandlers({ store: deps.store, history, namespaces, terminate }),
    ...createActivityOperationHandlers({ history, namespaceId }),

    async getSystemInfo() {
      return api.GetSystemInfoResponse.fromPartial({
        serverVersion: SERVER_VERSION,
        capabilities: {
          signalAndQueryHeader: true,
          internalErrorDifferentiation: true,
          activityFailureIncludeHeartbeat: true,
          encodedFailureAttributes: true,
          upsertMemo: true,
          sdkMetadata: true,
          supportsSchedules: true,
          eagerWorkflowStart: true,
          // The SDKs then send build ids (not binary checksums), which history records on
          // started/completed events exactly as Temporal does.
          buildIdBasedVersioning: true,
        },
      });
    },

    async getClusterInfo() {
      return getClusterInfo(deps.store, deps.cluster, SERVER_VERSION);
    },

    async registerNamespace(request) {
      requireNonEmpty(request.namespace, 'Namespace not set on request.');
      const retention = checkedRetention(request.workflowExecutionRetentionPeriod);
      await registerNamespace(deps.store, {
        name: request.namespace,
        description: request.description,
        ownerEmail: request.ownerEmail,
        retention,
        data: request.data,
      });
      return {};
    },

    async describeNamespace(request) {
      const record = request.id ? await namespaces.getById(request.id) : await namespaces.getByName(request.namespace);
      return describeNamespaceResponse(record, limitsOf(record.info!.name));
    },

    async updateNamespace(request) {
      requireNonEmpty(request.namespace, 'Namespace not set on request.');
      const updated = await deps.store.updateNamespace(request.namespace, (record) => applyNamespaceUpdate(record, request, new Date()));
      if (!updated) throw namespaceNotFound(request.namespace);
      namespaces.remember(updated);
      return describeNamespaceResponse(updated, limitsOf(request.namespace));
    },

    async deprecateNamespace(request) {
      requireNonEmpty(request.namespace, 'Namespace not set on request.');
      const updated = await deps.store.updateNamespace(request.namespace, deprecated);
      if (!updated) throw namespaceNotFound(request.namespace);
      namespaces.remember(updated);
      return {};
    },

    async listArchivedWorkflowExecutions(request) {
      requireNonEmpty(request.namespace, 'Namespace is empty.');
      await namespaceId(request.namespace);
      throw visibilityArchivalNotConfigured();
    },

    async listNamespaces(request) {
      // Deleted namespaces are left out unless asked for, as Temporal lists them.
      const includeDeleted = request.namespaceFilter?.includeDeleted ?? false;
      const records = (await deps.store.listNamespaces()).filter((r) => includeDeleted || r.info!.state !== NamespaceState.NAMESPACE_STATE_DELETED);
      return api.ListNamespacesResponse.fromPartial({ namespaces: records.map((r) => describeNamespaceResponse(r, limitsOf(r.info!.name))) });
    },

    async startWorkflowExecution(request) {
      const { nsId, request: prepared } = await prepareStart(request.namespace, request);
      const res = await history.startWorkflowExecution({ namespaceId: nsId, request: prepared });
      return res.response!;
    },

    async executeMultiOperation(request, context) {
      const nsId = await namespaceId(request.namespace);
      const [start, update] = await prepareUpdateWithStart(request);
      return (await history.executeMultiOperation({ namespaceId: nsId, startWorkflow: start, updateWorkflow: update }, { signal: context.signal })).response!;
    },

    async getWorkflowExecutionHistory(request, context) {
      const nsId = await namespaceId(request.namespace);
      requireWorkflowExecution(request.execution);
      if (!request.waitNewEvent) {
        return (await history.getWorkflowExecutionHistory({ namespaceId: nsId, request }, { signal: context.signal })).response!;
      }
      // A waiting read ends (empty, with a token to continue) when the server shuts down.
      return longPoll(
        context,
        async (signal) => (await history.getWorkflowExecutionHistory({ namespaceId: nsId, request }, { signal })).response!,
        () => {
          // Only the history service can mint a continuation token; a retryable status lets the
          // client's retry reach a live frontend.
          throw frontendShuttingDown();
        },
      );
    },

    async describeWorkflowExecution(request) {
      const nsId = await namespaceId(request.namespace);
      requireWorkflowExecution(request.execution);
      const res = await history.describeWorkflowExecution({ namespaceId: nsId, request });
      return res.response!;
    },

    async pollWorkflowTaskQueue(request, context) {
      const receivedAt = Date.now();
      const nsId = await namespaceId(request.namespace);
      requireTaskQueue(request.taskQueue);
      requirePollDeadline(context, receivedAt);
      const empty = () => api.PollWorkflowTaskQueueResponse.fromPartial({});
      const res = await longPoll(
        context,
        (signal) => matching.pollWorkflowTaskQueue({ namespaceId: nsId, pollerId: randomUUID(), request, waitTimeoutMs: pollWaitMs(context, receivedAt) }, { signal }),
        () => ({ response: undefined }),
      );
      return res.response ?? empty();
    },

    async respondWorkflowTaskCompleted(request) {
      const nsId = await namespaceId(request.namespace);
      decodeTaskToken(request.taskToken, TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK);
      if (tooLong(request.identity)) throw invalidArgument('Identity length exceeds limit.');
      const res = await history.respondWorkflowTaskCompleted({ namespaceId: nsId, request });
      return res.response!;
    },

    async respondWorkflowTaskFailed(request) {
      const nsId = await namespaceId(request.namespace);
      decodeTaskToken(request.taskToken, TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK);
      await history.respondWorkflowTaskFailed({ namespaceId: nsId, request });
      return {};
    },

    async pollActivityTaskQueue(request, context) {
      const receivedAt = Date.now();
      const nsId = await namespaceId(request.namespace);
      requireTaskQueue(request.taskQueue);
      requirePollDeadline(context, receivedAt);
      const empty = () => api.PollActivityTaskQueueResponse.fromPartial({});
      const res = await longPoll(
        context,
        (signal) => matching.pollActivityTaskQueue({ namespaceId: nsId, pollerId: randomUUID(), request, waitTimeoutMs: pollWaitMs(context, receivedAt) }, { signal }),
        () => ({ response: undefined }),
      );
      return res.response ?? empty();
    },

    async recordActivityTaskHeartbeat(request) {
      const nsId = await namespaceId(request.namespace);
      decodeTaskToken(request.taskToken, TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK);
      const res = await history.recordActivityTaskHeartbeat({ namespaceId: nsId, request });
      return res.response!;
    },

    async respondActivityTaskCompleted(request) {
      const nsId = await namespaceId(request.namespace);
      decodeTaskToken(request.taskToken, TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK);
      await history.respondActivityTaskCompleted({ namespaceId: nsId, request });
      return {};
    },

    async respondActivityTaskFailed(request) {
      const nsId = await namespaceId(request.namespace);
      decodeTaskToken(request.taskToken, TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK);
      await history.respondActivityTaskFailed({ namespaceId: nsId, request });
      return {};
    },

    async respondActivityTaskCanceled(request) {
      const nsId = await namespaceId(request.namespace);
      decodeTaskToken(request.taskToken, TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK);
      await history.respondActivityTaskCanceled({ namespaceId: nsId, request });
      return {};
    },

    async signalWorkflowExecution(request) {
      const nsId = await namespaceId(request.namespace);
      requireWorkflowExecution(request.workflowExecution);
      requireNonEmpty(request.signalName, 'SignalName is not set on request.');
      if (tooLong(request.signalName)) throw invalidArgument('SignalName length exceeds limit.');
      if (tooLong(request.requestId)) throw invalidArgument('RequestId length exceeds limit.');
      await history.signalWorkflowExecution({ namespaceId: nsId, request });
      return {};
    },

    async signalWithStartWorkflowExecution(request) {
      requireNamespaceLength(request.namespace);
      const prepared = validateSignalWithStartRequest(request);
      const nsId = await namespaceId(request.namespace);
      await validateSearchAttributes(deps.store, nsId, request.namespace, request.searchAttributes);
      return (await history.signalWithStartWorkflowExecution({ namespaceId: nsId, request: prepared })).response!;
    },

    async describeTaskQueue(request) {
      const nsId = await namespaceId(request.namespace);
      requireTaskQueue(request.taskQueue);
      if (request.apiMode === DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED) {
        return describeTaskQueueEnhanced(request, (typeRequest) => matching.describeTaskQueue({ namespaceId: nsId, request: typeRequest }).then((r) => r.response!));
      }
      return (await matching.describeTaskQueue({ namespaceId: nsId, request })).response!;
    },

    async updateTaskQueueConfig(request) {
      requireNonEmpty(request.namespace, 'Namespace is empty.');
      return updateTaskQueueConfig(matching, await namespaceId(request.namespace), request);
    },

    async listTaskQueuePartitions(request) {
      requireNonEmpty(request.namespace, 'Namespace is empty.');
      if (!request.taskQueue) throw invalidArgument('taskQueue is not set');
      requireNonEmpty(request.taskQueue.name, 'missing task queue name');
      const nsId = await namespaceId(request.namespace);
      // Kairos serves each queue as one partition (Temporal's dev server has four), owned by the
      // matching instance the queue is assigned to.
      const partitionOf = async (taskQueueType: TaskQueueType) => {
        const res = await matching.describeTaskQueue({ namespaceId: nsId, request: { namespace: request.namespace, taskQueue: request.taskQueue, taskQueueType } });
        return [{ key: request.taskQueue!.name, ownerHostName: res.ownerHostName }];
      };
      return {
        activityTaskQueuePartitions: await partitionOf(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY),
        workflowTaskQueuePartitions: await partitionOf(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
      };
    },

    async resetStickyTaskQueue(request) {
      const nsId = await namespaceId(request.namespace);
      requireWorkflowExecution(request.execution);
      await history.resetStickyTaskQueue({ namespaceId: nsId, request });
      return {};
    },

    async getWorkflowExecutionHistoryReverse(request) {
      const nsId = await namespaceId(request.namespace);
      requireWorkflowExecution(request.execution);
      return (await history.getWorkflowExecutionHistoryReverse({ namespaceId: nsId, request })).response!;
    },

    async queryWorkflow(request, context) {
      const nsId = await namespaceId(request.namespace);
      requireWorkflowExecution(request.execution);
      requireNonEmpty(request.query?.queryType, 'QueryType is not set on request.');
      return (await history.queryWorkflow({ namespaceId: nsId, request }, { signal: context.signal })).response!;
    },

    async updateWorkflowExecution(request, context) {
      const nsId = await namespaceId(request.namespace);
      const prepared = prepareUpdate(request);
      return (await history.updateWorkflowExecution({ namespaceId: nsId, request: prepared }, { signal: context.signal })).response!;
    },

    async pollWorkflowExecutionUpdate(request, context) {
      const nsId = await namespaceId(request.namespace);
      if (!request.updateRef) throw invalidArgument('UpdateRef is not set on request.');
      requireWorkflowExecution(request.updateRef.workflowExecution);
      return (await history.pollWorkflowExecutionUpdate({ namespaceId: nsId, request }, { signal: context.signal })).response!;
    },

    async respondQueryTaskCompleted(request) {
      const nsId = await namespaceId(request.namespace);
      const token = decodeTaskToken(request.taskToken, TaskTokenKind.TASK_TOKEN_KIND_QUERY_TASK);
      if (token.namespaceId !== nsId) throw invalidTaskToken();
      await matching.respondQueryTaskCompleted({ namespaceId: nsId, taskQueue: token.taskQueue, queryId: token.queryId, request });
      return {};
    },

    async requestCancelWorkflowExecution(request) {
      const nsId = await namespaceId(request.namespace);
      requireWorkflowExecution(request.workflowExecution);
      if (tooLong(request.requestId)) throw invalidArgument('RequestId length exceeds limit.');
      await history.requestCancelWorkflowExecution({ namespaceId: nsId, request });
      return {};
    },

    async terminateWorkflowExecution(request) {
      await terminate(request);
      return {};
    },

    async resetWorkflowExecution(request) {
      // Temporal's order: the request id and the execution are checked before the namespace.
      if (!request.requestId) throw invalidArgument('RequestId is not set on request.');
      if (tooLong(request.requestId)) throw invalidArgument('RequestId length exceeds limit.');
      if (!request.workflowExecution) throw invalidArgument('Execution is not set on request.');
      requireWorkflowExecution(request.workflowExecution);
      if (!KNOWN_RESET_REAPPLY_TYPES.has(request.resetReapplyType)) throw unknownResetReapplyType(request.resetReapplyType);
      const nsId = await namespaceId(request.namespace);
      const { runId } = await history.resetWorkflowExecution({ namespaceId: nsId, request });
      return { runId };
    },

    async deleteWorkflowExecution(request) {
      const nsId = await namespaceId(request.namespace);
      if (!request.workflowExecution) throw invalidArgument('Execution is not set on request.');
      requireWorkflowExecution(request.workflowExecution);
      await history.deleteWorkflowExecution({ namespaceId: nsId, request });
      return {};
    },

    async recordActivityTaskHeartbeatById(request) {
      const nsId = await namespaceId(request.namespace);
      return (await history.recordActivityTaskHeartbeatById({ namespaceId: nsId, request })).response!;
    },

    async respondActivityTaskCompletedById(request) {
      const nsId = await namespaceId(request.namespace);
      await history.respondActivityTaskCompletedById({ namespaceId: nsId, request });
      return {};
    },

    async respondActivityTaskFailedById(request) {
      const nsId = await namespaceId(request.namespace);
      await history.respondActivityTaskFailedById({ namespaceId: nsId, request });
      return {};
    },

    async respondActivityTaskCanceledById(request) {
      const nsId = await namespaceId(request.namespace);
      await history.respondActivityTaskCanceledById({ namespaceId: nsId, request });
      return {};
    },

    async shutdownWorker(request) {
      const nsId = await namespaceId(request.namespace);
      const key = request.workerInstanceKey;
      // The worker's waiting polls are answered empty at once, so it stops without waiting out
      // its long polls (Temporal's poll completion on shutdown; the namespace advertises it).
      const cancels: Array<Promise<unknown>> = [];
      if (key && request.taskQueue) {
        const types = request.taskQueueTypes.length > 0 ? request.taskQueueTypes : [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY];
        for (const type of types) {
          if (type !== TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW && type !== TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY) continue;
          const taskQueueKind = type === TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY ? 'activity' : 'workflow';
          cancels.push(matching.cancelOutstandingWorkerPolls({ namespaceId: nsId, taskQueue: request.taskQueue, taskQueueKind, workerInstanceKey: key }));
        }
      }
      if (key && request.stickyTaskQueue) {
        cancels.push(matching.cancelOutstandingWorkerPolls({ namespaceId: nsId, taskQueue: request.stickyTaskQueue, taskQueueKind: 'workflow', workerInstanceKey: key }));
      }
      // The worker's last heartbeat (status SHUTTING_DOWN) is kept, as Temporal records it.
      // Best effort, as in Temporal: a shutdown never fails for it.
      if (request.workerHeartbeat) {
        const final = recordHeartbeats(deps.store, nsId, [request.workerHeartbeat], Date.now(), setting('frontend.workerHeartbeatTtl'));
        cancels.push(final.catch((err: unknown) => deps.logger.warn('recording the final worker heartbeat failed', { error: String(err) })));
      }
      await Promise.all(cancels);
      if (request.stickyTaskQueue) {
        await matching.releaseStickyTaskQueue({ namespaceId: nsId, stickyTaskQueue: request.stickyTaskQueue });
      }
      return {};
    },
  };
  return withUnimplemented(WorkflowServiceDefinition, implemented) as WorkflowServiceImplementation;
}

/** Fills every method a partial implementation lacks with one answering UNIMPLEMENTED. */
export function withUnimplemented<T extends object>(
  definition: { methods: Record<string, { name: string }> },
  implemented: Partial<T>,
): T {
  const full: Record<string, unknown> = { ...implemented };
  for (const [key, method] of Object.entries(definition.methods)) {
    if (!full[key]) {
      full[key] = async () => {
        throw methodNotImplemented(method.name);
      };
    }
  }
  return full as T;
}
