import type { Client, CompatServiceDefinition } from 'nice-grpc';
import { Status } from 'nice-grpc-common';
import { setting } from '@kairos/common/settings';

/** Finds the instance that owns a request's key (a history shard, a task queue partition). */
export interface Router {
  /** Address of the instance that owns the request's key, as far as this process knows. */
  addressFor(method: string, request: unknown): Promise<string>;
  /** The instance at `address` did not serve the request (gone, or no longer the owner): look again. */
  moved(method: string, request: unknown, address: string): void;
}

export interface RoutedClientOptions {
  /** How long to keep retrying while ownership moves (an instance died, a lease changes hands). */
  retryForMs?: number;
  /** First pause between attempts; doubled each time up to `cluster.routedMaxBackoff`. */
  firstBackoffMs?: number;
}

const isUnavailable = (err: unknown) => (err as { code?: Status }).code === Status.UNAVAILABLE;

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * A client for a service whose instances each own part of the keys: every call goes to the owner
 * of its request's key, and a call the owner could not serve (UNAVAILABLE: the instance is gone
 * or the key moved) is retried against the new owner, so callers never see ownership changes.
 * Anything else, including errors of the owner itself, is the caller's.
 */
export function routedClient<D extends CompatServiceDefinition & { methods: Record<string, unknown> }>(
  definition: D,
  router: Router,
  clientFor: (address: string) => Client<D>,
  options: RoutedClientOptions = {},
): Client<D> {
  const retryForMs = options.retryForMs ?? setting('cluster.routedRetryWindow');
  const firstBackoffMs = options.firstBackoffMs ?? setting('cluster.routedFirstBackoff');
  const maxBackoffMs = setting('cluster.routedMaxBackoff');
  const client: Record<string, unknown> = {};
  for (const method of Object.keys(definition.methods)) {
    client[method] = async (request: unknown, callOptions?: { signal?: AbortSignal }) => {
      const giveUpAt = Date.now() + retryForMs;
      for (let backoff = firstBackoffMs; ; backoff = Math.min(backoff * 2, maxBackoffMs)) {
        const address = await router.addressFor(method, request);
        try {
          return await (clientFor(address) as unknown as Record<string, (request: unknown, options?: { signal?: AbortSignal }) => Promise<unknown>>)[method]!(request, callOptions);
        } catch (err) {
          if (!isUnavailable(err) || callOptions?.signal?.aborted || Date.now() + backoff > giveUpAt) throw err;
          router.moved(method, request, address);
          await pause(backoff, callOptions?.signal);
        }
      }
    };
  }
  return client as Client<D>;
}
