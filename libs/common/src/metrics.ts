import { createServer, type Server } from 'node:http';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Middleware } from './grpc/middleware';
import { isExpectedPersistenceError, persistenceCaller, SYSTEM_CALLER, temporalPersistenceErrorType, temporalPersistenceOperation, type PersistenceCaller } from './persistenceOperations';
import { isExpectedServiceError, temporalServiceErrorType } from './serviceErrorMetrics';
import { redactUrlCredentials } from './redact';

/** Temporal's `namespace` label value when a call names no namespace. */
export const UNKNOWN_NAMESPACE = '_unknown_';

/** How a run closed (its final status). */
export type WorkflowOutcome = 'completed' | 'failed' | 'timedOut' | 'canceled' | 'terminated' | 'continuedAsNew';
const WORKFLOW_OUTCOMES: readonly WorkflowOutcome[] = ['completed', 'failed', 'timedOut', 'canceled', 'terminated', 'continuedAsNew'];

/** Temporal's history counter for each outcome. */
export const WORKFLOW_OUTCOME_FAMILIES: Readonly<Record<WorkflowOutcome, string>> = {
  completed: 'workflow_success',
  failed: 'workflow_failed',
  timedOut: 'workflow_timeout',
  canceled: 'workflow_cancel',
  terminated: 'workflow_terminate',
  continuedAsNew: 'workflow_continued_as_new',
};

/** Temporal's label keys on those counters (its `operation` there is always CompletionStats). */
const WORKFLOW_OUTCOME_LABELS = ['namespace', 'operation', 'taskqueue', 'workflowType'] as const;
type WorkflowOutcomeLabel = (typeof WORKFLOW_OUTCOME_LABELS)[number];

/** Latency buckets in seconds, from a cached read to a slow long poll. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** History size buckets in bytes, 1 KiB to Temporal's 50 MiB limit. */
const HISTORY_BYTES_BUCKETS = [1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 10_485_760, 52_428_800];
/** History length buckets in events, to Temporal's 51,200 limit. */
const HISTORY_EVENTS_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 1000, 5000, 10_240, 51_200];

/** Temporal's `operation` on history's shard controller series. */
const SHARD_CONTROLLER = 'ShardController';

/** Labels of a history queue task's series (Temporal's; `archetype` is always "workflow" in Kairos). */
export interface HistoryTaskLabels {
  namespace: string;
  /** Temporal's name of the task's type, e.g. TransferActiveTaskWorkflowTask; also its `task_type`. */
  taskType: string;
  /** Temporal's scheduling priority of that type: high, low or preemptable. */
  priority: string;
}

/** What one committed write did to a run's history (history_size / history_count). */
export interface HistoryWriteStats {
  namespace: string;
  /** The run's whole history after the write. */
  totalBytes: number;
  totalEvents: number;
  /** What this write appended. */
  addedBytes: number;
  addedEvents: number;
  /** An update of an existing run (not its first write). */
  updated: boolean;
  /** The write closed the run. */
  closed: boolean;
}

/**
 * One process's Prometheus metrics, named as Temporal's server names them where it has an
 * equivalent (the families and where each is recorded: docs/metrics.md), with Temporal's label
 * keys and values: `operation` (the RPC name, Temporal's persistence operation or task type name),
 * `namespace` (the namespace's name, never its id), `taskqueue`, `service_name`. Each process has
 * its own registry (tests run several in one).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly serviceRequests: Counter<'namespace' | 'operation'>;
  /** Unexpected failures only (Temporal's service_errors); every error is in serviceErrorWithType. */
  readonly serviceErrors: Counter<'namespace' | 'operation'>;
  readonly serviceErrorWithType: Counter<'namespace' | 'operation' | 'error_type'>;
  readonly serviceLatency: Histogram<'namespace' | 'operation'>;
  readonly servicePendingRequests: Gauge<'namespace' | 'operation'>;
  readonly persistenceRequests: Counter<'namespace' | 'operation'>;
  /** Unexpected store failures only (Temporal's persistence_errors); every failure is in persistenceErrorWithType. */
  readonly persistenceErrors: Counter<'namespace' | 'operation'>;
  readonly persistenceErrorWithType: Counter<'namespace' | 'operation' | 'error_type'>;
  readonly persistenceLatency: Histogram<'namespace' | 'operation'>;
  readonly pollSuccess: Counter<'namespace' | 'taskqueue' | 'task_type'>;
  readonly pollSuccessSync: Counter<'namespace' | 'taskqueue' | 'task_type'>;
  readonly pollTimeouts: Counter<'namespace' | 'taskqueue' | 'task_type'>;
  readonly backlog: Gauge<'namespace' | 'taskqueue' | 'task_type'>;
  readonly backlogAge: Gauge<'namespace' | 'taskqueue' | 'task_type'>;
  readonly historySize: Histogram<'namespace' | 'operation'>;
  readonly historyCount: Histogram<'namespace' | 'operation'>;
  readonly taskRequests: Counter<'archetype' | 'namespace' | 'operation' | 'task_priority' | 'task_type'>;
  readonly taskLatency: Histogram<'archetype' | 'namespace' | 'operation' | 'task_priority' | 'task_type'>;
  readonly taskLatencyProcessing: Histogram<'archetype' | 'namespace' | 'operation' | 'task_type'>;
  readonly taskLatencyQueue: Histogram<'archetype' | 'namespace' | 'operation' | 'queue_reader_id' | 'task_priority' | 'task_type'>;
  readonly taskErrors: Counter<'archetype' | 'namespace' | 'operation' | 'task_type'>;
  readonly shardItemCreated: Counter<'operation'>;
  readonly shardItemRemoved: Counter<'operation'>;
  readonly shardItemAcquisitionLatency: Histogram<'operation'>;
  readonly acquireShards: Counter<'operation'>;
  readonly acquireShardsLatency: Histogram<'operation'>;
  readonly numShards: Gauge<'operation'>;
  readonly membershipChanged: Counter<'operation'>;
  readonly rateLimited: Counter<'namespace' | 'operation'>;
  /** Temporal's authorization metrics: refusals by the authorizer and the time it took (operation "Authorization"). */
  readonly serviceErrorsUnauthorized: Counter<'namespace' | 'operation'>;
  readonly serviceAuthorizationLatency: Histogram<'namespace' | 'operation'>;
  /** Audited calls (administrative and destructive APIs) by API and outcome (a gRPC status name). */
  readonly auditEvents: Counter<'operation' | 'outcome'>;
  readonly scheduleToStartLatency: Histogram<'namespace' | 'operation' | 'partition' | 'taskqueue' | 'task_type'>;
  /** Runs closed, one counter per outcome, as Temporal's history counts them (see WORKFLOW_OUTCOME_FAMILIES). */
  readonly workflowOutcomes: Record<WorkflowOutcome, Counter<WorkflowOutcomeLabel>>;

  constructor(serviceName: string) {
    this.registry.setDefaultLabels({ service_name: serviceName });
    const registers = [this.registry];
    this.serviceRequests = new Counter({ name: 'service_requests', help: 'Requests received, by namespace and operation.', labelNames: ['namespace', 'operation'], registers });
    this.serviceErrors = new Counter({ name: 'service_errors', help: 'Requests that failed on the server side (not the caller\'s doing: no NotFound, InvalidArgument, ...).', labelNames: ['namespace', 'operation'], registers });
    this.serviceErrorWithType = new Counter({ name: 'service_error_with_type', help: 'Requests answered with an error, by Temporal error type.', labelNames: ['namespace', 'operation', 'error_type'], registers });
    this.serviceLatency = new Histogram({ name: 'service_latency', help: 'Request handling time in seconds.', labelNames: ['namespace', 'operation'], buckets: LATENCY_BUCKETS, registers });
    const persistence = ['namespace', 'operation'] as const;
    this.persistenceRequests = new Counter({ name: 'persistence_requests', help: 'Store calls, by caller namespace ("system" for upkeep) and operation.', labelNames: persistence, registers });
    this.persistenceErrors = new Counter({ name: 'persistence_errors', help: 'Store calls that failed unexpectedly (not a write conflict, lost ownership or not found).', labelNames: persistence, registers });
    this.persistenceErrorWithType = new Counter({ name: 'persistence_error_with_type', help: 'Store calls that failed, by Temporal error type.', labelNames: [...persistence, 'error_type'], registers });
    this.persistenceLatency = new Histogram({ name: 'persistence_latency', help: 'Store call time in seconds.', labelNames: persistence, buckets: LATENCY_BUCKETS, registers });
    this.servicePendingRequests = new Gauge({ name: 'service_pending_requests', help: 'Requests being handled now.', labelNames: ['namespace', 'operation'], registers });
    const queue = ['namespace', 'taskqueue', 'task_type'] as const;
    this.pollSuccess = new Counter({ name: 'poll_success', help: 'Polls answered with a task.', labelNames: queue, registers });
    this.pollSuccessSync = new Counter({ name: 'poll_success_sync', help: 'Polls answered with a task matched without the backlog.', labelNames: queue, registers });
    this.pollTimeouts = new Counter({ name: 'poll_timeouts', help: 'Polls answered empty when their wait ran out.', labelNames: queue, registers });
    this.backlog = new Gauge({ name: 'approximate_backlog_count', help: 'Tasks waiting in the backlog read by this instance.', labelNames: queue, registers });
    this.backlogAge = new Gauge({ name: 'approximate_backlog_age_seconds', help: 'Age of the oldest task in the backlog read by this instance (0 when empty).', labelNames: queue, registers });
    const stats = ['namespace', 'operation'] as const;
    this.historySize = new Histogram({ name: 'history_size', help: 'History bytes: a run after each write (ExecutionStats), at its close (CompletionStats), added by one write (SessionStats).', labelNames: stats, buckets: HISTORY_BYTES_BUCKETS, registers });
    this.historyCount = new Histogram({ name: 'history_count', help: 'History events: a run after each write (ExecutionStats), at its close (CompletionStats), added by one write (SessionStats).', labelNames: stats, buckets: HISTORY_EVENTS_BUCKETS, registers });
    const task = ['archetype', 'namespace', 'operation', 'task_type'] as const;
    this.taskRequests = new Counter({ name: 'task_requests', help: 'History queue tasks processed (each attempt).', labelNames: [...task, 'task_priority'], registers });
    this.taskLatency = new Histogram({ name: 'task_latency', help: 'Seconds to process and complete a history queue task, over its attempts in this process.', labelNames: [...task, 'task_priority'], buckets: LATENCY_BUCKETS, registers });
    this.taskLatencyProcessing = new Histogram({ name: 'task_latency_processing', help: 'Seconds of one attempt at a history queue task.', labelNames: task, buckets: LATENCY_BUCKETS, registers });
    this.taskLatencyQueue = new Histogram({ name: 'task_latency_queue', help: 'Seconds from a history queue task being due (written, or its fire time) to its completion.', labelNames: [...task, 'queue_reader_id', 'task_priority'], buckets: LATENCY_BUCKETS, registers });
    this.taskErrors = new Counter({ name: 'task_errors', help: 'History queue task attempts that failed and will be retried.', labelNames: task, registers });
    const shard = ['operation'] as const;
    this.shardItemCreated = new Counter({ name: 'sharditem_created_count', help: 'Shards this history instance acquired.', labelNames: shard, registers });
    this.shardItemRemoved = new Counter({ name: 'sharditem_removed_count', help: 'Shards this history instance released or lost.', labelNames: shard, registers });
    this.shardItemAcquisitionLatency = new Histogram({ name: 'sharditem_acquisition_latency', help: 'Seconds to take one shard lease.', labelNames: shard, buckets: LATENCY_BUCKETS, registers });
    this.acquireShards = new Counter({ name: 'acquire_shards_count', help: 'Passes over the shard assignment (at start, on membership changes, on lease upkeep).', labelNames: shard, registers });
    this.acquireShardsLatency = new Histogram({ name: 'acquire_shards_latency', help: 'Seconds of one pass over the shard assignment.', labelNames: shard, buckets: LATENCY_BUCKETS, registers });
    this.numShards = new Gauge({ name: 'numshards_gauge', help: 'Shards this history instance holds.', labelNames: shard, registers });
    this.membershipChanged = new Counter({ name: 'membership_changed_count', help: 'Changes of the set of live history instances seen by this history instance.', labelNames: shard, registers });
    this.workflowOutcomes = Object.fromEntries(
      WORKFLOW_OUTCOMES.map((outcome) => [
        outcome,
        new Counter({ name: WORKFLOW_OUTCOME_FAMILIES[outcome], help: `Runs closed: ${outcome}.`, labelNames: WORKFLOW_OUTCOME_LABELS, registers }),
      ]),
    ) as Record<WorkflowOutcome, Counter<WorkflowOutcomeLabel>>;
    this.scheduleToStartLatency = new Histogram({
      name: 'task_schedule_to_start_latency',
      help: 'Seconds from a task being scheduled to a worker starting it (recorded by history when the task starts).',
      labelNames: ['namespace', 'operation', 'partition', 'taskqueue', 'task_type'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.rateLimited = new Counter({ name: 'namespace_rate_limited', help: 'Requests refused by a namespace rate limit.', labelNames: ['namespace', 'operation'], registers });
    this.serviceErrorsUnauthorized = new Counter({ name: 'service_errors_unauthorized', help: 'Calls the authorizer refused.', labelNames: ['namespace', 'operation'], registers });
    this.serviceAuthorizationLatency = new Histogram({ name: 'service_authorization_latency', help: 'Time the authorizer took to decide, in seconds.', labelNames: ['namespace', 'operation'], buckets: LATENCY_BUCKETS, registers });
    this.auditEvents = new Counter({ name: 'kairos_audit_events', help: 'Calls of administrative and destructive APIs, by outcome.', labelNames: ['operation', 'outcome'], registers });
  }

  private readonly collectors: Array<() => void> = [() => this.flushCallTallies()];
  private readonly serviceTallies = new Map<string, CallTally>();
  private readonly persistenceTallies = new Map<string, CallTally>();

  /**
   * Records how long a task waited for a worker, as Temporal's history does when it records the
   * task started: the queue by its normal name, `partition` telling the sticky queue from it.
   */
  observeScheduleToStart(task: { namespace: string; kind: 'Workflow' | 'Activity'; taskQueue: string; sticky: boolean; scheduledAt: Date; startedAt: Date }): void {
    const operation = task.kind === 'Workflow' ? 'RecordWorkflowTaskStarted' : 'RecordActivityTaskStarted';
    const labels = { namespace: task.namespace, operation, partition: task.sticky ? '__sticky__' : '__normal__', taskqueue: task.taskQueue, task_type: task.kind };
    this.scheduleToStartLatency.observe(labels, Math.max(0, task.startedAt.getTime() - task.scheduledAt.getTime()) / 1000);
  }

  /** Counts a closed run under its outcome's family, labelled as Temporal labels it. */
  countClosedRun(outcome: WorkflowOutcome, run: { namespace: string; taskQueue: string; workflowType: string }): void {
    this.workflowOutcomes[outcome].inc({ namespace: run.namespace, operation: 'CompletionStats', taskqueue: run.taskQueue, workflowType: run.workflowType });
  }

  /**
   * Records a committed write's history stats as Temporal's history does: SessionStats for what
   * the write added, ExecutionStats for the run after an update, CompletionStats when it closed it.
   */
  observeHistoryWrite(stats: HistoryWriteStats): void {
    const record = (operation: string, bytes: number, events: number) => {
      this.historySize.observe({ namespace: stats.namespace, operation }, bytes);
      this.historyCount.observe({ namespace: stats.namespace, operation }, events);
    };
    record('SessionStats', stats.addedBytes, stats.addedEvents);
    if (!stats.updated) return;
    record('ExecutionStats', stats.totalBytes, stats.totalEvents);
    if (stats.closed) record('CompletionStats', stats.totalBytes, stats.totalEvents);
  }

  /**
   * Records one attempt at a history queue task, as Temporal's queue executables do: every attempt
   * counts in task_requests and task_latency_processing (a failed one in task_errors too); a
   * completed task adds task_latency (its attempts) and task_latency_queue (since it was due).
   */
  observeHistoryTask(labels: HistoryTaskLabels, attempt: { seconds: number; failed: boolean; completed?: { attemptsSeconds: number; sinceDueSeconds?: number } }): void {
    const base = { archetype: 'workflow', namespace: labels.namespace, operation: labels.taskType, task_type: labels.taskType };
    const prioritized = { ...base, task_priority: labels.priority };
    this.taskRequests.inc(prioritized);
    this.taskLatencyProcessing.observe(base, attempt.seconds);
    if (attempt.failed) this.taskErrors.inc(base);
    if (!attempt.completed) return;
    this.taskLatency.observe(prioritized, attempt.completed.attemptsSeconds);
    // A task read back from the store (after a restart or a failed attempt) has no known due time.
    if (attempt.completed.sinceDueSeconds !== undefined) this.taskLatencyQueue.observe({ ...prioritized, queue_reader_id: '0' }, Math.max(0, attempt.completed.sinceDueSeconds));
  }

  /** History's shard controller: a shard taken (with how long its lease took) or given up. */
  shardAcquired(seconds: number): void {
    this.shardItemCreated.inc({ operation: SHARD_CONTROLLER });
    this.shardItemAcquisitionLatency.observe({ operation: 'ShardInfo' }, seconds);
  }

  shardRemoved(): void {
    this.shardItemRemoved.inc({ operation: SHARD_CONTROLLER });
  }

  /** One pass over the shard assignment and how long it took. */
  shardsAcquirePass(seconds: number): void {
    this.acquireShards.inc({ operation: SHARD_CONTROLLER });
    this.acquireShardsLatency.observe({ operation: SHARD_CONTROLLER }, seconds);
  }

  /** The set of live history instances changed. */
  historyMembershipChanged(): void {
    this.membershipChanged.inc({ operation: SHARD_CONTROLLER });
  }

  /** Samples numshards_gauge from `owned` at every scrape. */
  sampleOwnedShards(owned: () => number): void {
    this.onCollect(() => this.numShards.set({ operation: SHARD_CONTROLLER }, owned()));
  }

  private readonly namespaceNames = new Map<string, string>();
  private readonly namespaceLookUps = new Map<string, Promise<string>>();
  private lookUpNamespaceName?: (id: string) => Promise<string | undefined>;

  /**
   * How to turn a namespace id (what internal requests and task queues carry) into the name the
   * `namespace` label holds. Names are cached for the process's life (a namespace is renamed only
   * when deleted; store answers naming it teach the new name).
   */
  resolveNamespaceNamesWith(lookUp: (id: string) => Promise<string | undefined>): void {
    this.lookUpNamespaceName = lookUp;
  }

  /** The namespace name for a label, from its id (`_unknown_` when it cannot be found). */
  async namespaceName(id: string): Promise<string> {
    const known = this.namespaceNames.get(id);
    if (known !== undefined) return known;
    const name = await this.lookUpNamespaceName?.(id).catch(() => undefined);
    if (name === undefined) return UNKNOWN_NAMESPACE;
    this.namespaceNames.set(id, name);
    return name;
  }

  /** The name already resolved for `id` by namespaceName (for sampling, which cannot wait). */
  knownNamespaceName(id: string): string {
    return this.namespaceNames.get(id) ?? UNKNOWN_NAMESPACE;
  }

  /** Remembers a namespace's name seen in a store answer, so labels need no look-up of their own. */
  learnNamespace(record: unknown): void {
    const info = (record as { info?: { id?: unknown; name?: unknown } } | undefined)?.info;
    if (typeof info?.id === 'string' && typeof info.name === 'string' && info.id !== '') this.namespaceNames.set(info.id, info.name);
  }

  /**
   * A persistence call's `namespace` label, as Temporal labels it with its caller: the namespace
   * it is made for, or "system". A namespace id not resolved yet is looked up (one look-up per id
   * at a time) and the call counted once it is known; `lookUp` false (a namespace read itself)
   * takes what is known.
   */
  private persistenceNamespace(caller: PersistenceCaller, lookUp: boolean): string | Promise<string> {
    if (caller === undefined) return SYSTEM_CALLER;
    if ('namespaceName' in caller) return caller.namespaceName;
    const known = this.namespaceNames.get(caller.namespaceId);
    if (known !== undefined || !lookUp || !this.lookUpNamespaceName) return known ?? UNKNOWN_NAMESPACE;
    const id = caller.namespaceId;
    let pending = this.namespaceLookUps.get(id);
    if (!pending) {
      pending = this.namespaceName(id).finally(() => this.namespaceLookUps.delete(id));
      this.namespaceLookUps.set(id, pending);
    }
    return pending;
  }

  /** Counts one finished store call. */
  private countPersistenceCall(namespace: string, operation: string, seconds: number, failure: unknown): void {
    const tally = this.callTally(this.persistenceTallies, namespace, operation, sameOperation);
    tally.requests++;
    const { labels } = tally;
    this.persistenceLatency.observe(labels, seconds);
    if (failure === undefined) return;
    this.persistenceErrorWithType.inc({ ...labels, error_type: temporalPersistenceErrorType(failure) });
    if (!isExpectedPersistenceError(failure)) this.persistenceErrors.inc(labels);
  }

  /** A request's `namespace` label: public requests carry the name, internal ones the id. */
  private requestNamespace(request: unknown): string | Promise<string> {
    const fields = (request ?? {}) as { namespace?: unknown; namespaceId?: unknown };
    if (typeof fields.namespace === 'string' && fields.namespace !== '') return fields.namespace;
    if (typeof fields.namespaceId === 'string' && fields.namespaceId !== '') return this.namespaceNames.get(fields.namespaceId) ?? this.namespaceName(fields.namespaceId);
    return UNKNOWN_NAMESPACE;
  }

  /** Runs `fn` before every scrape (gauges that are sampled rather than kept up to date). */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }

  /** Samples the gauges registered with onCollect. */
  collect(): void {
    for (const fn of this.collectors) fn();
  }

  /**
   * The exposition text; collectors run first. Label values come from callers (namespace and
   * task-queue names) and error names: URL credentials in any of them are masked, as in logs.
   */
  async text(): Promise<string> {
    this.collect();
    return redactUrlCredentials(await this.registry.metrics());
  }

  /**
   * A gRPC server middleware counting and timing every call as Temporal's telemetry interceptor
   * does: service_requests, service_latency, service_pending_requests, service_error_with_type for
   * every error and service_errors for the unexpected ones.
   */
  serverMiddleware(): Middleware {
    const metrics = this;
    return async function metricsMiddleware(call, context, next) {
      // Streaming calls have no single request to read the namespace from.
      const named = call.requestStream ? UNKNOWN_NAMESPACE : metrics.requestNamespace(call.request);
      const namespace = typeof named === 'string' ? named : await named;
      const tally = metrics.callTally(metrics.serviceTallies, namespace, call.method.path, operationName);
      tally.requests++;
      tally.pending++;
      const startedAt = performance.now();
      try {
        return await next(call.request, context);
      } catch (err) {
        metrics.serviceErrorWithType.inc({ ...tally.labels, error_type: temporalServiceErrorType(err) });
        if (!isExpectedServiceError(err)) metrics.serviceErrors.inc(tally.labels);
        throw err;
      } finally {
        tally.pending--;
        metrics.serviceLatency.observe(tally.labels, (performance.now() - startedAt) / 1000);
      }
    };
  }

  /**
   * The running counts of one namespace's calls of one operation: kept as plain numbers and
   * handed to service_requests / service_pending_requests (persistence_requests) when metrics are
   * read, so a call hashes its labels once (its latency) rather than four times (two thirds of
   * the metrics' cost per call).
   */
  private callTally(tallies: Map<string, CallTally>, namespace: string, key: string, operationOf: (key: string) => string): CallTally {
    const id = `${namespace}\n${key}`;
    let tally = tallies.get(id);
    if (!tally) {
      tally = { labels: { namespace, operation: operationOf(key) }, requests: 0, pending: 0 };
      tallies.set(id, tally);
    }
    return tally;
  }

  /** Hands the call tallies' counts to their prom-client families (run before every read). */
  private flushCallTallies(): void {
    for (const tally of this.serviceTallies.values()) {
      if (tally.requests > 0) this.serviceRequests.inc(tally.labels, tally.requests);
      tally.requests = 0;
      this.servicePendingRequests.set(tally.labels, tally.pending);
    }
    for (const tally of this.persistenceTallies.values()) {
      if (tally.requests > 0) this.persistenceRequests.inc(tally.labels, tally.requests);
      tally.requests = 0;
    }
  }

  /**
   * `object` with every async method counted and timed as persistence_* (operation = Temporal's
   * name for the call, namespace = the namespace it is made for or "system"). Counted when the
   * call ends, as Temporal does; namespace records it returns teach the labels their names.
   */
  instrument<T extends object>(object: T): T {
    const metrics = this;
    // One wrapper per method, made on first use: the store is called on every request.
    const wrappers = new Map<string, { method: unknown; wrapper: unknown }>();
    return new Proxy(object, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string' || property === 'close') return value;
        const known = wrappers.get(property);
        if (known?.method === value) return known.wrapper;
        const wrapper = instrumentedMethod(target, property, value as (...a: unknown[]) => unknown);
        wrappers.set(property, { method: value, wrapper });
        return wrapper;
      },
    });

    function instrumentedMethod(target: T, property: string, value: (...a: unknown[]) => unknown) {
      const isNamespaceRead = property === 'getNamespaceById' || property === 'getNamespaceByName' || property === 'listNamespaces';
      return function instrumented(this: unknown, ...args: unknown[]) {
        const operation = temporalPersistenceOperation(property, args);
        const caller = persistenceCaller(property, args);
        const startedAt = performance.now();
        // Counted after the call, off its path: the caller does not wait for a name look-up.
        const done = (failure?: unknown) => {
          const seconds = (performance.now() - startedAt) / 1000;
          const namespace = metrics.persistenceNamespace(caller, !isNamespaceRead);
          if (typeof namespace === 'string') metrics.countPersistenceCall(namespace, operation, seconds, failure);
          else void namespace.then((name) => metrics.countPersistenceCall(name, operation, seconds, failure));
        };
        const result = value.apply(target, args);
        if (!(result instanceof Promise)) {
          done();
          return result;
        }
        return result.then(
          (v) => {
            if (isNamespaceRead) for (const record of Array.isArray(v) ? v : [v]) metrics.learnNamespace(record);
            done();
            return v;
          },
          (err: unknown) => {
            done(err ?? new Error('rejected'));
            throw err;
          },
        );
      };
    }
  }
}

/** Calls of one operation for one namespace, counted since metrics were last read (see callTally). */
interface CallTally {
  readonly labels: { namespace: string; operation: string };
  requests: number;
  pending: number;
}

const sameOperation = (operation: string) => operation;

/** `/pkg.Service/Method` → `Method` (Temporal labels operations by RPC name). */
function operationName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The exposition text of several registries as one (start-dev runs every service in one process,
 * each with its own registry): families of the same name are joined, each series keeping its
 * service_name.
 */
async function combinedText(all: readonly Metrics[]): Promise<string> {
  if (all.length === 1) return all[0]!.text();
  for (const metrics of all) metrics.collect();
  const joined = AggregatorRegistry.aggregate(await Promise.all(all.map((m) => m.registry.getMetricsAsJSON())));
  return redactUrlCredentials(await joined.metrics());
}

/**
 * Serves `/metrics` (Prometheus text format) of one process's registries and `/health/ready` (200
 * while `ready()`, else 503) on `host`:`port`.
 */
export async function serveMetrics(metrics: Metrics | readonly Metrics[], port: number, ready: () => boolean, host: string): Promise<Server> {
  const all = Array.isArray(metrics) ? (metrics as readonly Metrics[]) : [metrics as Metrics];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/metrics') {
      combinedText(all).then(
        (text) => {
          res.writeHead(200, { 'content-type': all[0]!.registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500);
          res.end(redactUrlCredentials(err.message));
        },
      );
      return;
    }
    if (path === '/health/ready') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ready\n' : 'shutting down\n');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
