import { randomUUID } from 'node:crypto';
import { createLogger, type LogLevel } from '@kairos/common/dist/logger';
import { inProcessClient, type HistoryClient, type MatchingClient } from '@kairos/domain';
import { ensureNamespace } from '@kairos/frontend';
import { HistoryService } from '@kairos/history';
import { MatchingService } from '@kairos/matching';
import { InProcessNotifier } from '@kairos/notify';
import { openSqliteStore } from '@kairos/persistence';
import { HistoryServiceDefinition, type HistoryServiceImplementation } from '@kairos/proto/dist/generated/kairos/historyservice/v1/service';
import { MatchingServiceDefinition, type MatchingServiceImplementation } from '@kairos/proto/dist/generated/kairos/matchingservice/v1/service';
import { createFrontendServer } from './publicServer';
import { onShutdownSignal } from './shutdown';

export interface StartDevOptions {
  ip: string;
  port: number;
  /** A file path, or ':memory:' for a throw-away store. */
  dbFilename: string;
  namespaces: string[];
  logLevel: LogLevel;
  numShards: number;
}

/**
 * Everything in one process: frontend, history and matching on one SQLite store, talking through
 * in-process clients with the same typed interfaces a cluster uses over gRPC.
 */
export async function startDev(options: StartDevOptions): Promise<void> {
  const logger = createLogger({ level: options.logLevel });
  const { store, pragmas } = openSqliteStore({ filename: options.dbFilename, logger });
  logger.info('store opened', { store: 'sqlite', file: options.dbFilename, pragmas });
  const notifier = new InProcessNotifier();

  // History and matching call each other: bind each client to the other's implementation lazily.
  let historyImpl: HistoryServiceImplementation | undefined;
  let matchingImpl: MatchingServiceImplementation | undefined;
  const historyClient: HistoryClient = inProcessClient(HistoryServiceDefinition, lazy(() => historyImpl!));
  const matchingClient: MatchingClient = inProcessClient(MatchingServiceDefinition, lazy(() => matchingImpl!));

  const history = new HistoryService({
    store,
    notifier,
    matching: matchingClient,
    logger,
    numShards: options.numShards,
    instanceId: `dev-${randomUUID()}`,
  });
  const matching = new MatchingService({ store, notifier, history: historyClient, logger });
  historyImpl = history.implementation;
  matchingImpl = matching.implementation;

  for (const name of options.namespaces) await ensureNamespace(store, name);
  await history.start();

  const frontend = createFrontendServer({ store, history: historyClient, matching: matchingClient, logger });
  const address = `${options.ip}:${options.port}`;
  await frontend.server.listen(address);
  logger.info('Kairos dev server started', { address, namespaces: options.namespaces });
  const where = options.dbFilename === ':memory:' ? 'in memory (lost on exit)' : options.dbFilename;
  const shownPragmas = Object.entries(pragmas).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  process.stdout.write(
    `Kairos dev server listening on ${address}\n` +
      `  namespaces: ${options.namespaces.join(', ')}\n` +
      `  store: SQLite ${where}\n` +
      `  pragmas: ${shownPragmas}\n`,
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
