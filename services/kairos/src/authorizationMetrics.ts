import { UNKNOWN_NAMESPACE, type Metrics } from '@kairos/common/metrics';
import { NamespaceRegistry } from '@kairos/domain';
import type { Store } from '@kairos/persistence/store';

/**
 * Temporal's authorization metrics for each decision: service_authorization_latency and, for a
 * refusal, service_errors_unauthorized, with operation "Authorization" and the request's namespace
 * only when it exists (a caller's made-up names must not grow the series).
 */
export function authorizationMetrics(metrics: Metrics, store: Store): (namespace: string, allowed: boolean, seconds: number) => void {
  const namespaces = new NamespaceRegistry(store);
  const labelOf = async (name: string) => (name !== '' && (await namespaces.exists(name).catch(() => false)) ? name : UNKNOWN_NAMESPACE);
  return (namespace, allowed, seconds) => {
    void labelOf(namespace).then((label) => {
      const labels = { namespace: label, operation: 'Authorization' };
      metrics.serviceAuthorizationLatency.observe(labels, seconds);
      if (!allowed) metrics.serviceErrorsUnauthorized.inc(labels);
    });
  };
}
