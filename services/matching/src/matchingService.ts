import { randomUUID } from 'node:crypto';
import { Status } from 'nice-grpc-common';
import type { CallContext } from 'nice-grpc-common';
import type { Logger } from '@kairos/common/logger';
import type { Metrics } from '@kairos/common/metrics';
import { assignedQueueOwner, type ClusterDirectory, type ClusterView, type HistoryClient } from '@kairos/cluster';
import { encodeTaskToken } from '@kairos/domain';
import { queryNotAnswered, queryNotPickedUp, queryTaskNotFound } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import { TaskTokenKind } from '@kairos/proto/kairos/persistence/v1/executions';
import type { Notifier } from '@kairos/notify/notifier';
import type { TaskQueueKind as BacklogKind, TaskQueueStore } from '@kairos/persistence/store';
import { TaskQueueTask } from '@kairos/proto/kairos/persistence/v1/executions';
import type { MatchingServiceImplementation } from '@kairos/proto/kairos/matchingservice/v1/service';
import type { TaskQueue } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import { TaskQueueKind, TaskQueueType } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { DescribeTaskQueueResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import type {
  PollActivityTaskQueueResponse,
  PollWorkflowTaskQueueResponse,
  RespondQueryTaskCompletedRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { TaskQueuePartition, type DispatchResult } from './taskQueuePartition';
import { applyTaskQueueConfigUpdate, effectiveRateLimit } from './taskQueueConfig';
import { taskQueueStats, taskQueueStatus } from './taskQueueStatus';
import { setMaxListeners } from 'node:events';

export interface MatchingServiceOptions {
  store: TaskQueueStore;
  notifier: Notifier;
  history: HistoryClient;
  logger: Logger;
  /** Poll and backlog metrics (a cluster service exports them). */
  metrics?: Metrics;
  /** This instance's id: recorded as the owner of the queues it serves. */
  instanceId?: string;
  /**
   * Cluster mode: queues are shared among the live matching instances; when one this instance
   * serves is assigned elsewhere, it is closed here (its polls come back to the new owner).
   */
  directory?: ClusterDirectory;
  /** `host:port` at which this instance is reached (DescribeTaskQueue names it as the queue's owner). */
  hostAddress?: string;
}

/** The poller's build id as the stamp Temporal records on started events (none without a build id). */
function workerVersionOf(caps: { buildId: string; useVersioning: boolean } | undefined) {
  return caps?.buildId ? { buildId: caps.buildId, useVersioning: caps.useVersioning } : undefined;
}

function partitionKey(namespaceId: string, kind: BacklogKind, name: string): string {
  return `${namespaceId}/${kind}/${name}`;
}

/** Codes with which history says "this task is no longer valid": the task is dropped. */
function isStaleTaskError(err: unknown): boolean {
  const code = (err as { code?: Status }).code;
  return code === Status.NOT_FOUND || code === Status.ALREADY_EXISTS || code === Status.FAILED_PRECONDITION;
}

/** The matching service: task queues, sync match, backlogs and long polls. */
export class MatchingService {
  readonly implementation: MatchingServiceImplementation;
  private readonly partitions = new Map<string, TaskQueuePartition<unknown>>();
  private readonly logger: Logger;
  private readonly unsubscribe: () => void;
  private readonly shutdown = new AbortController();
  /** Queries handed to a worker, by query id: resolved by the worker's RespondQueryTaskCompleted. */
  private readonly pendingQueries = new Map<string, (completion: RespondQueryTaskCompletedRequest) => void>();
  /** Sticky queues whose worker said it shut down, until when; their tasks go to the normal queue. */
  private readonly releasedSticky = new Map<string, number>();

  constructor(private readonly options: MatchingServiceOptions) {
    this.logger = options.logger.child({ service: 'matching' });
    // Every waiting poll listens to it (one listener each, removed when the poll ends): no leak warning.
    setMaxListeners(0, this.shutdown.signal);
    // Another matching instance persisted a task for a queue we may be serving polls for.
    this.unsubscribe = options.notifier.subscribe('task-added', (key) => this.partitions.get(key)?.notifyBacklogChanged());
    this.implementation = this.createImplementation();
    if (options.metrics) options.metrics.onCollect(() => this.observeBacklogs());
    options.directory?.onChange((view) => this.closeQueuesAssignedElsewhere(view));
  }

  private get instanceId(): string {
    return this.options.instanceId ?? 'matching';
  }

  private closeQueuesAssignedElsewhere(view: ClusterView): void {
    const members = view.members.matching.map((m) => m.instanceId);
    // A view that does not list this instance yet (it just joined) says nothing about what it owns.
    if (!members.includes(this.instanceId)) return;
    for (const [key, partition] of this.partitions) {
      if (assignedQueueOwner(key, members) !== this.instanceId) partition.close();
    }
  }

  /** Answers every waiting poll empty (graceful shutdown) and stops. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    this.unsubscribe();
  }

  private stickyPollerSeen(namespaceId: string, stickyName: string): boolean {
    const partition = this.partitions.get(partitionKey(namespaceId, 'workflow', stickyName));
    return partition?.hasPollerSince(Date.now() - setting('matching.stickyPollerWindow')) ?? false;
  }

  private isReleased(namespaceId: string, stickyName: string): boolean {
    const key = partitionKey(namespaceId, 'workflow', stickyName);
    const until = this.releasedSticky.get(key);
    if (until === undefined) return false;
    if (until < Date.now()) {
      this.releasedSticky.delete(key);
      return false;
    }
    return true;
  }

  private partition<R>(namespaceId: string, kind: BacklogKind, name: string): TaskQueuePartition<R> {
    const key = partitionKey(namespaceId, kind, name);
    let partition = this.partitions.get(key);
    if (!partition || partition.isClosed) {
      const created: TaskQueuePartition<unknown> = new TaskQueuePartition(this.options.store, namespaceId, name, kind, this.logger, this.instanceId, () => {
        if (this.partitions.get(key) === created) this.partitions.delete(key);
      });
      partition = created;
      this.partitions.set(key, partition);
    }
    return partition as TaskQueuePartition<R>;
  }

  private async addTask(namespaceId: string, kind: BacklogKind, taskQueue: TaskQueue | undefined, task: TaskQueueTask): Promise<void> {
    let name = taskQueue?.name ?? '';
    if (taskQueue?.kind === TaskQueueKind.TASK_QUEUE_KIND_STICKY) {
      task.normalTaskQueue = taskQueue.normalName;
      // Like Temporal, a sticky queue nobody polled lately (or whose worker shut down) is
      // skipped: the task goes to the normal queue instead of waiting out the sticky timeout.
      if (taskQueue.normalName && (this.isReleased(namespaceId, name) || !this.stickyPollerSeen(namespaceId, name))) {
        name = taskQueue.normalName;
      }
    }
    const outcome = await this.partition(namespaceId, kind, name).addTask(task);
    if (outcome === 'matched' && this.options.metrics) this.options.metrics.pollSuccessSync.inc(await this.queueLabels(namespaceId, kind, name));
    if (outcome === 'persisted') this.options.notifier.publish('task-added', partitionKey(namespaceId, kind, name));
  }

  /** Temporal's labels for a queue's series: the namespace by name, as dashboards filter on it. */
  private async queueLabels(namespaceId: string, kind: BacklogKind, name: string) {
    const namespace = await this.options.metrics!.namespaceName(namespaceId);
    return { namespace, taskqueue: name, task_type: kind === 'workflow' ? 'Workflow' : 'Activity' };
  }

  /** Counts a poll's outcome: poll_success, or poll_timeouts when it was answered empty. */
  private async countPoll<R>(namespaceId: string, kind: BacklogKind, name: string, response: R | undefined): Promise<R | undefined> {
    const metrics = this.options.metrics;
    if (metrics) (response === undefined ? metrics.pollTimeouts : metrics.pollSuccess).inc(await this.queueLabels(namespaceId, kind, name));
    return response;
  }

  /** Backlog tasks this instance has read and not yet handed out, and the oldest one's age, per queue (sampled when scraped). */
  private observeBacklogs(): void {
    const metrics = this.options.metrics!;
    metrics.backlog.reset();
    metrics.backlogAge.reset();
    const now = Date.now();
    for (const [key, partition] of this.partitions) {
      const [namespaceId, kind, ...rest] = key.split('/');
      // Sampling cannot wait: a queue's namespace was resolved when its first task or poll was counted.
      const labels = { namespace: metrics.knownNamespaceName(namespaceId!), taskqueue: rest.join('/'), task_type: kind === 'workflow' ? 'Workflow' : 'Activity' };
      metrics.backlog.set(labels, partition.loadedBacklog);
      // As Temporal: the oldest task's age, 0 for an empty backlog.
      const oldest = partition.oldestLoadedTaskCreatedAt;
      metrics.backlogAge.set(labels, oldest ? Math.max(0, now - oldest.getTime()) / 1000 : 0);
    }
  }

  private async dispatchGuard<R>(record: () => Promise<R>): Promise<DispatchResult<R>> {
    try {
      return { kind: 'started', response: await record() };
    } catch (err) {
      if (isStaleTaskError(err)) return { kind: 'invalid' };
      this.logger.warn('recording task started failed; task kept', { error: String(err) });
      return { kind: 'retry' };
    }
  }

  /** What ends a poll: its caller leaving or this service stopping. */
  private pollSignals(context: CallContext): AbortSignal[] {
    return [context.signal, this.shutdown.signal];
  }

  /** The two as one signal, for what takes only one (query tasks; rare). */
  private pollSignal(context: CallContext): AbortSignal {
    return AbortSignal.any(this.pollSignals(context));
  }

  private createImplementation(): MatchingServiceImplementation {
    const history = this.options.history;
    return {
      addWorkflowTask: async (req) => {
        await this.addTask(
          req.namespaceId,
          'workflow',
          req.taskQueue,
          TaskQueueTask.fromPartial({ namespaceId: req.namespaceId, workflowExecution: req.workflowExecution, scheduledEventId: req.scheduledEventId, createTime: new Date() }),
        );
        return {};
      },
      addActivityTask: async (req) => {
        await this.addTask(
          req.namespaceId,
          'activity',
          req.taskQueue,
          TaskQueueTask.fromPartial({
            namespaceId: req.namespaceId,
            workflowExecution: req.workflowExecution,
            scheduledEventId: req.scheduledEventId,
            attempt: req.attempt,
            createTime: new Date(),
            priority: req.priority,
          }),
        );
        return {};
      },
      pollWorkflowTaskQueue: async (req, context) => {
        const request = req.request!;
        const partition = this.partition<PollWorkflowTaskQueueResponse>(req.namespaceId, 'workflow', request.taskQueue?.name ?? '');
        partition.recordPoller(request.identity, setting('matching.defaultPollerRate'));
        const response = await partition.poll(
          (task) =>
            this.dispatchGuard(async () => {
              const started = await history.recordWorkflowTaskStarted({
                namespaceId: req.namespaceId,
                workflowExecution: task.workflowExecution,
                scheduledEventId: task.scheduledEventId,
                requestId: randomUUID(),
                identity: request.identity,
                polledTaskQueue: request.taskQueue,
                workerVersion: workerVersionOf(request.workerVersionCapabilities),
              });
              return started.response!;
            }),
          req.waitTimeoutMs,
          this.pollSignals(context),
          request.workerInstanceKey,
        );
        return { response: await this.countPoll(req.namespaceId, 'workflow', request.taskQueue?.name ?? '', response) };
      },
      pollActivityTaskQueue: async (req, context) => {
        const request = req.request!;
        const partition = this.partition<PollActivityTaskQueueResponse>(req.namespaceId, 'activity', request.taskQueue?.name ?? '');
        partition.recordPoller(request.identity, request.taskQueueMetadata?.maxTasksPerSecond || setting('matching.defaultPollerRate'));
        // The worker's own limit applies while no rate is set by UpdateTaskQueueConfig.
        partition.setWorkerRate(request.taskQueueMetadata?.maxTasksPerSecond);
        const response = await partition.poll(
          (task) =>
            this.dispatchGuard(async () => {
              const started = await history.recordActivityTaskStarted({
                namespaceId: req.namespaceId,
                workflowExecution: task.workflowExecution,
                scheduledEventId: task.scheduledEventId,
                attempt: task.attempt,
                requestId: randomUUID(),
                identity: request.identity,
                workerVersion: workerVersionOf(request.workerVersionCapabilities),
              });
              return started.response!;
            }),
          req.waitTimeoutMs,
          this.pollSignals(context),
          request.workerInstanceKey,
        );
        return { response: await this.countPoll(req.namespaceId, 'activity', request.taskQueue?.name ?? '', response) };
      },
      queryWorkflow: async (req, context) => {
        const execution = req.task!.workflowExecution!;
        const queryId = randomUUID();
        const taskToken = encodeTaskToken({
          kind: TaskTokenKind.TASK_TOKEN_KIND_QUERY_TASK,
          namespaceId: req.namespaceId,
          workflowId: execution.workflowId,
          runId: execution.runId,
          queryId,
          taskQueue: req.taskQueue,
        });
        const answered = new Promise<RespondQueryTaskCompletedRequest>((resolve) => this.pendingQueries.set(queryId, resolve));
        // The caller's deadline, and never longer than a minute when it has none.
        const signal = AbortSignal.any([this.pollSignal(context), AbortSignal.timeout(setting('matching.queryMaxWait'))]);
        try {
          const partition = this.partition<PollWorkflowTaskQueueResponse>(req.namespaceId, 'workflow', req.taskQueue);
          if (!(await partition.offerQuery({ ...req.task!, taskToken }, signal))) {
            throw queryNotPickedUp();
          }
          const completion = await new Promise<RespondQueryTaskCompletedRequest>((resolve, reject) => {
            const onAbort = () => reject(queryNotAnswered());
            if (signal.aborted) return onAbort();
            signal.addEventListener('abort', onAbort, { once: true });
            void answered.then((value) => {
              signal.removeEventListener('abort', onAbort);
              resolve(value);
            });
          });
          return { completion };
        } finally {
          this.pendingQueries.delete(queryId);
        }
      },
      describeTaskQueue: async (req) => {
        const request = req.request!;
        const kind: BacklogKind = request.taskQueueType === TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY ? 'activity' : 'workflow';
        const name = request.taskQueue?.name ?? '';
        const partition = this.partitions.get(partitionKey(req.namespaceId, kind, name));
        const pollers = partition?.pollersSince(Date.now() - setting('matching.pollerHistory')) ?? [];
        const store = this.options.store;
        const backlog = request.includeTaskQueueStatus || request.reportStats ? await store.summarizeTaskQueue(req.namespaceId, name, kind) : undefined;
        // The stored configuration is the truth (the partition may not be loaded here).
        const config = await store.getTaskQueueConfig(req.namespaceId, name, request.taskQueueType || TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW);
        const limit = effectiveRateLimit(config, partition?.requestedWorkerRate);
        // With no rate set, Kairos applies none; Temporal's default rate is reported.
        const rate = limit.requestsPerSecond ?? setting('matching.defaultPollerRate');
        const status = backlog && request.includeTaskQueueStatus ? taskQueueStatus(backlog, rate) : undefined;
        let stats;
        if (backlog && request.reportStats) {
          const [oldest] = backlog.oldestTaskId === undefined ? [] : await store.getTaskQueueTasks(req.namespaceId, name, kind, backlog.oldestTaskId - 1, 1);
          stats = taskQueueStats(backlog, oldest?.task.createTime, new Date());
        }
        return {
          response: DescribeTaskQueueResponse.fromPartial({
            pollers,
            taskQueueStatus: status,
            stats,
            config: request.reportConfig ? config : undefined,
            effectiveRateLimit: { requestsPerSecond: rate, rateLimitSource: limit.source },
          }),
          ownerHostName: this.options.hostAddress ?? '',
        };
      },
      updateTaskQueueConfig: async (req) => {
        const request = req.request!;
        const type = request.taskQueueType;
        const config = await this.options.store.updateTaskQueueConfig(req.namespaceId, request.taskQueue, type, (current) =>
          applyTaskQueueConfigUpdate(current, request, new Date()),
        );
        // A queue being served applies the new rate at once; one loaded later reads it.
        if (type === TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW || type === TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY) {
          const kind: BacklogKind = type === TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY ? 'activity' : 'workflow';
          this.partitions.get(partitionKey(req.namespaceId, kind, request.taskQueue))?.setConfig(config);
        }
        return { config };
      },
      respondQueryTaskCompleted: async (req) => {
        const deliver = this.pendingQueries.get(req.queryId);
        if (!deliver) throw queryTaskNotFound();
        deliver(req.request!);
        return {};
      },
      cancelOutstandingWorkerPolls: async (req) => {
        const kind = req.taskQueueKind === 'activity' ? 'activity' : 'workflow';
        const partition = this.partitions.get(partitionKey(req.namespaceId, kind, req.taskQueue));
        return { cancelledCount: partition?.cancelPolls(req.workerInstanceKey) ?? 0 };
      },
      releaseStickyTaskQueue: async (req) => {
        // The worker is gone: its waiting tasks, and any that arrive later, go to the normal queue
        // at once instead of waiting for history's sticky schedule-to-start timeout.
        const key = partitionKey(req.namespaceId, 'workflow', req.stickyTaskQueue);
        this.releasedSticky.set(key, Date.now() + setting('matching.releasedStickyRetention'));
        const partition = this.partitions.get(key);
        if (partition) {
          this.partitions.delete(key);
          for (const task of await partition.takeAll()) {
            if (!task.normalTaskQueue) continue;
            await this.addTask(req.namespaceId, 'workflow', { name: task.normalTaskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL, normalName: '' }, task);
          }
        }
        return {};
      },
    };
  }
}
