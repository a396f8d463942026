import type { Middleware } from '@kairos/common/grpc';
import { namespacePollLimited, namespaceRateLimited } from '@kairos/common/errors';
import { setting } from '@kairos/common/settings';
import type { Limits } from '@kairos/domain';

/** APIs that wait (long polls); Temporal caps how many of each run at once per namespace. */
const LONG_POLLS = new Set(['PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'PollNexusTaskQueue']);

/** A token bucket: `rate` tokens per second, at most `capacity`, refilled lazily from the clock. */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private rate: number,
    private capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.refilledAt = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.rate);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Follows a changed configuration without losing the tokens already earned. */
  reconfigure(rate: number, capacity: number): void {
    this.rate = rate;
    this.capacity = capacity;
    this.tokens = Math.min(this.tokens, capacity);
  }
}

/**
 * Temporal's per-namespace frontend limits, per frontend instance: a request rate
 * (`namespaceRps`, burst × `frontend.namespaceBurstRatio`) over every WorkflowService call that names a namespace, and a cap on
 * concurrent long polls per namespace and API (`namespaceConcurrentLongPolls`). A refused call gets
 * RESOURCE_EXHAUSTED with Temporal's ResourceExhaustedFailure (cause RPS_LIMIT or CONCURRENT_LIMIT,
 * scope NAMESPACE) and a message naming the limit and its value; SDKs back off and retry it.
 */
export class NamespaceRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly limitsOf: (namespace: string) => Limits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Namespaces with a request-rate bucket (only those that exist, through the middleware). */
  get trackedNamespaces(): number {
    return this.buckets.size;
  }

  /** Admits one call of `operation` for `namespace`, or throws RESOURCE_EXHAUSTED. Returns the function that ends it. */
  admit(namespace: string, operation: string): () => void {
    const limits = this.limitsOf(namespace);
    const capacity = limits.namespaceRps * setting('frontend.namespaceBurstRatio');
    let bucket = this.buckets.get(namespace);
    if (!bucket) this.buckets.set(namespace, (bucket = new TokenBucket(limits.namespaceRps, capacity, this.now)));
    else bucket.reconfigure(limits.namespaceRps, capacity);
    if (!bucket.take()) {
      throw namespaceRateLimited(namespace, limits.namespaceRps, capacity);
    }
    if (!LONG_POLLS.has(operation)) return () => undefined;
    const key = `${namespace}\u0000${operation}`;
    const running = this.inFlight.get(key) ?? 0;
    if (running >= limits.namespaceConcurrentLongPolls) {
      throw namespacePollLimited(namespace, limits.namespaceConcurrentLongPolls, operation);
    }
    this.inFlight.set(key, running + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }
}

/** Tells whether a namespace of that name exists (through the frontend's namespace cache). */
export type NamespaceExists = (namespace: string) => Promise<boolean>;

/**
 * Applies the limiter to WorkflowService calls that name an existing namespace; `onRefused` counts
 * refusals. A call naming no known namespace passes straight to its handler, which answers
 * NOT_FOUND, as Temporal's namespace check runs before its rate limits: the limiter keeps state
 * only for namespaces that exist, so made-up names cannot grow it.
 */
export function createRateLimitMiddleware(
  limiter: NamespaceRateLimiter,
  namespaceExists: NamespaceExists,
  onRefused?: (namespace: string, operation: string) => void,
): Middleware {
  return async function rateLimitMiddleware(call, context, next) {
    const namespace = (call.request as { namespace?: unknown } | undefined)?.namespace;
    if (!call.method.path.startsWith('/temporal.api.workflowservice.') || typeof namespace !== 'string' || namespace === '') {
      return next(call.request, context);
    }
    if (!(await namespaceExists(namespace))) {
      return next(call.request, context);
    }
    const operation = call.method.path.slice(call.method.path.lastIndexOf('/') + 1);
    let end: () => void;
    try {
      end = limiter.admit(namespace, operation);
    } catch (err) {
      onRefused?.(namespace, operation);
      throw err;
    }
    try {
      return await next(call.request, context);
    } finally {
      end();
    }
  };
}
