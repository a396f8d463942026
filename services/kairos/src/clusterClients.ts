import { createChannel, createClientFactory, type Channel, type ChannelCredentials, type ChannelOptions } from 'nice-grpc';
import { createClientErrorMiddleware } from '@kairos/common/grpcErrors';
import {
  historyRouter,
  matchingRouter,
  routedClient,
  type ClusterDirectory,
  type HistoryClient,
  type MatchingClient,
} from '@kairos/cluster';
import { HistoryServiceDefinition } from '@kairos/proto/kairos/historyservice/v1/service';
import { MatchingServiceDefinition } from '@kairos/proto/kairos/matchingservice/v1/service';
import { INTERNAL_CHANNEL_OPTIONS } from './grpcOptions';
import type { Tracing } from './tracing';

/**
 * Clients for the history and matching services of a cluster: each call goes to the instance that
 * owns its shard or task queue (from the directory), and follows ownership when it moves. One
 * channel per instance address, kept for the life of the process; over internode TLS when `tls`
 * is given.
 */
export function clusterClients(
  directory: ClusterDirectory,
  numHistoryShards: number,
  tracing?: Tracing,
  tls?: { credentials: ChannelCredentials; channelOptions: ChannelOptions },
): { history: HistoryClient; matching: MatchingClient } {
  // With tracing on, each call is a client span whose context travels in the call's metadata
  // (inside the error middleware, so the span sees the gRPC status as it came).
  const base = createClientFactory().use(createClientErrorMiddleware());
  const factory = tracing ? base.use(tracing.clientMiddleware()) : base;
  const channels = new Map<string, Channel>();
  const channelFor = (address: string): Channel => {
    let channel = channels.get(address);
    if (!channel) {
      channel = createChannel(address, tls?.credentials, { ...INTERNAL_CHANNEL_OPTIONS, ...tls?.channelOptions });
      channels.set(address, channel);
    }
    return channel;
  };
  const historyClients = new Map<string, HistoryClient>();
  const matchingClients = new Map<string, MatchingClient>();
  const cached = <C>(clients: Map<string, C>, make: (address: string) => C) => (address: string): C => {
    let client = clients.get(address);
    if (!client) {
      client = make(address);
      clients.set(address, client);
    }
    return client;
  };
  return {
    history: routedClient(
      HistoryServiceDefinition,
      historyRouter(directory, numHistoryShards),
      cached(historyClients, (address) => factory.create(HistoryServiceDefinition, channelFor(address))),
    ),
    matching: routedClient(
      MatchingServiceDefinition,
      matchingRouter(directory),
      cached(matchingClients, (address) => factory.create(MatchingServiceDefinition, channelFor(address))),
    ),
  };
}
