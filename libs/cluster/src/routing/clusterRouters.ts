import { shardIdFor } from '@kairos/domain';
import { HistoryServiceDefinition } from '@kairos/proto/kairos/historyservice/v1/service';
import { MatchingServiceDefinition } from '@kairos/proto/kairos/matchingservice/v1/service';
import type { ClusterDirectory } from '../clusterDirectory';
import type { Router } from '../routedClient';
import { methodRoutes, type MethodRoute, type RoutedServiceDefinition } from './methodRoutes';

function routeFor(routes: Map<string, MethodRoute>, definition: RoutedServiceDefinition, method: string): MethodRoute {
  const route = routes.get(method);
  if (!route) throw new Error(`no route for method ${method} of ${definition.fullName}`);
  return route;
}

/**
 * Routes each call of a service whose instances own history shards (`definition`'s methods are
 * routed by execution or to any instance) to the instance holding its execution's shard.
 */
export function shardRouter(definition: RoutedServiceDefinition, directory: ClusterDirectory, numShards: number): Router {
  const routes = methodRoutes(definition, ['execution', 'anyInstance']);
  return {
    addressFor: async (method, request) => {
      const route = routeFor(routes, definition, method);
      if (route.target !== 'execution') return directory.anyAddress('history');
      const { namespaceId, workflowId } = route.executionOf(request);
      return directory.historyAddressForShard(shardIdFor(namespaceId, workflowId, numShards), numShards);
    },
    moved: () => directory.refreshSoon(),
    onOwnershipChange: (listener) => directory.subscribe(listener),
  };
}

/**
 * Routes each call of a service whose instances own task queues (`definition`'s methods are
 * routed by task queue or to any instance) to the instance serving its task queue.
 */
export function queueRouter(definition: RoutedServiceDefinition, directory: ClusterDirectory): Router {
  const routes = methodRoutes(definition, ['taskQueue', 'anyInstance']);
  return {
    addressFor: async (method, request) => {
      const route = routeFor(routes, definition, method);
      if (route.target !== 'taskQueue') return directory.anyAddress('matching');
      return directory.matchingAddressForQueue(route.queueKeyOf(request));
    },
    moved: () => directory.refreshSoon(),
    onOwnershipChange: (listener) => directory.subscribe(listener),
  };
}

/** Routes each history call as its RPC declares (proto/kairos/historyservice/v1/service.proto). */
export function historyRouter(directory: ClusterDirectory, numShards: number): Router {
  return shardRouter(HistoryServiceDefinition, directory, numShards);
}

/** Routes each matching call as its RPC declares (proto/kairos/matchingservice/v1/service.proto). */
export function matchingRouter(directory: ClusterDirectory): Router {
  return queueRouter(MatchingServiceDefinition, directory);
}
