import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { ApiError, decodeErrorDetail } from '@kairos/common/errors';
import { resolveLimits } from '@kairos/domain';
import { ResourceExhaustedFailure } from '@kairos/proto/temporal/api/errordetails/v1/message';
import { ResourceExhaustedCause, ResourceExhaustedScope } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import type { CallContext } from 'nice-grpc-common';
import type { Middleware } from '@kairos/common/grpc';
import { createRateLimitMiddleware, NamespaceRateLimiter, TokenBucket } from './rateLimits';

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a refusal');
}

describe('TokenBucket', () => {
  it('allows a burst of its capacity, then its rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 20, () => now);
    for (let i = 0; i < 20; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 100; // 0.1 s at 10/s: one token
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    now += 60_000; // refills to capacity, never past it
    let taken = 0;
    while (bucket.take()) taken++;
    expect(taken).toBe(20);
  });
});

describe('NamespaceRateLimiter', () => {
  it('uses Temporal defaults: 2,400 requests/s per namespace with a burst of 4,800', () => {
    const now = 0;
    const limiter = new NamespaceRateLimiter(() => resolveLimits(undefined), () => now);
    for (let i = 0; i < 4_800; i++) limiter.admit('default', 'StartWorkflowExecution')();
    const err = refusal(() => limiter.admit('default', 'StartWorkflowExecution'));
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(err.message).toBe(
      'namespace rate limit exceeded: namespace "default" is limited to 2400 requests per second (frontend.namespaceRPS, burst 4800)',
    );
    expect(decodeErrorDetail(err, 'temporal.api.errordetails.v1.ResourceExhaustedFailure', ResourceExhaustedFailure)).toMatchObject({
      cause: ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT,
      scope: ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
    });
    // Another namespace has its own bucket.
    limiter.admit('billing', 'StartWorkflowExecution')();
  });

  it('caps concurrent long polls per namespace and API, and frees a slot when a poll ends', () => {
    const limiter = new NamespaceRateLimiter(() => resolveLimits({ namespaceConcurrentLongPolls: 2 }));
    const first = limiter.admit('default', 'PollWorkflowTaskQueue');
    limiter.admit('default', 'PollWorkflowTaskQueue');
    limiter.admit('default', 'PollActivityTaskQueue'); // another API: its own count
    const err = refusal(() => limiter.admit('default', 'PollWorkflowTaskQueue'));
    expect(err.message).toBe(
      'namespace concurrent poll limit exceeded: namespace "default" is limited to 2 concurrent PollWorkflowTaskQueue calls (frontend.namespaceCount)',
    );
    expect(decodeErrorDetail(err, 'temporal.api.errordetails.v1.ResourceExhaustedFailure', ResourceExhaustedFailure)?.cause).toBe(
      ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
    );
    first();
    first(); // ending twice frees one slot only
    limiter.admit('default', 'PollWorkflowTaskQueue');
    expect(() => limiter.admit('default', 'PollWorkflowTaskQueue')).toThrow(/concurrent poll limit/);
  });
});

describe('createRateLimitMiddleware', () => {
  /** Runs one unary WorkflowService call through the middleware; the handler answers 'handled'. */
  async function callThrough(middleware: Middleware, method: string, namespace: string): Promise<unknown> {
    const call = {
      method: { path: `/temporal.api.workflowservice.v1.WorkflowService/${method}`, requestStream: false, responseStream: false, options: {} },
      requestStream: false,
      responseStream: false,
      request: { namespace },
    };
    return middleware(call, {} as CallContext, async () => 'handled');
  }

  it('keeps rate-limit state only for namespaces that exist: made-up names pass to the handler (NOT_FOUND there)', async () => {
    const limiter = new NamespaceRateLimiter(() => resolveLimits({ namespaceRps: 1 }));
    const existing = new Set(['default']);
    const middleware = createRateLimitMiddleware(limiter, async (name) => existing.has(name));
    for (let i = 0; i < 1_000; i++) {
      expect(await callThrough(middleware, 'DescribeNamespace', `made-up-${i}`)).toBe('handled');
    }
    expect(limiter.trackedNamespaces).toBe(0);
    // An existing namespace is limited as before (rate 1, burst 2).
    await callThrough(middleware, 'DescribeNamespace', 'default');
    await callThrough(middleware, 'DescribeNamespace', 'default');
    await expect(callThrough(middleware, 'DescribeNamespace', 'default')).rejects.toThrow(/namespace rate limit exceeded/);
    expect(limiter.trackedNamespaces).toBe(1);
  });
});
