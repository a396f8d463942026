import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { notFound, shardMoved, unavailable } from '@kairos/common/errors';
import type { CallCancellation } from '@kairos/common/grpc';
import { routedClient, type Router } from './routedClient';

const definition = { name: 'Test', fullName: 'test.Test', methods: { doThing: {} } } as any;

describe('routedClient', () => {
  it('sends each call to the owner and follows ownership when an instance says UNAVAILABLE', async () => {
    let owner = 'a:1';
    const calls: string[] = [];
    const router: Router = {
      addressFor: async () => owner,
      moved: () => {
        owner = 'b:1';
      },
    };
    const client = routedClient(definition, router, (address) => ({
      doThing: async (req: { n: number }) => {
        calls.push(address);
        if (address === 'a:1') throw shardMoved(1);
        return { n: req.n + 1 };
      },
    }) as any, { firstBackoffMs: 1 });
    await expect((client as any).doThing({ n: 1 })).resolves.toEqual({ n: 2 });
    expect(calls).toEqual(['a:1', 'b:1']);
  });

  it('passes other errors through without retrying', async () => {
    let attempts = 0;
    const client = routedClient(definition, { addressFor: async () => 'a:1', moved: () => {} }, () => ({
      doThing: async () => {
        attempts++;
        throw notFound('gone');
      },
    }) as any);
    await expect((client as any).doThing({})).rejects.toMatchObject({ code: Status.NOT_FOUND });
    expect(attempts).toBe(1);
  });

  it('gives up once the retry window has passed', async () => {
    let attempts = 0;
    const client = routedClient(definition, { addressFor: async () => 'a:1', moved: () => {} }, () => ({
      doThing: async () => {
        attempts++;
        throw unavailable('down');
      },
    }) as any, { retryForMs: 30, firstBackoffMs: 5 });
    await expect((client as any).doThing({})).rejects.toMatchObject({ code: Status.UNAVAILABLE });
    expect(attempts).toBeGreaterThan(1);
  });

  describe('a call its owner does not answer', () => {
    /** A router whose owner can be changed by the test, announcing each change as a directory read would. */
    function movableRouter(first: string) {
      let owner = first;
      const listeners = new Set<() => void>();
      const router: Router = {
        addressFor: async () => owner,
        moved: () => {},
        onOwnershipChange: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      };
      return {
        router,
        moveTo(address: string) {
          owner = address;
          for (const listener of listeners) listener();
        },
        listeners,
      };
    }
    /** A frozen instance at `frozen` never answers (until aborted); the others answer at once. */
    const clientWithFrozen = (frozen: string, calls: string[], aborted: string[]) => (address: string) =>
      ({
        doThing: (req: { n: number }, options?: { signal?: AbortSignal; cancellation?: CallCancellation }) => {
          calls.push(address);
          if (address !== frozen) return Promise.resolve({ n: req.n, by: address });
          return new Promise((_resolve, reject) => {
            // As Http2Connection does: the caller's signal and the attempt's cancellation each end the call.
            const abort = () => {
              aborted.push(address);
              reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
            };
            options?.signal?.addEventListener('abort', abort);
            options?.cancellation?.onCancel(abort);
          });
        },
      }) as any;

    it('is re-sent to the new owner once the key moved after the grace period', async () => {
      const { router, moveTo, listeners } = movableRouter('a:1');
      const calls: string[] = [];
      const aborted: string[] = [];
      const client = routedClient(definition, router, clientWithFrozen('a:1', calls, aborted), { stallGraceMs: 20 });
      const result = (client as any).doThing({ n: 7 });
      await new Promise((r) => setTimeout(r, 40));
      moveTo('b:1');
      await expect(result).resolves.toEqual({ n: 7, by: 'b:1' });
      expect(calls).toEqual(['a:1', 'b:1']);
      expect(aborted).toEqual(['a:1']);
      expect(listeners.size).toBe(0);
    });

    it('keeps waiting while the key stays with it, and within the grace period', async () => {
      const { router, moveTo, listeners } = movableRouter('a:1');
      const calls: string[] = [];
      const aborted: string[] = [];
      const client = routedClient(definition, router, clientWithFrozen('a:1', calls, aborted), { stallGraceMs: 60_000 });
      const caller = new AbortController();
      const result = (client as any).doThing({ n: 1 }, { signal: caller.signal });
      await new Promise((r) => setTimeout(r, 20));
      moveTo('a:1');
      moveTo('b:1'); // moved, but the call is younger than the grace period
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toEqual(['a:1']);
      expect(aborted).toEqual([]);
      caller.abort();
      await expect(result).rejects.toMatchObject({ name: 'AbortError' });
      expect(aborted).toEqual(['a:1']);
      expect(calls).toEqual(['a:1']);
      expect(listeners.size).toBe(0);
    });
  });
});
