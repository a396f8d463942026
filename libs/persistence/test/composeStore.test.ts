import { describe, expect, it } from 'vitest';
import { composeStore, type StoreConcerns } from '../src/composeStore';

/** Concern implementations with just enough to tell them apart (the methods are never called by the checks). */
function concerns(overrides: Partial<Record<keyof StoreConcerns, object>> = {}): StoreConcerns {
  const parts: Record<keyof StoreConcerns, object> = {
    shards: { acquireShard: async () => 'shards' },
    executions: { getExecution: async () => 'executions' },
    taskQueues: { acquireTaskQueue: async () => 'taskQueues' },
    namespaces: { listNamespaces: async () => 'namespaces' },
    membership: { listMembers: async () => 'membership' },
    visibility: { listVisibility: async () => 'visibility' },
    workers: { listWorkerHeartbeats: async () => 'workers' },
    apiKeys: { listApiKeys: async () => 'apiKeys' },
    ...overrides,
  };
  return parts as unknown as StoreConcerns;
}

describe('composeStore', () => {
  it('gives every concern\'s methods and close on one object', async () => {
    let closed = false;
    const store = composeStore(concerns(), async () => void (closed = true));
    expect(await (store.listVisibility as unknown as () => Promise<string>)()).toBe('visibility');
    expect(await (store.acquireShard as unknown as () => Promise<string>)()).toBe('shards');
    await store.close();
    expect(closed).toBe(true);
  });

  it('refuses two concerns defining the same method, rather than let one shadow the other', () => {
    expect(() => composeStore(concerns({ membership: { listMembers: async () => 1, acquireShard: async () => 2 } }), async () => undefined)).toThrow(
      /two store concerns define the same method/,
    );
  });

  it('refuses a concern whose methods are not its own properties (a class instance)', () => {
    class Shards {
      async acquireShard() {
        return 'shards';
      }
    }
    expect(() => composeStore(concerns({ shards: new Shards() }), async () => undefined)).toThrow(/the shards store must be a plain object/);
  });
});
