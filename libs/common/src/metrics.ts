import { createServer, type Server } from 'node:http';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServerMiddleware } from 'nice-grpc-common';
import { Status } from 'nice-grpc-common';
import { ApiError } from './errors';
import { temporalPersistenceOperation } from './persistenceOperations';
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

/**
 * One process's Prometheus metrics, named as Temporal's server names them where it has an
 * equivalent (service_requests, service_errors, service_latency, persistence_*, poll_success,
 * poll_success_sync, poll_timeouts, approximate_backlog_count), with Temporal's label keys and
 * values: `operation` (the RPC name, or Temporal's persistence operation name), `namespace` (the
 * namespace's name, never its id), `taskqueue`, `service_name`. Each process has its own registry
 * (tests run several in one).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly serviceRequests: Counter<'namespace' | 'operation'>;
  readonly serviceErrors: Counter<'namespace' | 'operation' | 'status_code'>;
  readonly serviceLatency: Histogram<'namespace' | 'operation'>;
  readonly servicePendingRequests: Gauge<'namespace' | 'operation'>;
  readonly persistenceRequests: Counter<'operation'>;
  readonly persistenceErrors: Counter<'operation' | 'error_type'>;
  readonly persistenceLatency: Histogram<'operation'>;
  readonly pollSuccess: Counter<'namespace' | 'taskqueue' | 'task_type'>;
  readonly pollSuccessSync: Counter<'namespace' | 'taskqueue' | 'task_type'>;
  readonly pollTimeouts: Counter<'namespace' | 'taskqueue' | 'task_type'>;
  readonly backlog: Gauge<'namespace' | 'taskqueue' | 'task_type'>;
  readonly rateLimited: Counter<'namespace' | 'operation'>;
  readonly scheduleToStartLatency: Histogram<'namespace' | 'operation' | 'partition' | 'taskqueue' | 'task_type'>;
  /** Runs closed, one counter per outcome, as Temporal's history counts them (see WORKFLOW_OUTCOME_FAMILIES). */
  readonly workflowOutcomes: Record<WorkflowOutcome, Counter<WorkflowOutcomeLabel>>;

  constructor(serviceName: string) {
    this.registry.setDefaultLabels({ service_name: serviceName });
    const registers = [this.registry];
    this.serviceRequests = new Counter({ name: 'service_requests', help: 'Requests received, by namespace and operation.', labelNames: ['namespace', 'operation'], registers });
    this.serviceErrors = new Counter({ name: 'service_errors', help: 'Requests answered with an error, by namespace, operation and gRPC status.', labelNames: ['namespace', 'operation', 'status_code'], registers });
    this.serviceLatency = new Histogram({ name: 'service_latency', help: 'Request handling time in seconds.', labelNames: ['namespace', 'operation'], buckets: LATENCY_BUCKETS, registers });
    this.persistenceRequests = new Counter({ name: 'persistence_requests', help: 'Store calls, by operation.', labelNames: ['operation'], registers });
    this.persistenceErrors = new Counter({ name: 'persistence_errors', help: 'Store calls that failed, by operation and error.', labelNames: ['operation', 'error_type'], registers });
    this.persistenceLatency = new Histogram({ name: 'persistence_latency', help: 'Store call time in seconds.', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers });
    this.servicePendingRequests = new Gauge({ name: 'service_pending_requests', help: 'Requests being handled now.', labelNames: ['namespace', 'operation'], registers });
    const queue = ['namespace', 'taskqueue', 'task_type'] as const;
    this.pollSuccess = new Counter({ name: 'poll_success', help: 'Polls answered with a task.', labelNames: queue, registers });
    this.pollSuccessSync = new Counter({ name: 'poll_success_sync', help: 'Polls answered with a task matched without the backlog.', labelNames: queue, registers });
    this.pollTimeouts = new Counter({ name: 'poll_timeouts', help: 'Polls answered empty when their wait ran out.', labelNames: queue, registers });
    this.backlog = new Gauge({ name: 'approximate_backlog_count', help: 'Tasks waiting in the backlog read by this instance.', labelNames: queue, registers });
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
  }

  private readonly collectors: Array<() => void> = [];

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
  private readonly namespaceNames = new Map<string, string>();
  private lookUpNamespaceName?: (id: string) => Promise<string | undefined>;

  /**
   * How to turn a namespace id (what internal requests and task queues carry) into the name the
   * `namespace` label holds. Names are cached for the process's life: Kairos never renames one.
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

  /** A request's `namespace` label: public requests carry the name, internal ones the id. */
  private async requestNamespace(request: unknown): Promise<string> {
    const fields = (request ?? {}) as { namespace?: unknown; namespaceId?: unknown };
    if (typeof fields.namespace === 'string' && fields.namespace !== '') return fields.namespace;
    if (typeof fields.namespaceId === 'string' && fields.namespaceId !== '') return this.namespaceName(fields.namespaceId);
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

  /** A gRPC server middleware counting and timing every call as service_requests / service_errors / service_latency. */
  serverMiddleware(): ServerMiddleware {
    const metrics = this;
    return async function* metricsMiddleware(call, context) {
      const operation = operationName(call.method.path);
      // Streaming calls have no single request to read the namespace from.
      const namespace = call.requestStream ? UNKNOWN_NAMESPACE : await metrics.requestNamespace(call.request);
      metrics.serviceRequests.inc({ namespace, operation });
      metrics.servicePendingRequests.inc({ namespace, operation });
      const end = metrics.serviceLatency.startTimer({ namespace, operation });
      try {
        return yield* call.next(call.request, context);
      } catch (err) {
        const code = err instanceof ApiError ? err.code : ((err as { code?: number }).code ?? Status.UNKNOWN);
        metrics.serviceErrors.inc({ namespace, operation, status_code: Status[code] ?? String(code) });
        throw err;
      } finally {
        metrics.servicePendingRequests.dec({ namespace, operation });
        end();
      }
    };
  }

  /** `object` with every async method counted and timed as persistence_* (operation = Temporal's name for the call). */
  instrument<T extends object>(object: T): T {
    const metrics = this;
    return new Proxy(object, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string' || property === 'close') return value;
        return function instrumented(this: unknown, ...args: unknown[]) {
          const operation = temporalPersistenceOperation(property, args);
          metrics.persistenceRequests.inc({ operation });
          const end = metrics.persistenceLatency.startTimer({ operation });
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!(result instanceof Promise)) {
            end();
            return result;
          }
          return result.then(
            (v) => {
              end();
              return v;
            },
            (err: unknown) => {
              end();
              metrics.persistenceErrors.inc({ operation, error_type: (err as Error)?.name ?? 'Error' });
              throw err;
            },
          );
        };
      },
    });
  }
}

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
