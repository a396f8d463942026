import { randomUUID } from 'node:crypto';
import { createServerErrorMiddleware } from '@kairos/common/grpcErrors';
import { createLogger } from '@kairos/common/logger';
import { composeMiddleware, GrpcServer, type Middleware } from '@kairos/common/grpc';
import { setting } from '@kairos/common/settings';
import { Metrics, serveMetrics } from '@kairos/common/metrics';
import { ClusterDirectory, DEFAULT_MEMBERSHIP_TIMING, MembershipHeartbeat } from '@kairos/cluster';
import { apiKeyClaims, ensureNamespace, startFrontendAuthorization } from '@kairos/frontend';
import { createHealthHandler } from '@kairos/frontend';
import { HistoryService } from '@kairos/history';
import { MatchingService } from '@kairos/matching';
import { connectNatsNotifier } from '@kairos/notify';
import { withSharedResponseWriter } from '@kairos/proto';
import { HealthDefinition } from '@kairos/proto/grpc/health/v1/health';
import { HistoryServiceDefinition } from '@kairos/proto/kairos/historyservice/v1/service';
import { MatchingServiceDefinition } from '@kairos/proto/kairos/matchingservice/v1/service';
import { clusterClients, RELAYED_BY_SERVICE } from './clusterClients';
import type { KairosConfig, ServiceName } from './config/types';
import { authorizationMetrics } from './authorizationMetrics';
import { clusterFacts, createFrontendServer } from './publicServer';
import { openStore } from './openStore';
import { onShutdownSignal } from './shutdown';
import { loadProcessTls } from './tls';
import { startTracingIfConfigured } from './tracingSwitch';

/**
 * Runs one service of a cluster. Any number of instances of each service may run: history and
 * matching instances announce themselves in the store's membership table, history shards and task
 * queues are shared out among the live ones, and every process routes calls to the owner.
 */
export async function startService(service: ServiceName, config: KairosConfig): Promise<void> {
  const instanceId = `${service}-${randomUUID()}`;
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, fields: { service, instanceId } });
  // Before anything opens: a certificate file that cannot be used stops the start. Every service
  // dials history and matching; those two serve the internode port.
  const tls = loadProcessTls(config.tls, { frontend: service === 'frontend', internodeServer: service !== 'frontend', internodeClient: true }, logger);
  const metrics = new Metrics(service);
  // Every store call of this process is counted and timed (persistence_requests, persistence_latency).
  const store = metrics.instrument((await openStore(config.store, logger)).store);
  // Series name namespaces by name, as Temporal's do; internal calls and queues carry the id.
  metrics.resolveNamespaceNamesWith(async (id) => (await store.getNamespaceById(id))?.info?.name);
  let serving = true;
  const endpoint = config.services[service];
  // On the service's own bind address (0.0.0.0 in a pod, so Prometheus can scrape it).
  // Ready as its gRPC health says: history only while it holds the shards assigned to it (the
  // probe kubelet uses when TLS keeps its gRPC probes off the service port).
  let holdsShards = () => true;
  const metricsServer = config.metricsPort !== undefined ? await serveMetrics(metrics, config.metricsPort, () => serving && holdsShards(), endpoint.bindIp) : undefined;
  // Refused credentials or TLS fail the start here (an outage does not: the service starts and keeps trying).
  const notifier = await connectNatsNotifier({ url: config.natsUrl, clusterName: config.clusterName, logger, ...(config.nats && { security: config.nats }) });
  const directory = new ClusterDirectory(store, { ...DEFAULT_MEMBERSHIP_TIMING, refreshMs: setting('cluster.directoryRefresh') }, logger);
  await directory.start(notifier);
  const tracing = await startTracingIfConfigured(`kairos-${service}`, logger);
  const clients = clusterClients(directory, config.numHistoryShards, tracing, tls.internodeClient, RELAYED_BY_SERVICE[service]);
  const address = `${endpoint.bindIp}:${endpoint.port}`;

  if (service === 'frontend') {
    for (const name of config.namespaces) await ensureNamespace(store, name);
    const cluster = clusterFacts(config);
    // API keys are read from the shared store on every call: a revocation reaches every frontend at once.
    const authorization = config.authorization ? await startFrontendAuthorization(config.authorization, { logger, apiKeyClaims: apiKeyClaims(store), onDecision: authorizationMetrics(metrics, store) }) : undefined;
    const frontend = createFrontendServer({
      store,
      history: clients.history,
      matching: clients.matching,
      logger,
      namespaceLimits: config.namespaceLimits,
      metrics,
      cluster,
      tracing,
      authorization,
      tls: tls.frontend,
    });
    await frontend.listen(address);
    // Temporal's HTTP API, when the frontend's settings give it a port.
    const httpPort = config.httpPort !== undefined ? await frontend.httpApi.listen(endpoint.bindIp, config.httpPort) : undefined;
    // ListClusters names it on the advertised host.
    if (httpPort !== undefined) cluster.httpAddress = `${(cluster.frontendAddress ?? '').replace(/:\d+$/, '')}:${httpPort}`;
    logger.info('frontend started', { address, tls: tls.frontend ? 'on' : 'off', ...(httpPort !== undefined && { httpPort }) });
    onShutdownSignal(logger, async () => {
      serving = false;
      frontend.beginShutdown();
      await frontend.server.shutdown();
      await frontend.httpApi.close();
      authorization?.stop();
      metricsServer?.close();
      directory.stop();
      await notifier.close();
      await store.close();
      await tracing?.shutdown();
      tls.close();
    });
    return;
  }

  // Tracing outermost, so each span sees the call's final answer.
  const chain: Middleware[] = [...(tracing ? [tracing.serverMiddleware()] : []), metrics.serverMiddleware(), createServerErrorMiddleware(logger)];
  const server = new GrpcServer({
    // A forwarded request is the client's (at most 4 MiB) plus routing fields, and poll responses carry whole histories.
    maxReceiveMessageBytes: setting('grpc.internalMaxMessageSize'),
    maxSendMessageBytes: setting('grpc.internalMaxMessageSize'),
    middleware: composeMiddleware(chain),
    // Its callers are Kairos's frontends and instances, health probes and grpcurl: no browser-facing HTTP/2 quirks.
    ownHttp2: true,
  });
  const membership = new MembershipHeartbeat(
    store,
    notifier,
    service,
    instanceId,
    config.advertiseAddress ?? endpoint.address,
    DEFAULT_MEMBERSHIP_TIMING,
    logger,
  );
  let stop: () => Promise<void>;
  if (service === 'history') {
    const history = new HistoryService({
      store,
      notifier,
      matching: clients.matching,
      logger,
      numShards: config.numHistoryShards,
      namespaceLimits: config.namespaceLimits,
      instanceId,
      shardLeaseMs: setting('cluster.shardLease'),
      directory,
      history: () => clients.history,
      metrics,
    });
    server.add(withSharedResponseWriter(HistoryServiceDefinition), history.implementation);
    holdsShards = () => history.isServing();
    // Live while the process runs; ready (the named service) while it holds the shards assigned to it.
    server.add(HealthDefinition, createHealthHandler(['kairos.historyservice.v1.HistoryService'], () => serving, () => history.isServing()));
    await server.listen(address, tls.internodeServer);
    // A member only once it can be called; then shards are taken as the directory assigns them.
    await membership.start();
    await directory.refresh();
    await history.start();
    stop = () => history.stop();
  } else {
    const matching = new MatchingService({ store, notifier, history: clients.history, logger, metrics, instanceId, directory, hostAddress: membership.address });
    server.add(withSharedResponseWriter(MatchingServiceDefinition), matching.implementation);
    server.add(HealthDefinition, createHealthHandler(['kairos.matchingservice.v1.MatchingService'], () => serving));
    await server.listen(address, tls.internodeServer);
    await membership.start();
    stop = () => matching.stop();
  }
  logger.info(`${service} started`, { address, internodeTls: tls.internodeServer ? 'on' : 'off', advertised: membership.address });
  onShutdownSignal(logger, async () => {
    serving = false;
    // Leave first so the others take over this instance's shards and queues while it drains.
    await membership.stop();
    await stop();
    await server.shutdown();
    metricsServer?.close();
    directory.stop();
    await notifier.close();
    await store.close();
    await tracing?.shutdown();
    tls.close();
  });
}
