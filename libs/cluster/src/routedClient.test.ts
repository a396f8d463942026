import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { notFound, shardMoved, unavailable } from '@kairos/common/errors';
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
});
