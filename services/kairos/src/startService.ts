import { randomUUID } from 'node:crypto';
import { createChannel, createClientFactory, createServer } from 'nice-grpc';
import { createClientErrorMiddleware, createServerErrorMiddleware } from '@kairos/common/dist/grpcErrors';
import { createLogger, type LogLevel } from '@kairos/common/dist/logger';
import type { HistoryClient, MatchingClient } from '@kairos/domain';
import { ensureNamespace } from '@kairos/frontend';
import { createHealthHandler } from '@kairos/frontend';
import { HistoryService } from '@kairos/history';
import { MatchingService } from '@kairos/matching';
import { connectNatsNotifier } from '@kairos/notify';
import { openSqliteStore } from '@kairos/persistence';
import { HealthDefinition } from '@kairos/proto/dist/generated/grpc/health/v1/health';
import { HistoryServiceDefinition } from '@kairos/proto/dist/generated/kairos/historyservice/v1/service';
import { MatchingServiceDefinition } from '@kairos/proto/dist/generated/kairos/matchingservice/v1/service';
import { createFrontendServer, GRPC_SERVER_OPTIONS } from './publicServer';
import { installDeadlineOnCallContext } from './grpcDeadline';
import { onShutdownSignal } from './shutdown';

export type ServiceName = 'frontend' | 'history' | 'matching';

export interface StartServiceOptions {
  service: ServiceName;
  ip: string;
  port: number;
  dbFilename: string;
  natsUrl: string;
  clusterName: string;
  historyAddress: string;
  matchingAddress: string;
  numShards: number;
  namespaces: string[];
  logLevel: LogLevel;
}

/** Runs one service of a cluster; it reaches the others over gRPC and NATS. */
export async function startService(options: StartServiceOptions): Promise<void> {
  installDeadlineOnCallContext();
  const logger = createLogger({ level: options.logLevel, fields: { service: options.service } });
  const { store, pragmas } = openSqliteStore({ filename: options.dbFilename, logger });
  logger.info('store opened', { store: 'sqlite', file: options.dbFilename, pragmas });
  const clients = createClientFactory().use(createClientErrorMiddleware());
  const historyClient = (): HistoryClient => clients.create(HistoryServiceDefinition, createChannel(options.historyAddress));
  const matchingClient = (): MatchingClient => clients.create(MatchingServiceDefinition, createChannel(options.matchingAddress));
  const address = `${options.ip}:${options.port}`;

  if (options.service === 'frontend') {
    for (const name of options.namespaces) await ensureNamespace(store, name);
    const frontend = createFrontendServer({ store, history: historyClient(), matching: matchingClient(), logger });
    await frontend.server.listen(address);
    logger.info('frontend started', { address });
    onShutdownSignal(logger, async () => {
      frontend.beginShutdown();
      await frontend.server.shutdown();
      await store.close();
    });
    return;
  }

  const notifier = await connectNatsNotifier({ url: options.natsUrl, clusterName: options.clusterName, logger });
  const server = createServer(GRPC_SERVER_OPTIONS).use(createServerErrorMiddleware(logger));
  let serving = true;
  let stop: () => Promise<void>;
  if (options.service === 'history') {
    const history = new HistoryService({
      store,
      notifier,
      matching: matchingClient(),
      logger,
      numShards: options.numShards,
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
  logger.info(`${options.service} started`, { address });
  onShutdownSignal(logger, async () => {
    serving = false;
    await stop();
    await server.shutdown();
    await notifier.close();
    await store.close();
  });
}
