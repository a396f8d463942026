import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Logger } from '@kairos/common/logger';
import type { ClientMiddleware } from 'nice-grpc-common';
import { fromServerMiddleware, type Middleware } from '@kairos/common/grpc';
import { openTelemetryClientMiddleware, openTelemetryServerMiddleware } from 'nice-grpc-opentelemetry';
import { otlpTracesEndpoint } from './tracingSwitch';

/**
 * OpenTelemetry traces, off unless an OTLP endpoint is configured the standard way
 * ($OTEL_EXPORTER_OTLP_ENDPOINT or $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTLP over HTTP, as the
 * Temporal server reads the same variables) and $OTEL_TRACES_EXPORTER is not `none`. When on,
 * every gRPC call a service serves is a server span and every call it makes to another service a
 * client span carrying the W3C trace context, so one request's spans on the frontend, history
 * and matching form one trace. Off, nothing is loaded into the call path.
 */
export interface Tracing {
  /** The OTLP endpoint spans go to (for the start log line and banner). */
  endpoint: string;
  serverMiddleware(): Middleware;
  clientMiddleware(): ClientMiddleware;
  /** start-dev's in-process calls between its services: the same span a gRPC client would make. */
  aroundInProcessCall<T>(methodPath: string, call: () => Promise<T>): Promise<T>;
  /** Sends what is buffered; called on shutdown. */
  shutdown(): Promise<void>;
}

/** Starts tracing for this process when an endpoint is configured; undefined (no tracing) otherwise. */
export function startTracing(serviceName: string, logger: Logger, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  const endpoint = otlpTracesEndpoint(env);
  if (!endpoint) return undefined;
  // The exporter reads the OTEL_EXPORTER_OTLP_* variables itself (the /v1/traces path, headers, timeout).
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || serviceName, 'service.namespace': 'kairos' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Global: the W3C propagator and the async-context manager the middlewares rely on.
  provider.register();
  const tracer = trace.getTracer('kairos');
  logger.info('tracing on: spans go to the OTLP endpoint', { endpoint, serviceName });
  return {
    endpoint,
    serverMiddleware: () => fromServerMiddleware(openTelemetryServerMiddleware()),
    clientMiddleware: () => openTelemetryClientMiddleware(),
    aroundInProcessCall: (methodPath, call) =>
      tracer.startActiveSpan(methodPath.replace(/^\//, ''), { kind: SpanKind.INTERNAL, attributes: { 'rpc.system': 'in-process' } }, async (span) => {
        try {
          return await context.with(trace.setSpan(context.active(), span), call);
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
          throw err;
        } finally {
          span.end();
        }
      }),
    shutdown: () => provider.shutdown().catch((err: unknown) => logger.warn('spans not all sent at shutdown', { error: String(err) })),
  };
}
