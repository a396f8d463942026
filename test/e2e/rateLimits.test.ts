import { writeFileSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workPath } from '../src/harness/paths';
import { startKairosDev, type KairosDev } from '../src/harness/servers';

const RESOURCE_EXHAUSTED = 8;

interface GrpcError {
  code: number;
  details: string;
  metadata?: { get(key: string): Array<string | Buffer> };
}

function exhaustedDetail(err: GrpcError): temporal.api.errordetails.v1.ResourceExhaustedFailure {
  const raw = err.metadata!.get('grpc-status-details-bin')[0]!;
  const status = google.rpc.Status.decode(typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw);
  expect(status.details[0]!.type_url).toBe('type.googleapis.com/temporal.api.errordetails.v1.ResourceExhaustedFailure');
  return temporal.api.errordetails.v1.ResourceExhaustedFailure.decode(status.details[0]!.value!);
}

describe('per-namespace rate limits (Temporal frontend.namespaceRPS, burst ratio 2)', () => {
  let server: KairosDev;

  beforeAll(async () => {
    const config = workPath(`rate-limits-${process.pid}-${Date.now()}.json`);
    writeFileSync(config, JSON.stringify({ namespaceLimits: { limited: { namespaceRps: 5 } } }));
    server = await startKairosDev({ extraArgs: ['--config', config] });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('refuses calls past the rate with RESOURCE_EXHAUSTED naming the limit and its value; other namespaces are not affected', async () => {
    // No retry interceptor: the SDK would otherwise back off and retry RESOURCE_EXHAUSTED itself.
    const connection = await Connection.connect({ address: server.address, interceptors: [] });
    try {
      const calls = await Promise.allSettled(
        Array.from({ length: 30 }, () => connection.workflowService.describeNamespace({ namespace: 'limited' })),
      );
      const refused = calls.filter((c): c is PromiseRejectedResult => c.status === 'rejected').map((c) => c.reason as GrpcError);
      // A burst of 2 × 5 passes (plus what refills while the calls arrive), the rest is refused.
      expect(calls.filter((c) => c.status === 'fulfilled').length).toBeGreaterThanOrEqual(10);
      expect(refused.length).toBeGreaterThanOrEqual(15);
      for (const err of refused) {
        expect(err.code).toBe(RESOURCE_EXHAUSTED);
        expect(err.details).toBe('namespace rate limit exceeded: namespace "limited" is limited to 5 requests per second (frontend.namespaceRPS, burst 10)');
        const detail = exhaustedDetail(err);
        expect(detail.cause).toBe(temporal.api.enums.v1.ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT);
        expect(detail.scope).toBe(temporal.api.enums.v1.ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE);
      }
      // The default namespace keeps Temporal's default (2,400/s) and is not slowed by the other's limit.
      await Promise.all(Array.from({ length: 30 }, () => connection.workflowService.describeNamespace({ namespace: 'default' })));
      // The bucket refills at 5 per second.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await connection.workflowService.describeNamespace({ namespace: 'limited' });
    } finally {
      await connection.close();
    }
  });
});
