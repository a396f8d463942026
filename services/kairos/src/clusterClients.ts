import type { ClientMiddleware } from 'nice-grpc-common';
import type { InternodeClientTls } from '@kairos/common/tls';
import { setting } from '@kairos/common/settings';
import { createUnaryClient, Http2Connection } from '@kairos/common/grpc';
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
import type { Tracing } from './tracing';

/** gRPC's minimum connect timeout: how long a dial to a silent address (a dead pod's IP) may take. */
const CONNECT_TIMEOUT_MS = 20_000;

/** Which service's calls are answered with another's encoded answer. */
export interface RelayedMethods {
  history?: ReadonlySet<keyof typeof HistoryServiceDefinition.methods>;
  matching?: ReadonlySet<keyof typeof MatchingServiceDefinition.methods>;
}

/**
 * The internal answers each service passes on to its own caller untouched (their `response` is
 * the public answer): the frontend's polls, history pages, starts and workflow task completions,
 * and matching's started tasks. They stay encoded (relay.ts), so the history events in them are
 * not decoded and encoded again at each hop. History reads what it asks for: it relays nothing.
 */
export const RELAYED_BY_SERVICE: Readonly<Record<'frontend' | 'history' | 'matching', RelayedMethods>> = {
  frontend: {
    history: new Set(['startWorkflowExecution', 'getWorkflowExecutionHistory', 'respondWorkflowTaskCompleted']),
    matching: new Set(['pollWorkflowTaskQueue', 'pollActivityTaskQueue']),
  },
  history: {},
  matching: { history: new Set(['recordWorkflowTaskStarted', 'recordActivityTaskStarted']) },
};

/**
 * Clients for the history and matching services of a cluster: each call goes to the instance that
 * owns its shard or task queue (from the directory), and follows ownership when it moves. One
 * HTTP/2 connection per instance address, kept for the life of the process; over internode TLS
 * when `tls` is given.
 */
export function clusterClients(
  directory: ClusterDirectory,
  numHistoryShards: number,
  tracing?: Tracing,
  tls?: InternodeClientTls,
  relayed: RelayedMethods = {},
): { history: HistoryClient; matching: MatchingClient } {
  // With tracing on, each call is a client span whose context travels in the call's metadata.
  const middleware: ClientMiddleware | undefined = tracing?.clientMiddleware();
  const connections = new Map<string, Http2Connection>();
  const connectionTo = (address: string): Http2Connection => {
    let connection = connections.get(address);
    if (!connection) {
      connection = new Http2Connection(address, {
        maxMessageBytes: setting('grpc.internalMaxMessageSize'),
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        ...(tls && { tls: () => tls.connectOptions() }),
      });
      connections.set(address, connection);
    }
    return connection;
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
      cached(historyClients, (address) => createUnaryClient(HistoryServiceDefinition, connectionTo(address), middleware, relayed.history)),
    ),
    matching: routedClient(
      MatchingServiceDefinition,
      matchingRouter(directory),
      cached(matchingClients, (address) => createUnaryClient(MatchingServiceDefinition, connectionTo(address), middleware, relayed.matching)),
    ),
  };
}
