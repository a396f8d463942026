import { randomUUID } from 'node:crypto';
import { ApiError } from '@kairos/common/errors';
import { createLogger, type Logger } from '@kairos/common/logger';
import { Metrics, serveMetrics } from '@kairos/common/metrics';
import { setting } from '@kairos/common/settings';
import { inProcessClient, type HistoryClient, type MatchingClient } from '@kairos/cluster';
import { indexedValueTypeOf, NamespaceRegistry } from '@kairos/domain';
import { addSearchAttributes, apiKeyClaims, ensureNamespace, startFrontendAuthorization } from '@kairos/frontend';
import { HistoryService } from '@kairos/history';
import { MatchingService } from '@kairos/matching';
import { InProcessNotifier } from '@kairos/notify/in-process';
import { HistoryServiceDefinition, type HistoryServiceImplementation } from '@kairos/proto/kairos/historyservice/v1/service';
import { MatchingServiceDefinition, type MatchingServiceImplementation } from '@kairos/proto/kairos/matchingservice/v1/service';
import { ConfigError } from './config/configError';
import type { KairosConfig } from './config/types';
import type { Store } from '@kairos/persistence/store';
import { openStore } from './openStore';
import { authorizationMetrics } from './authorizationMetrics';
import { clusterFacts, createFrontendServer } from './publicServer';
import { onShutdownSignal } from './shutdown';
import { loadProcessTls } from './tls';
import { startTracingIfConfigured } from './tracingSwitch';
import { findUiServer, startWebUi, type WebUi } from './webUi';

/**
 * Everything in one process: frontend, history and matching on one SQLite store, talking through
 * in-process clients with the same typed interfaces a cluster uses over gRPC.
 */
export async function startDev(config: KairosConfig): Promise<void> {
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // Before anything opens: a certificate file that cannot be used stops the start.
  const tls = loadProcessTls(config.tls, { frontend: true }, logger);
  const opened = await openStore(config.store, logger);
  const { description, settings } = opened;
  // One registry per service, as a cluster has, so every series names its service_name; each
  // service counts its own store calls (persistence_requests, persistence_latency). Only kept
  // when --metrics-port serves them: otherwise nobody could read what every call would count.
  const metrics = config.metricsPort !== undefined ? { frontend: new Metrics('frontend'), history: new Metrics('history'), matching: new Metrics('matching') } : undefined;
  const store = opened.store;
  // Series name namespaces by name, as Temporal's do; internal calls and queues carry the id.
  for (const m of Object.values(metrics ?? {})) m.resolveNamespaceNamesWith(async (id) => (await store.getNamespaceById(id))?.info?.name);
  const instrumented = (service: keyof NonNullable<typeof metrics>) => metrics?.[service].instrument(store) ?? store;
  const notifier = new InProcessNotifier({ logger });
  const tracing = await startTracingIfConfigured('kairos', logger);
  const aroundCall = tracing && (<T>(path: string, call: () => Promise<T>) => tracing.aroundInProcessCall(path, call));

  // History and matching call each other: bind each client to the other's implementation lazily.
  const impls: { history?: HistoryServiceImplementation; matching?: MatchingServiceImplementation } = {};
  const historyClient: HistoryClient = inProcessClient(HistoryServiceDefinition, lazy(() => impls.history!), aroundCall);
  const matchingClient: MatchingClient = inProcessClient(MatchingServiceDefinition, lazy(() => impls.matching!), aroundCall);

  const history = new HistoryService({
    store: instrumented('history'),
    notifier,
    matching: matchingClient,
    logger,
    numShards: config.numHistoryShards,
    namespaceLimits: config.namespaceLimits,
    instanceId: `dev-${randomUUID()}`,
    // The same lease as a cluster (one process takes every shard at start; only the renewal cadence follows from it).
    shardLeaseMs: setting('cluster.shardLease'),
    history: () => historyClient,
    metrics: metrics?.history,
  });
  const endpoint = config.services.frontend;
  const address = `${endpoint.bindIp}:${endpoint.port}`;
  // One process serves every queue: its address is the owner ListTaskQueuePartitions names.
  const matching = new MatchingService({ store: instrumented('matching'), notifier, history: historyClient, logger, metrics: metrics?.matching, hostAddress: address });
  impls.history = history.implementation;
  impls.matching = matching.implementation;

  for (const name of config.namespaces) await ensureNamespace(store, name);
  await registerSearchAttributes(store, config);
  await history.start();

  // ListClusters names the HTTP address once it is known (a free port by default).
  const cluster = clusterFacts(config);
  // API keys are read from the store on every call: a key revoked by `kairos api-key revoke` stops at once.
  const authorization = config.authorization ? await startFrontendAuthorization(config.authorization, { logger, apiKeyClaims: apiKeyClaims(store), ...(metrics && { onDecision: authorizationMetrics(metrics.frontend, store) }) }) : undefined;
  const frontend = createFrontendServer({
    store: instrumented('frontend'),
    history: historyClient,
    matching: matchingClient,
    logger,
    namespaceLimits: config.namespaceLimits,
    metrics: metrics?.frontend,
    cluster,
    ready: () => history.isServing(),
    tracing,
    authorization,
    tls: tls.frontend,
  });
  let serving = true;
  // On the frontend's IP, as Temporal's dev server serves its metrics.
  const metricsServer =
    metrics && config.metricsPort !== undefined ? await serveMetrics(Object.values(metrics), config.metricsPort, () => serving && history.isServing(), endpoint.bindIp) : undefined;
  await frontend.listen(address);
  // Temporal's HTTP API on the frontend's IP, as the dev server serves it (a free port by default).
  const httpAddress = config.httpPort !== undefined ? `${urlHost(endpoint.bindIp)}:${await frontend.httpApi.listen(endpoint.bindIp, config.httpPort)}` : undefined;
  cluster.httpAddress = httpAddress;
  const metricsUrl = config.metricsPort !== undefined ? `http://${urlHost(endpoint.bindIp)}:${config.metricsPort}/metrics` : undefined;
  // The Web UI server would dial the frontend in plaintext; it is not given the TLS settings yet.
  const { webUi, noUiBecause } = !config.ui
    ? {}
    : tls.frontend
      ? { noUiBecause: 'the Web UI is not run beside a TLS frontend' }
      : await startWebUiOrSayWhy(config.ui, address, config.namespaces[0] ?? 'default', logger);
  logger.info('Kairos dev server started', {
    address,
    namespaces: config.namespaces,
    metrics: metricsUrl,
    ui: webUi?.url,
    http: httpAddress,
    ...(tls.frontend && { tls: tls.frontend.requireClientAuth ? 'mTLS' : 'TLS' }),
  });
  process.stdout.write(
    banner({
      address,
      tls: tls.frontend ? (tls.frontend.requireClientAuth ? 'mTLS (client certificates required)' : 'TLS') : undefined,
      store: description,
      httpAddress,
      metricsUrl,
      ui: webUi ? webUi.url : noUiBecause ? `none: ${noUiBecause}` : undefined,
      namespaces: config.namespaces,
      searchAttributes: Object.entries(config.searchAttributes).map(([name, type]) => `${name} (${type})`),
      dynamicConfig: [...config.settingOverrides].map(([name, value]) => `${name}=${value}`),
      settings: Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`),
    }),
  );

  onShutdownSignal(logger, async () => {
    serving = false;
    frontend.beginShutdown();
    await matching.stop();
    await frontend.server.shutdown();
    await frontend.httpApi.close();
    authorization?.stop();
    metricsServer?.close();
    await webUi?.stop();
    await history.stop();
    await notifier.close();
    await store.close();
    await tracing?.shutdown();
    tls.close();
  });
}

/**
 * --search-attribute: registered in every namespace created at start, with AddSearchAttributes's
 * rules and words; a refusal stops the start (as Temporal's CLI stops on a registration failure).
 */
async function registerSearchAttributes(store: Store, config: KairosConfig): Promise<void> {
  const attributes = Object.fromEntries(Object.entries(config.searchAttributes).map(([name, type]) => [name, indexedValueTypeOf(type)]));
  if (Object.keys(attributes).length === 0) return;
  const namespaces = new NamespaceRegistry(store);
  for (const namespace of config.namespaces) {
    try {
      await addSearchAttributes(store, namespaces, namespace, attributes);
    } catch (err) {
      if (err instanceof ApiError) throw new ConfigError([`failed registering search attributes in namespace ${namespace}: ${err.message}`]);
      throw err;
    }
  }
}

/**
 * The official Temporal Web UI beside the dev server (`scripts/setup-ui.sh` installs it). When it
 * is not installed or does not start, the server runs without it and says why.
 */
async function startWebUiOrSayWhy(
  ui: { ip: string; port: number },
  frontendAddress: string,
  defaultNamespace: string,
  logger: Logger,
): Promise<{ webUi?: WebUi; noUiBecause?: string }> {
  const found = findUiServer();
  let noUiBecause: string;
  if ('missing' in found) {
    noUiBecause = found.missing;
  } else {
    try {
      return { webUi: await startWebUi(found.path, { frontendAddress, ip: ui.ip, port: ui.port, defaultNamespace, logger }) };
    } catch (err) {
      noUiBecause = (err as Error).message;
    }
  }
  logger.warn('running without the Web UI', { reason: noUiBecause });
  return { noUiBecause };
}

/** The start-up lines, laid out as `temporal server start-dev` lays out its own. */
function banner(shown: { address: string; tls?: string; store: string; httpAddress?: string; metricsUrl?: string; ui?: string; namespaces: string[]; searchAttributes: string[]; dynamicConfig: string[]; settings: string[] }): string {
  const rows: Array<[string, string | undefined]> = [
    ['Kairos Server:', shown.address],
    ['Kairos TLS:', shown.tls],
    ['Kairos Persistence:', shown.store],
    ['Kairos HTTP:', shown.httpAddress],
    ['Temporal Web UI:', shown.ui],
    ['Kairos Metrics:', shown.metricsUrl],
    ['Namespaces:', shown.namespaces.join(', ')],
    ['Search attributes:', shown.searchAttributes.length > 0 ? shown.searchAttributes.join(', ') : undefined],
    ['Settings changed:', shown.dynamicConfig.length > 0 ? shown.dynamicConfig.join(' ') : undefined],
    ['Store settings:', shown.settings.join(' ')],
  ];
  const lines = rows.filter(([, value]) => value !== undefined).map(([label, value]) => `${label.padEnd(21)}${value}`);
  return `Kairos dev server listening on ${shown.address}\n\n${lines.join('\n')}\n`;
}

/** An IP as the host of a URL (IPv6 in brackets). */
function urlHost(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** An object whose methods are looked up on `target()` when first called (then kept, bound). */
function lazy<T extends object>(target: () => T): T {
  const resolved = new Map<string | symbol, unknown>();
  return new Proxy({} as T, {
    get: (_obj, prop) => {
      let member = resolved.get(prop);
      if (member === undefined) {
        const impl = target() as Record<string | symbol, unknown>;
        const value = impl[prop];
        member = typeof value === 'function' ? value.bind(impl) : value;
        if (member !== undefined) resolved.set(prop, member);
      }
      return member;
    },
  });
}
