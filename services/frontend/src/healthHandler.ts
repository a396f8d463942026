import type { HealthServiceImplementation as HealthImplementation } from '@kairos/proto/grpc/health/v1/health';
import { HealthCheckResponse_ServingStatus } from '@kairos/proto/grpc/health/v1/health';
import { unknownHealthService } from '@kairos/common/errors';

/**
 * gRPC health: SERVING until shutdown begins. The server as a whole ('') answers for the process
 * (a liveness probe); the named services also need `isReady` (a readiness probe: a history
 * instance that has not got the shards assigned to it yet is alive but not ready).
 */
export function createHealthHandler(serviceNames: string[], isServing: () => boolean, isReady: () => boolean = () => true): HealthImplementation {
  const known = new Set(['', ...serviceNames]);
  const status = (service: string) => {
    if (!known.has(service)) throw unknownHealthService(service);
    const up = isServing() && (service === '' || isReady());
    return up ? HealthCheckResponse_ServingStatus.SERVING : HealthCheckResponse_ServingStatus.NOT_SERVING;
  };
  return {
    async check(request: { service: string }) {
      return { status: status(request.service) };
    },
    async *watch(request: { service: string }, context: { signal: AbortSignal }) {
      yield { status: status(request.service) };
      await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
    },
    async list() {
      return { statuses: {} };
    },
  } as unknown as HealthImplementation;
}
