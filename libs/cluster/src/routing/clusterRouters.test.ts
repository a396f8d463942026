import { describe, expect, it } from 'vitest';
import { shardIdFor } from '@kairos/domain';
import { Route } from '@kairos/proto/kairos/routing/v1/routing';
import type { ClusterDirectory } from '../clusterDirectory';
import { historyRouter, matchingRouter, queueRouter, shardRouter } from './clusterRouters';

/** A directory that answers with the key it was asked for. */
const directory = {
  historyAddressForShard: (shardId: number) => `history-of-shard-${shardId}`,
  matchingAddressForQueue: (queueKey: string) => `matching-of-${queueKey}`,
  anyAddress: (role: string) => `any-${role}`,
  refreshSoon: () => {},
} as unknown as ClusterDirectory;

const method = (route: Route) => {
  const body = Route.encode(route).finish();
  return { options: { _unknownFields: { [(50301 << 3) | 2]: [Uint8Array.from([body.length, ...body])] } } };
};

describe('routers derived from the declared routes', () => {
  it('sends a history call to the holder of its execution’s shard', async () => {
    const router = historyRouter(directory, 8);
    await expect(router.addressFor('signalWorkflowExecution', { namespaceId: 'ns', request: { workflowExecution: { workflowId: 'w' } } })).resolves.toBe(
      `history-of-shard-${shardIdFor('ns', 'w', 8)}`,
    );
  });

  it('sends a matching call to the instance of its task queue', async () => {
    const router = matchingRouter(directory);
    await expect(router.addressFor('pollActivityTaskQueue', { namespaceId: 'ns', request: { taskQueue: { name: 'q' } } })).resolves.toBe('matching-of-ns/activity/q');
  });

  it('sends a call declared for any instance to any live one of the service', async () => {
    const definition = { fullName: 'test.Service', methods: { ping: method({ anyInstance: {} }) } };
    await expect(shardRouter(definition, directory, 8).addressFor('ping', {})).resolves.toBe('any-history');
    await expect(queueRouter(definition, directory).addressFor('ping', {})).resolves.toBe('any-matching');
  });

  it('cannot be built for a service with a method that has no route', () => {
    const definition = { fullName: 'test.Service', methods: { routed: method({ anyInstance: {} }), forgotten: { options: {} } } };
    expect(() => shardRouter(definition, directory, 8)).toThrow('test.Service routes (kairos/routing/v1/routing.proto): forgotten has no route');
  });

  it('refuses a method it does not know', async () => {
    await expect(matchingRouter(directory).addressFor('noSuchMethod', {})).rejects.toThrow(/no route for method noSuchMethod/);
  });
});
