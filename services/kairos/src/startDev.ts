import { randomUUID } from 'node:crypto';
import { createLogger } from '@kairos/common/logger';
import { setting } from '@kairos/common/settings';
import { inProcessClient, type HistoryClient, type MatchingClient } from '@kairos/cluster';
import { ensureNamespace } from '@kairos/frontend';
import { HistoryService } from '@kairos/history';
import { MatchingService } from '@kairos/matching';
import { InProcessNotifier } from '@kairos/notify';
import { HistoryServiceDefinition, type HistoryServiceImplementation } from '@kairos/proto/kairos/historyservice/v1/service';
import { MatchingServiceDefinition, type MatchingServiceImplementation } from '@kairos/proto/kairos/matchingservice/v1/service';
import type { KairosConfig } from './config/types';
import { openStore } from './openStore';
import { createFrontendServer } from './publicServer';
import { onShutdownSignal } from './shutdown';

/**
 * Everything in one process: frontend, history and matching on one SQLite store, talking through
 * in-process clients with the same typed interfaces a cluster uses over gRPC.
 */
export async function startDev(config: KairosConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel });
  const { store, description, settings } = await openStore(config.store, logger);
  const notifier = new InProcessNotifier({ logger });

  // History and matching call each other: bind each client to the other's implementation lazily.
  const impls: { history?: HistoryServiceImplementation; matching?: MatchingServiceImplementation } = {};
  const historyClient: HistoryClient = inProcessClient(HistoryServiceDefinition, lazy(() => impls.history!));
  const matchingClient: MatchingClient = inProcessClient(MatchingServiceDefinition, lazy(() => impls.matching!));

  const history = new HistoryService({
    store,
    notifier,
    matching: matchingClient,
    logger,
    numShards: config.numHistoryShards,
    namespaceLimits: config.namespaceLimits,
    instanceId: `dev-${randomUUID()}`,
    // The same lease as a cluster (one process takes every shard at start; only the renewal cadence follows from it).
    shardLeaseMs: setting('cluster.shardLease'),
    history: () => historyClient,
  });
  const matching = new MatchingService({ store, notifier, history: historyClient, logger });
  impls.history = history.implementation;
  impls.matching = matching.implementation;

  for (const name of config.namespaces) await ensureNamespace(store, name);
  await history.start();

  const frontend = createFrontendServer({
    store,
    history: historyClient,
    matching: matchingClient,
    logger,
    namespaceLimits: config.namespaceLimits,
    ready: () => history.isServing(),
  });
  const endpoint = config.services.frontend;
  const address = `${endpoint.bindIp}:${endpoint.port}`;
  await frontend.server.listen(address);
  logger.info('Kairos dev server started', { address, namespaces: config.namespaces });
  const shownSettings = Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  process.stdout.write(
    `Kairos dev server listening on ${address}\n` +
      `  namespaces: ${config.namespaces.join(', ')}\n` +
      `  store: ${description}\n` +
      `  settings: ${shownSettings}\n`,
  );

  onShutdownSignal(logger, async () => {
    frontend.beginShutdown();
    await matching.stop();
    await frontend.server.shutdown();
    await history.stop();
    await notifier.close();
    await store.close();
  });
}

/** An object whose methods are looked up on `target()` at call time. */
function lazy<T extends object>(target: () => T): T {
  return new Proxy({} as T, {
    get: (_obj, prop) => {
      const impl = target() as Record<string | symbol, unknown>;
      const value = impl[prop];
      return typeof value === 'function' ? value.bind(impl) : value;
    },
  });
}
