import type { HealthServiceImplementation as HealthImplementation } from '@kairos/proto/grpc/health/v1/health';
import { HealthCheckResponse_ServingStatus } from '@kairos/proto/grpc/health/v1/health';
import { unknownHealthService } from '@kairos/common/errors';

/** gRPC health: SERVING for the given service names until shutdown begins. */
export function createHealthHandler(serviceNames: string[], isServing: () => boolean): HealthImplementation {
  const known = new Set(['', ...serviceNames]);
  const status = (service: string) => {
    if (!known.has(service)) throw unknownHealthService(service);
    return isServing() ? HealthCheckResponse_ServingStatus.SERVING : HealthCheckResponse_ServingStatus.NOT_SERVING;
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
