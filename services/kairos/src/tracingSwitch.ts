import type { Logger } from '@kairos/common/logger';
import type { Tracing } from './tracing';

/** The endpoint traces go to, when tracing is on. */
export function otlpTracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if ((env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((s) => s.trim()).includes('none')) return undefined;
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
}

/**
 * Starts tracing when an endpoint is configured. The OpenTelemetry SDK is loaded only then:
 * compiling its modules was a twentieth of start-dev's start-up CPU, for a feature off by default.
 */
export async function startTracingIfConfigured(serviceName: string, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (!otlpTracesEndpoint(env)) return undefined;
  const { startTracing } = await import('./tracing.js');
  return startTracing(serviceName, logger, env);
}
