import { createServer, type Server } from 'node:http';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ServerMiddleware } from 'nice-grpc-common';
import { Status } from 'nice-grpc-common';
import { ApiError } from './errors';
import { redactUrlCredentials } from './redact';

/** Latency buckets in seconds, from a cached read to a slow long poll. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * One process's Prometheus metrics, named as Temporal's server names them where it has an
 * equivalent (service_requests, service_errors, service_latency, persistence_*, poll_success,
 * poll_success_sync, poll_timeouts, approximate_backlog_count), with the labels `operation`,
 * `namespace` and `taskqueue`. Each process has its own registry (tests run several in one).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly serviceRequests: Counter<'operation'>;
  readonly serviceErrors: Counter<'operation' | 'status_code'>;
  readonly serviceLatency: Histogram<'operation'>;
  readonly persistenceRequests: Counter<'operation'>;
  readonly persistenceErrors: Counter<'operation' | 'error_type'>;
  readonly persistenceLatency: Histogram<'operation'>;
  readonly pollSuccess: Counter<'namespace' | 'taskqueue' | 'task_type'>;
  readonly pollSuccessSync: Counter<'namespace' | 'taskqueue' | 'task_type'>;
  readonly pollTimeouts: Counter<'namespace' | 'taskqueue' | 'task_type'>;
  readonly backlog: Gauge<'namespace' | 'taskqueue' | 'task_type'>;
  readonly rateLimited: Counter<'namespace' | 'operation'>;

  constructor(serviceName: string) {
    this.registry.setDefaultLabels({ service_name: serviceName });
    const registers = [this.registry];
    this.serviceRequests = new Counter({ name: 'service_requests', help: 'Requests received, by operation.', labelNames: ['operation'], registers });
    this.serviceErrors = new Counter({ name: 'service_errors', help: 'Requests answered with an error, by operation and gRPC status.', labelNames: ['operation', 'status_code'], registers });
    this.serviceLatency = new Histogram({ name: 'service_latency', help: 'Request handling time in seconds.', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers });
    this.persistenceRequests = new Counter({ name: 'persistence_requests', help: 'Store calls, by operation.', labelNames: ['operation'], registers });
    this.persistenceErrors = new Counter({ name: 'persistence_errors', help: 'Store calls that failed, by operation and error.', labelNames: ['operation', 'error_type'], registers });
    this.persistenceLatency = new Histogram({ name: 'persistence_latency', help: 'Store call time in seconds.', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers });
    const queue = ['namespace', 'taskqueue', 'task_type'] as const;
    this.pollSuccess = new Counter({ name: 'poll_success', help: 'Polls answered with a task.', labelNames: queue, registers });
    this.pollSuccessSync = new Counter({ name: 'poll_success_sync', help: 'Polls answered with a task matched without the backlog.', labelNames: queue, registers });
    this.pollTimeouts = new Counter({ name: 'poll_timeouts', help: 'Polls answered empty when their wait ran out.', labelNames: queue, registers });
    this.backlog = new Gauge({ name: 'approximate_backlog_count', help: 'Tasks waiting in the backlog read by this instance.', labelNames: queue, registers });
    this.rateLimited = new Counter({ name: 'namespace_rate_limited', help: 'Requests refused by a namespace rate limit.', labelNames: ['namespace', 'operation'], registers });
  }

  private readonly collectors: Array<() => void> = [];

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
      metrics.serviceRequests.inc({ operation });
      const end = metrics.serviceLatency.startTimer({ operation });
      try {
        return yield* call.next(call.request, context);
      } catch (err) {
        const code = err instanceof ApiError ? err.code : ((err as { code?: number }).code ?? Status.UNKNOWN);
        metrics.serviceErrors.inc({ operation, status_code: Status[code] ?? String(code) });
        throw err;
      } finally {
        end();
      }
    };
  }

  /** `object` with every async method counted and timed as persistence_* (operation = method name). */
  instrument<T extends object>(object: T): T {
    const metrics = this;
    return new Proxy(object, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string' || property === 'close') return value;
        return function instrumented(this: unknown, ...args: unknown[]) {
          const operation = property;
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
