import type { Client, CompatServiceDefinition } from 'nice-grpc';
import { Status } from 'nice-grpc-common';
import { CallCancellation } from '@kairos/common/grpc';
import { setting } from '@kairos/common/settings';

/** Finds the instance that owns a request's key (a history shard, a task queue partition). */
export interface Router {
  /** Address of the instance that owns the request's key, as far as this process knows. */
  addressFor(method: string, request: unknown): Promise<string>;
  /** The instance at `address` did not serve the request (gone, or no longer the owner): look again. */
  moved(method: string, request: unknown, address: string): void;
  /**
   * Calls `listener` whenever this process's view of ownership may have changed (the directory was
   * read again); returns the unsubscribe. Lets a call stuck at an instance that froze follow its key
   * to the new owner instead of waiting for the frozen one to wake.
   */
  onOwnershipChange?(listener: () => void): () => void;
}

export interface RoutedClientOptions {
  /** How long to keep retrying while ownership moves (an instance died, a lease changes hands). */
  retryForMs?: number;
  /** First pause between attempts; doubled each time up to `cluster.routedMaxBackoff`. */
  firstBackoffMs?: number;
  /** A call unanswered this long is re-sent to its key's new owner once ownership moved. */
  stallGraceMs?: number;
}

type Method = (request: unknown, options?: { signal?: AbortSignal; cancellation?: CallCancellation }) => Promise<unknown>;

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

/** Why an attempt was abandoned by the client itself: its key moved while the owner did not answer. */
class OwnerMoved extends Error {}

/**
 * One attempt of a call at `address`, abandoned (rejecting with OwnerMoved) when, after the grace
 * period, the router names another owner for the key: the instance did not answer (frozen, or cut
 * off) and the key was taken over, so waiting for it would cost its whole freeze. Re-sending is
 * safe because the frozen instance's writes are fenced by its lost shard lease.
 */
function attemptFollowingOwnership(
  call: Method,
  method: string,
  request: unknown,
  address: string,
  router: Router,
  stallGraceMs: number,
  callerSignal: AbortSignal | undefined,
): Promise<unknown> {
  if (!router.onOwnershipChange) return call(request, callerSignal ? { signal: callerSignal } : undefined);
  // Cancelled only when the attempt is abandoned; the caller's own signal reaches the call as it is.
  const attempt = new CallCancellation();
  const startedAt = Date.now();
  let abandoned = false;
  let checking = false;
  const unsubscribe = router.onOwnershipChange(() => {
    if (abandoned || checking || Date.now() - startedAt < stallGraceMs) return;
    checking = true;
    router
      .addressFor(method, request)
      .then((owner) => {
        if (owner !== address && !attempt.cancelled) {
          abandoned = true;
          attempt.cancel();
        }
      })
      .catch(() => undefined) // nobody to move to yet: keep waiting for this one
      .finally(() => (checking = false));
  });
  return call(request, callerSignal ? { signal: callerSignal, cancellation: attempt } : { cancellation: attempt })
    .catch((err: unknown) => {
      throw abandoned && !callerSignal?.aborted ? new OwnerMoved(`${method} at ${address}: key moved while unanswered`) : err;
    })
    .finally(unsubscribe);
}

/**
 * A client for a service whose instances each own part of the keys: every call goes to the owner
 * of its request's key, and a call the owner could not serve (UNAVAILABLE: the instance is gone
 * or the key moved), or did not answer before its key moved elsewhere, is retried against the new
 * owner, so callers never see ownership changes. Anything else, including errors of the owner
 * itself, is the caller's.
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
  const stallGraceMs = options.stallGraceMs ?? setting('cluster.routedStallGrace');
  const client: Record<string, unknown> = {};
  for (const method of Object.keys(definition.methods)) {
    client[method] = async (request: unknown, callOptions?: { signal?: AbortSignal }) => {
      const giveUpAt = Date.now() + retryForMs;
      for (let backoff = firstBackoffMs; ; backoff = Math.min(backoff * 2, maxBackoffMs)) {
        const address = await router.addressFor(method, request);
        const call = (clientFor(address) as unknown as Record<string, Method>)[method]!;
        try {
          return await attemptFollowingOwnership(call, method, request, address, router, stallGraceMs, callOptions?.signal);
        } catch (err) {
          if (err instanceof OwnerMoved) continue; // the new owner is known already: no pause
          if (!isUnavailable(err) || callOptions?.signal?.aborted || Date.now() + backoff > giveUpAt) throw err;
          router.moved(method, request, address);
          await pause(backoff, callOptions?.signal);
        }
      }
    };
  }
  return client as Client<D>;
}
