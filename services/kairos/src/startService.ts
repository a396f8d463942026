import { randomUUID } from 'node:crypto';
import { createChannel, createClientFactory, createServer } from 'nice-grpc';
import { createClientErrorMiddleware, createServerErrorMiddleware } from '@kairos/common/dist/grpcErrors';
import type { KairosConfig, ServiceName } from '@kairos/common/dist/config';
import { withCallDeadline } from '@kairos/common/dist/callDeadline';
import { createLogger } from '@kairos/common/dist/logger';
import type { HistoryClient, MatchingClient } from '@kairos/domain';
import { ensureNamespace } from '@kairos/frontend';
import { createHealthHandler } from '@kairos/frontend';
import { HistoryService } from '@kairos/history';
import { MatchingService } from '@kairos/matching';
import { connectNatsNotifier } from '@kairos/notify';
import { HealthDefinition } from '@kairos/proto/dist/generated/grpc/health/v1/health';
import { HistoryServiceDefinition } from '@kairos/proto/dist/generated/kairos/historyservice/v1/service';
import { MatchingServiceDefinition } from '@kairos/proto/dist/generated/kairos/matchingservice/v1/service';
import { createFrontendServer, GRPC_SERVER_OPTIONS } from './publicServer';
import { openStore } from './openStore';
import { onShutdownSignal } from './shutdown';

/** Runs one service of a cluster; it reaches the others over gRPC and NATS. */
export async function startService(service: ServiceName, config: KairosConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, fields: { service } });
  const { store } = await openStore(config.store, logger);
  const clients = createClientFactory().use(createClientErrorMiddleware());
  const historyClient = (): HistoryClient => clients.create(HistoryServiceDefinition, createChannel(config.services.history.address));
  const matchingClient = (): MatchingClient => clients.create(MatchingServiceDefinition, createChannel(config.services.matching.address));
  const endpoint = config.services[service];
  const address = `${endpoint.bindIp}:${endpoint.port}`;

  if (service === 'frontend') {
    for (const name of config.namespaces) await ensureNamespace(store, name);
    const frontend = createFrontendServer({ store, history: historyClient(), matching: matchingClient(), logger, namespaceLimits: config.namespaceLimits });
    await frontend.server.listen(address);
    logger.info('frontend started', { address });
    onShutdownSignal(logger, async () => {
      frontend.beginShutdown();
      await frontend.server.shutdown();
      await store.close();
    });
    return;
  }

  const notifier = await connectNatsNotifier({ url: config.natsUrl, clusterName: config.clusterName, logger });
  const server = createServer(withCallDeadline(GRPC_SERVER_OPTIONS)).use(createServerErrorMiddleware(logger));
  let serving = true;
  let stop: () => Promise<void>;
  if (service === 'history') {
    const history = new HistoryService({
      store,
      notifier,
      matching: matchingClient(),
      logger,
      numShards: config.numHistoryShards,
      namespaceLimits: config.namespaceLimits,
      instanceId: `history-${randomUUID()}`,
    });
    server.add(HistoryServiceDefinition, history.implementation);
    server.add(HealthDefinition, createHealthHandler(['kairos.historyservice.v1.HistoryService'], () => serving));
    await history.start();
    stop = () => history.stop();
  } else {
    const matching = new MatchingService({ store, notifier, history: historyClient(), logger });
    server.add(MatchingServiceDefinition, matching.implementation);
    server.add(HealthDefinition, createHealthHandler(['kairos.matchingservice.v1.MatchingService'], () => serving));
    stop = () => matching.stop();
  }
  await server.listen(address);
  logger.info(`${service} started`, { address });
  onShutdownSignal(logger, async () => {
    serving = false;
    await stop();
    await server.shutdown();
    await notifier.close();
    await store.close();
  });
}
