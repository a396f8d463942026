import { requestNotSet } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import type { CallContext } from 'nice-grpc-common';
import type { Logger } from '@kairos/common/logger';
import type { HistoryClient, MatchingClient } from '@kairos/cluster';
import { NamespaceRegistry } from '@kairos/domain';
import type { Notifier } from '@kairos/notify/notifier';
import type { ExecutionStore, NamespaceStore, ShardStore, VisibilityStore } from '@kairos/persistence/store';
import type { HistoryServiceImplementation } from '@kairos/proto/kairos/historyservice/v1/service';
import {
  activityById,
  targetOf,
  recordActivityTaskHeartbeat,
  respondActivityTaskCanceled,
  respondActivityTaskCompleted,
  respondActivityTaskFailed,
} from './api/respondActivityTask';
import { recordActivityTaskStarted } from './api/recordActivityTaskStarted';
import { describeWorkflowExecution } from './api/describeWorkflowExecution';
import { getWorkflowExecutionHistory } from './api/getWorkflowExecutionHistory';
import { startWorkflowExecution } from './api/startWorkflowExecution';
import { createSchedule } from './api/createSchedule';
import { importWorkflowExecution } from './api/importWorkflowExecution';
import { describeSchedule } from './api/describeSchedule';
import { updateSchedule } from './api/updateSchedule';
import { patchSchedule } from './api/patchSchedule';
import { deleteSchedule } from './api/deleteSchedule';
import { recordScheduledWorkflowClosed } from './api/recordScheduledWorkflowClosed';
import { startBatchOperation } from './api/startBatchOperation';
import { describeBatchOperation } from './api/describeBatchOperation';
import { terminateWorkflowExecution } from './api/terminateWorkflowExecution';
import { resetWorkflowExecution } from './api/resetWorkflowExecution';
import { pauseActivity } from './api/pauseActivity';
import { unpauseActivity } from './api/unpauseActivity';
import { resetActivity } from './api/resetActivity';
import { updateActivityOptions } from './api/updateActivityOptions';
import { updateWorkflowExecutionOptions } from './api/updateWorkflowExecutionOptions';
import { unpauseWorkflowExecution } from './api/unpauseWorkflowExecution';
import { deleteWorkflowExecution } from './api/deleteWorkflowExecution';
import { NamespaceReclaimer } from './namespaceReclaimer';
import { signalWorkflowExecution } from './api/signalWorkflowExecution';
import { requestCancelWorkflowExecution } from './api/requestCancelWorkflowExecution';
import { signalWithStartWorkflowExecution } from './api/signalWithStartWorkflowExecution';
import { queryWorkflow } from './api/queryWorkflow';
import { resetStickyTaskQueue } from './api/resetStickyTaskQueue';
import { getWorkflowExecutionHistoryReverse } from './api/getWorkflowExecutionHistoryReverse';
import { recordChildExecutionCompleted } from './api/recordChildExecutionCompleted';
import { recordWorkflowTaskStarted } from './api/recordWorkflowTaskStarted';
import { respondWorkflowTaskCompleted } from './api/respondWorkflowTaskCompleted';
import { respondWorkflowTaskFailed } from './api/respondWorkflowTaskFailed';
import type { HistoryContext } from './api/context';
import { ExecutionManager, type CommittedHistory } from './shard/executionManager';
import { HistoryWaiter } from './api/shared/historyWaiter';
import { UpdateOutcomes } from './api/shared/updateOutcomes';
import { updateWorkflowExecution } from './api/updateWorkflowExecution';
import { pollWorkflowExecutionUpdate } from './api/pollWorkflowExecutionUpdate';
import { executeMultiOperation } from './api/executeMultiOperation';
import { createTimerTaskExecutor } from './queues/timerTaskExecutor';
import { TimerQueueProcessor } from './queues/timerQueueProcessor';
import { QueueTaskMetrics } from './queues/queueTaskMetrics';
import { StallWatch } from './queues/stallWatch';
import { TransferQueueProcessor } from './queues/transferQueueProcessor';
import { createTransferTaskExecutor } from './queues/transferTaskExecutor';
import { ShardController } from './shard/shardController';
import type { ClusterDirectory } from '@kairos/cluster';
import { durationToMs, resolveLimits, validateSignalWithStartRequest, validateStartRequest, type Limits } from '@kairos/domain';
import { DEFAULT_RETENTION_MS } from './workflow/runTransaction';
import type { Metrics } from '@kairos/common/metrics';
import type { ExecutionInfo } from './workflow/protos';
import { runOutcomeOf } from './workflow/runOutcome';

export interface HistoryServiceOptions {
  /** The store concerns history uses: shard leases, executions, namespaces, visibility (batch operations' targets). */
  store: ShardStore & ExecutionStore & NamespaceStore & VisibilityStore;
  notifier: Notifier;
  matching: MatchingClient;
  logger: Logger;
  numShards: number;
  /** Identity of this instance in shard leases. */
  instanceId: string;
  shardLeaseMs?: number;
  longPollMs?: number;
  /** Per-namespace (by name) overrides of Temporal's limits. */
  namespaceLimits?: Record<string, Partial<Limits>>;
  /** Cluster mode: share the shards with the other live history instances this directory sees. */
  directory?: ClusterDirectory;
  /** History itself, for calls between runs (child workflows): the routed client, or in-process. */
  history?: () => HistoryClient;
  /** Where closed runs are counted (workflow_success, workflow_failed, ...). */
  metrics?: Metrics;
}

/** Counts a closed run under its outcome, with its namespace by name (the registry has it cached). */
function countClosedRun(metrics: Metrics, namespaces: NamespaceRegistry, info: ExecutionInfo, logger: Logger): void {
  const outcome = runOutcomeOf(info.status);
  if (!outcome) return;
  namespaces.getById(info.namespaceId).then(
    (record) => metrics.countClosedRun(outcome, { namespace: record.info!.name, taskQueue: info.taskQueue?.name ?? '', workflowType: info.workflowTypeName }),
    (err: unknown) => logger.warn('closed run not counted: namespace unknown', { namespaceId: info.namespaceId, error: String(err) }),
  );
}

/** Records a committed write's history stats under the run's namespace by name. */
function observeHistory(metrics: Metrics, namespaces: NamespaceRegistry, committed: CommittedHistory): void {
  namespaces.getById(committed.info.namespaceId).then(
    (record) =>
      metrics.observeHistoryWrite({
        namespace: record.info!.name,
        totalBytes: committed.totalBytes,
        totalEvents: committed.totalEvents,
        addedBytes: committed.addedBytes,
        addedEvents: committed.addedEvents,
        updated: !committed.created,
        closed: committed.closed,
      }),
    () => undefined,
  );
}

/** An internal call's request, which a caller may have left unset. */
function requireRequest<T>(request: T | undefined): T {
  if (!request) throw requestNotSet();
  return request;
}

/** The history service: wires shards, executions and queues, and serves the internal API. */
export class HistoryService {
  readonly implementation: HistoryServiceImplementation;
  private readonly ctx: HistoryContext;
  private readonly shards: ShardController;
  private readonly transferQueue: TransferQueueProcessor;
  private readonly timerQueue: TimerQueueProcessor;
  private readonly reclaimer: NamespaceReclaimer | undefined;

  constructor(options: HistoryServiceOptions) {
    const logger = options.logger.child({ service: 'history' });
    this.shards = new ShardController(
      options.store,
      {
        numShards: options.numShards,
        owner: options.instanceId,
        leaseMs: options.shardLeaseMs ?? setting('cluster.shardLease'),
        cluster: options.directory && {
          directory: options.directory,
          announce: (shardId) => options.notifier.publish('membership-changed', `shard/${shardId}`),
        },
        metrics: options.metrics,
      },
      logger,
    );
    const namespaces = new NamespaceRegistry(options.store);
    // History changes wake this instance's own long polls only: the shard's owner makes every
    // change of its executions, and long polls are routed to it (one NATS message per write, fanned
    // out to every history instance, cost more than the rest of the notification path).
    const waiter = new HistoryWaiter();
    const executions = new ExecutionManager(options.store, this.shards, waiter, logger, async (namespaceId) => {
      const record = await namespaces.getById(namespaceId);
      return {
        limits: resolveLimits(options.namespaceLimits?.[record.info!.name]),
        retentionMs: durationToMs(record.config?.workflowExecutionRetentionTtl) || DEFAULT_RETENTION_MS,
      };
    });
    const metrics = options.metrics;
    if (metrics) {
      executions.onRunClosed((info) => countClosedRun(metrics, namespaces, info, logger));
      executions.onHistoryCommitted((committed) => observeHistory(metrics, namespaces, committed));
    }
    const taskMetrics = metrics && new QueueTaskMetrics(metrics, async (namespaceId) => (await namespaces.getById(namespaceId)).info!.name);
    this.ctx = {
      store: options.store,
      executions,
      namespaces,
      waiter,
      updateOutcomes: new UpdateOutcomes(),
      matching: options.matching,
      logger,
      longPollMs: options.longPollMs ?? setting('history.longPoll'),
      metrics: options.metrics,
    };
    const history = options.history;
    this.transferQueue = new TransferQueueProcessor(
      options.store,
      createTransferTaskExecutor({
        executions,
        matching: options.matching,
        history: () => {
          if (!history) throw new Error('this history service has no client for calls to other runs');
          return history();
        },
      }),
      () => this.shards.ownedShards(),
      logger,
      taskMetrics,
    );
    this.timerQueue = new TimerQueueProcessor(options.store, createTimerTaskExecutor(executions, history && (() => history()), options.store), logger, new StallWatch(), taskMetrics);
    executions.setTaskSink({
      transferTasksCommitted: (shardId, tasks) => this.transferQueue.committed(shardId, tasks),
      timerTasksCommitted: (shardId, fireTimes) => this.timerQueue.committed(shardId, fireTimes),
    });
    // Deleted namespaces are reclaimed through history's own client (each run by its shard's owner).
    this.reclaimer = history && new NamespaceReclaimer({ store: options.store, history, ownsShard: (shardId) => this.shards.ownedShards().includes(shardId), logger });
    this.shards.onShardAcquired((shardId) => this.timerQueue.startShard(shardId));
    this.shards.onShardReleased((shardId) => this.timerQueue.stopShard(shardId));
    // Long polls on a shard that left read again, find it gone and send their callers to its new owner.
    this.shards.onShardReleased(() => this.ctx.waiter.wakeAll());
    this.implementation = this.createImplementation();
  }

  /**
   * Serving: this instance holds every shard it should and the store takes its run writes (health
   * reports NOT_SERVING otherwise).
   */
  isServing(): boolean {
    return this.shards.ownsAssignedShards() && !this.ctx.executions.writeHealth.refusing();
  }

  async start(): Promise<void> {
    await this.shards.start();
    this.transferQueue.start();
    this.reclaimer?.start();
  }

  async stop(): Promise<void> {
    this.reclaimer?.stop();
    this.transferQueue.stop();
    this.timerQueue.stop();
    await this.shards.stop();
    this.ctx.waiter.close();
  }

  private createImplementation(): HistoryServiceImplementation {
    const ctx = this.ctx;
    return {
      // Starts are checked again here, with the frontend's rules: history trusts no caller.
      async startWorkflowExecution(req) {
        const scheduled = req.scheduledBy && { scheduledBy: req.scheduledBy, lastCompletionResult: req.lastCompletionResult, continuedFailure: req.continuedFailure };
        return { response: await startWorkflowExecution(ctx, req.namespaceId, validateStartRequest(requireRequest(req.request)), req.parent, scheduled) };
      },
      async createSchedule(req) {
        return { response: await createSchedule(ctx, req) };
      },
      async importWorkflowExecution(req) {
        return importWorkflowExecution(ctx, req);
      },
      async describeSchedule(req) {
        return describeSchedule(ctx, req);
      },
      async updateSchedule(req) {
        await updateSchedule(ctx, req);
        return {};
      },
      async patchSchedule(req) {
        await patchSchedule(ctx, req);
        return {};
      },
      async deleteSchedule(req) {
        await deleteSchedule(ctx, req);
        return {};
      },
      async startBatchOperation(req) {
        await startBatchOperation(ctx, req);
        return {};
      },
      async describeBatchOperation(req) {
        return { response: await describeBatchOperation(ctx, req) };
      },
      async recordScheduledWorkflowClosed(req) {
        await recordScheduledWorkflowClosed(ctx, req);
        return {};
      },
      async getWorkflowExecutionHistory(req, context: CallContext) {
        return { response: await getWorkflowExecutionHistory(ctx, req.namespaceId, req.request!, context.signal) };
      },
      async describeWorkflowExecution(req) {
        return { response: await describeWorkflowExecution(ctx, req.namespaceId, req.request!) };
      },
      async recordWorkflowTaskStarted(req) {
        return { response: await recordWorkflowTaskStarted(ctx, req) };
      },
      async respondWorkflowTaskCompleted(req) {
        return { response: await respondWorkflowTaskCompleted(ctx, req.namespaceId, req.request!) };
      },
      async respondWorkflowTaskFailed(req) {
        await respondWorkflowTaskFailed(ctx, req.namespaceId, req.request!);
        return {};
      },
      async recordActivityTaskStarted(req) {
        return { response: await recordActivityTaskStarted(ctx, req) };
      },
      async recordActivityTaskHeartbeat(req) {
        return { response: await recordActivityTaskHeartbeat(ctx, targetOf(req.namespaceId, req.request!), req.request!) };
      },
      async respondActivityTaskCompleted(req) {
        await respondActivityTaskCompleted(ctx, targetOf(req.namespaceId, req.request!), req.request!);
        return {};
      },
      async respondActivityTaskFailed(req) {
        await respondActivityTaskFailed(ctx, targetOf(req.namespaceId, req.request!), req.request!);
        return {};
      },
      async respondActivityTaskCanceled(req) {
        await respondActivityTaskCanceled(ctx, targetOf(req.namespaceId, req.request!), req.request!);
        return {};
      },
      async resetWorkflowExecution(req) {
        return resetWorkflowExecution(ctx, req.namespaceId, req.request!);
      },
      async terminateWorkflowExecution(req) {
        await terminateWorkflowExecution(ctx, req.namespaceId, req.request!);
        return {};
      },
      async deleteWorkflowExecution(req) {
        await deleteWorkflowExecution(ctx, req.namespaceId, req.request!);
        return {};
      },
      async signalWorkflowExecution(req) {
        await signalWorkflowExecution(ctx, req.namespaceId, req.request!, req.externalWorkflowExecution);
        return {};
      },
      async signalWithStartWorkflowExecution(req) {
        return { response: await signalWithStartWorkflowExecution(ctx, req.namespaceId, validateSignalWithStartRequest(requireRequest(req.request))) };
      },
      async recordChildExecutionCompleted(req) {
        await recordChildExecutionCompleted(ctx, req);
        return {};
      },
      async resetStickyTaskQueue(req) {
        await resetStickyTaskQueue(ctx, req.namespaceId, req.request!);
        return {};
      },
      async getWorkflowExecutionHistoryReverse(req) {
        return { response: await getWorkflowExecutionHistoryReverse(ctx, req.namespaceId, req.request!) };
      },
      async updateWorkflowExecution(req, context: CallContext) {
        return { response: await updateWorkflowExecution(ctx, req.namespaceId, req.request!, context.signal) };
      },
      async pollWorkflowExecutionUpdate(req, context: CallContext) {
        return { response: await pollWorkflowExecutionUpdate(ctx, req.namespaceId, req.request!, context.signal) };
      },
      async executeMultiOperation(req, context: CallContext) {
        return { response: await executeMultiOperation(ctx, req.namespaceId, requireRequest(req.startWorkflow), requireRequest(req.updateWorkflow), context.signal) };
      },
      async queryWorkflow(req, context: CallContext) {
        return { response: await queryWorkflow(ctx, req.namespaceId, req.request!, context.signal) };
      },
      async requestCancelWorkflowExecution(req) {
        await requestCancelWorkflowExecution(ctx, req.namespaceId, req.request!, {
          execution: req.externalWorkflowExecution,
          initiatedEventId: req.externalInitiatedEventId,
        });
        return {};
      },
      async recordActivityTaskHeartbeatById(req) {
        const target = await activityById(ctx, req.namespaceId, req.request!);
        return { response: await recordActivityTaskHeartbeat(ctx, target, req.request!) };
      },
      async pauseActivity(req) {
        await pauseActivity(ctx, req.namespaceId, req.request!);
        return {};
      },
      async unpauseActivity(req) {
        await unpauseActivity(ctx, req.namespaceId, req.request!);
        return {};
      },
      async resetActivity(req) {
        await resetActivity(ctx, req.namespaceId, req.request!);
        return {};
      },
      async updateActivityOptions(req) {
        return { activityOptions: await updateActivityOptions(ctx, req.namespaceId, req.request!) };
      },
      async updateWorkflowExecutionOptions(req) {
        return { response: await updateWorkflowExecutionOptions(ctx, req.namespaceId, req.request!) };
      },
      async unpauseWorkflowExecution(req) {
        await unpauseWorkflowExecution(ctx, req.namespaceId, req.request!);
        return {};
      },
      async respondActivityTaskCompletedById(req) {
        await respondActivityTaskCompleted(ctx, await activityById(ctx, req.namespaceId, req.request!), { ...req.request!, workerVersion: undefined });
        return {};
      },
      async respondActivityTaskFailedById(req) {
        await respondActivityTaskFailed(ctx, await activityById(ctx, req.namespaceId, req.request!), { ...req.request!, workerVersion: undefined });
        return {};
      },
      async respondActivityTaskCanceledById(req) {
        await respondActivityTaskCanceled(ctx, await activityById(ctx, req.namespaceId, req.request!), req.request!);
        return {};
      },
    };
  }
}
