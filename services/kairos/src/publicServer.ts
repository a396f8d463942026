import { composeMiddleware, GrpcServer, type Middleware } from '@kairos/common/grpc';
import { setting } from '@kairos/common/settings';
import type { Logger } from '@kairos/common/logger';
import type { Metrics } from '@kairos/common/metrics';
import type { ReloadableServerCredentials } from '@kairos/common/tls';
import { createServerErrorMiddleware } from '@kairos/common/grpcErrors';
import type { HistoryClient, MatchingClient } from '@kairos/cluster';
import { NamespaceRegistry, resolveLimits, type Limits } from '@kairos/domain';
import {
  type ClusterFacts,
  createHealthHandler,
  createNamespaceStateMiddleware,
  createAdminHandler,
  createOperatorHandler,
  createRateLimitMiddleware,
  createReflectionHandler,
  createHttpApiServer,
  createWorkflowHandler,
  inProcessInvoker,
  setPeerSubject,
  createAuditMiddleware,
  type FrontendAuthorization,
  NamespaceRateLimiter,
  type HttpApiServer,
} from '@kairos/frontend';
import type { Store } from '@kairos/persistence/store';
import { withSharedResponseWriter } from '@kairos/proto';
import { HealthDefinition } from '@kairos/proto/grpc/health/v1/health';
import { ServerReflectionDefinition } from '@kairos/proto/grpc/reflection/v1/reflection';
import { ServerReflectionDefinition as ServerReflectionV1AlphaDefinition } from '@kairos/proto/grpc/reflection/v1alpha/reflection';
import { AdminServiceDefinition } from '@kairos/proto/kairos/adminservice/v1/service';
import { OperatorServiceDefinition } from '@kairos/proto/temporal/api/operatorservice/v1/service';
import { WorkflowServiceDefinition } from '@kairos/proto/temporal/api/workflowservice/v1/service';
import type { KairosConfig } from './config/types';
import type { Tracing } from './tracing';

export interface FrontendServer {
  server: GrpcServer;
  /** Listens on `host:port`, with the frontend's TLS when configured. */
  listen(address: string): Promise<void>;
  /** Temporal's HTTP API over the same handlers and middlewares (not listening until asked). */
  httpApi: HttpApiServer;
  /** Flips health to NOT_SERVING and answers waiting polls empty. */
  beginShutdown(): void;
}

/** What GetClusterInfo says of the deployment `config` describes. */
export function clusterFacts(config: KairosConfig): ClusterFacts {
  return {
    historyShardCount: config.numHistoryShards,
    persistenceStore: config.store.kind,
    frontendAddress: config.advertiseAddress ?? config.services.frontend.address,
  };
}

/** The public gRPC server (WorkflowService, OperatorService, Kairos's AdminService, health and server reflection) and Temporal's HTTP API beside it. */
export function createFrontendServer(deps: {
  store: Store;
  history: HistoryClient;
  matching: MatchingClient;
  logger: Logger;
  namespaceLimits?: Record<string, Partial<Limits>>;
  /** Counts and times every call (a cluster frontend exports Prometheus metrics). */
  metrics?: Metrics;
  /** What GetClusterInfo reports (shard count, store kind). */
  cluster: ClusterFacts;
  /** What else must hold for health to say SERVING (start-dev: history holds its shards). */
  ready?: () => boolean;
  /** When on, each call is a server span (the outermost middleware, so it sees every answer). */
  tracing?: Tracing;
  /** Authentication and authorization of every call; absent, every caller may do everything. */
  authorization?: FrontendAuthorization;
  /** TLS of the gRPC port and the HTTP API (tls.frontend.server); plaintext when absent. */
  tls?: ReloadableServerCredentials;
}): FrontendServer {
  const shutdown = new AbortController();
  let serving = true;
  // Temporal's per-namespace request rate and concurrent-poll limits, per frontend instance.
  const limiter = new NamespaceRateLimiter((namespace) => resolveLimits(deps.namespaceLimits?.[namespace]));
  // One namespace cache for the limiter's existence check and the handler's resolution.
  const namespaces = new NamespaceRegistry(deps.store);
  // One chain, outermost first, for gRPC calls and HTTP API requests alike; the span outermost, so it sees every answer.
  const chain: Middleware[] = [
    ...(deps.tracing ? [deps.tracing.serverMiddleware()] : []),
    ...(deps.metrics ? [deps.metrics.serverMiddleware()] : []),
    createServerErrorMiddleware(deps.logger),
    // Outside authorization, so refused calls are audited too, with the principal it found.
    createAuditMiddleware({ logger: deps.logger.child({ service: 'frontend' }), count: (operation, outcome) => deps.metrics?.auditEvents.inc({ operation, outcome }) }) as Middleware,
    // Before the namespace checks and rate limits, as Temporal's: a refused call learns nothing and costs no quota.
    ...(deps.authorization ? [deps.authorization.middleware as Middleware] : []),
    // Temporal checks the namespace's state before its rate limits.
    createNamespaceStateMiddleware(namespaces),
    createRateLimitMiddleware(
      limiter,
      (name) => namespaces.exists(name),
      (namespace, operation) => deps.metrics?.rateLimited.inc({ namespace, operation }),
    ),
    // No deadline middleware: the server puts the caller's deadline on each call's context, and the
    // few handlers that need it (long polls) read it with callDeadline(context).
  ];
  const middleware = composeMiddleware(chain);
  const server = new GrpcServer({
    // Temporal's frontend keeps gRPC's 4 MiB: a larger request is refused from its length prefix, never buffered.
    maxReceiveMessageBytes: setting('grpc.maxReceiveMessageSize'),
    maxSendMessageBytes: setting('grpc.maxSendMessageSize'),
    middleware,
    // With authorization on, the verified client certificate's subject is handed to the middlewares.
    ...(deps.authorization && { connectionMetadata: setPeerSubject }),
  });
  const workflowService = createWorkflowHandler({ ...deps, namespaces, logger: deps.logger.child({ service: 'frontend' }), shutdownSignal: shutdown.signal });
  const operatorService = createOperatorHandler(deps.store, namespaces, deps.cluster);
  // Responses are encoded through one shared writer (a fresh one per response grows from nothing).
  server.add(withSharedResponseWriter(WorkflowServiceDefinition), workflowService);
  server.add(withSharedResponseWriter(OperatorServiceDefinition), operatorService);
  server.add(AdminServiceDefinition, createAdminHandler({ history: deps.history, namespaces }));
  const httpApi = createHttpApiServer({
    invoke: inProcessInvoker(
      [
        { definition: WorkflowServiceDefinition, implementation: workflowService },
        { definition: OperatorServiceDefinition, implementation: operatorService },
      ],
      middleware,
    ),
    logger: deps.logger.child({ service: 'frontend' }),
    tls: deps.tls,
  });
  server.add(
    HealthDefinition,
    createHealthHandler(
      ['temporal.api.workflowservice.v1.WorkflowService', 'temporal.api.operatorservice.v1.OperatorService'],
      () => serving && (deps.ready?.() ?? true),
    ),
  );
  // Reflection lists every service this server answers, itself included (as Temporal's frontend).
  const reflection = createReflectionHandler(
    [WorkflowServiceDefinition, OperatorServiceDefinition, AdminServiceDefinition, HealthDefinition, ServerReflectionDefinition, ServerReflectionV1AlphaDefinition].map((d) => d.fullName),
  );
  server.add(ServerReflectionDefinition, reflection);
  // v1alpha has the same messages; older clients ask for it.
  server.add(ServerReflectionV1AlphaDefinition, reflection);
  return {
    server,
    listen: async (address) => {
      await server.listen(address, deps.tls);
    },
    httpApi,
    beginShutdown() {
      serving = false;
      shutdown.abort();
    },
  };
}
