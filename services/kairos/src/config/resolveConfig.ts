import { isLogLevel, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '@kairos/common/logger';
import { readAuthorizationConfig } from './authorizationConfig';
import { ConfigError } from './configError';
import { ENDPOINT_KEYS, FILE_KEYS, FRONTEND_KEYS, STORE_KEYS } from './configFile';
import { resolveNatsSecurity } from './natsConfig';
import { postgresUrlWithTls } from './postgresTls';
import { resolveSqliteSynchronous } from './sqliteSynchronous';
import { resolveTlsConfig } from './tlsConfig';
import { readDynamicConfigFlags, readSearchAttributeFlags } from './temporalFlags';
import {
  DEFAULT_BIND_IP,
  DEFAULT_CLUSTER_NAME,
  DEFAULT_LOG_LEVEL,
  DEFAULT_NAMESPACE,
  DEFAULT_NATS_URL,
  DEFAULT_NUM_HISTORY_SHARDS,
  DEFAULT_PORTS,
  NAMESPACE_LIMIT_NAMES,
  SERVICE_NAMES,
  type KairosConfig,
  type NamespaceLimitName,
  type ServiceEndpoint,
  type ServiceName,
} from './types';

/** Every value of every flag given, by flag name (no dashes), in order of appearance. */
export type FlagValues = ReadonlyMap<string, readonly string[]>;

export interface ResolveConfigOptions {
  /** `dev` runs all services in one process (`start-dev`); `cluster` runs `service`. */
  mode: 'dev' | 'cluster';
  /** The service `--port`/`--ip` apply to (the frontend in dev mode). */
  service?: ServiceName;
  /** Parsed config file content and its name for messages. */
  file?: { name: string; content: unknown };
  flags?: FlagValues;
  /** SQLite file when neither file nor flags name a store (dev mode; else `:memory:`). */
  defaultDbFilename?: string;
  /** Whether logs go to a terminal: the log format's default is text there, json elsewhere. */
  logsToTerminal?: boolean;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

/** Validates and merges the sources; throws a ConfigError listing every problem. */
export function resolveConfig(options: ResolveConfigOptions): KairosConfig {
  const problems: string[] = [];
  const service: ServiceName = options.mode === 'dev' ? 'frontend' : (options.service ?? 'frontend');
  const fileName = options.file?.name ?? 'config file';
  const inFile = (path: string) => `config file ${fileName}: ${path}`;
  const flags: FlagValues = options.flags ?? new Map();
  // A repeated flag's last value wins (only --namespace may repeat; the parser refuses the others).
  const flagValue = (name: string) => flags.get(name)?.at(-1);

  // --- file
  let file: Json = {};
  if (options.file) {
    if (isObject(options.file.content)) file = options.file.content;
    else problems.push(`config file ${fileName}: must hold a JSON object`);
  }
  const unknownKeys = (obj: Json, allowed: string[], where: string) => {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) problems.push(`${inFile(where + key)} is not a known key (known: ${allowed.join(', ')})`);
    }
  };
  unknownKeys(file, FILE_KEYS.map(([key]) => key), '');

  // --- typed readers: each returns undefined (and records a problem) on a bad value
  const str = (value: unknown, where: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.length > 0) return value;
    problems.push(`${where} must be a non-empty string, got ${JSON.stringify(value)}`);
    return undefined;
  };
  const int = (value: unknown, where: string, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max) return n;
    problems.push(`${where} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return undefined;
  };

  // --- scalars
  const clusterName = str(flagValue('cluster-name'), '--cluster-name') ?? str(file.clusterName, inFile('clusterName')) ?? DEFAULT_CLUSTER_NAME;
  if (!CLUSTER_NAME.test(clusterName)) {
    problems.push(`cluster name ${JSON.stringify(clusterName)} must be 1-64 letters, digits, '-' or '_' (it becomes a NATS subject token)`);
  }

  const shardFlag = flagValue('num-shards') !== undefined ? '--num-shards' : '--num-history-shards';
  const numHistoryShards =
    int(flagValue('num-shards') ?? flagValue('num-history-shards'), shardFlag, 1, 65_536) ??
    int(file.numHistoryShards, inFile('numHistoryShards'), 1, 65_536) ??
    DEFAULT_NUM_HISTORY_SHARDS;

  const levelOf = (value: unknown, where: string): LogLevel | undefined => {
    if (value === undefined) return undefined;
    if (isLogLevel(value)) return value;
    problems.push(`${where} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
    return undefined;
  };
  const logLevel = levelOf(flagValue('log-level'), '--log-level') ?? levelOf(file.logLevel, inFile('logLevel')) ?? DEFAULT_LOG_LEVEL;

  const formatFlag = flagValue('log-format');
  let logFormat: LogFormat = options.logsToTerminal ? 'text' : 'json';
  if (formatFlag !== undefined) {
    if (LOG_FORMATS.includes(formatFlag)) logFormat = formatFlag === 'json' ? 'json' : 'text';
    else problems.push(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(formatFlag)}`);
  }
  const searchAttributes = readSearchAttributeFlags(flags.get('search-attribute') ?? [], problems);
  const settingOverrides = readDynamicConfigFlags(flags.get('dynamic-config-value') ?? [], problems);

  const natsUrl = str(flagValue('nats-url'), '--nats-url') ?? str(file.natsUrl, inFile('natsUrl')) ?? DEFAULT_NATS_URL;
  if (!/^(nats|tls|wss?):\/\/[^\s]+$/.test(natsUrl) && !/^[^\s/]+:\d+$/.test(natsUrl)) {
    problems.push(`NATS url ${JSON.stringify(natsUrl)} must look like nats://host:4222`);
  }
  const nats = resolveNatsSecurity(file.nats, natsUrl, inFile, problems);

  // --- namespaces: default first, then the file's, then each --namespace, without duplicates
  const namespaces: string[] = [DEFAULT_NAMESPACE];
  const addNamespace = (value: unknown, where: string) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > 255 || /\s/.test(value)) {
      problems.push(`${where} must be a namespace name (1-255 characters, no spaces), got ${JSON.stringify(value)}`);
      return;
    }
    if (!namespaces.includes(value)) namespaces.push(value);
  };
  if (file.namespaces !== undefined) {
    if (Array.isArray(file.namespaces)) file.namespaces.forEach((n, i) => addNamespace(n, inFile(`namespaces[${i}]`)));
    else problems.push(`${inFile('namespaces')} must be an array of names`);
  }
  for (const n of flags.get('namespace') ?? []) addNamespace(n, '--namespace');

  // --- store
  /** Where the store is; a SQLite one gets its synchronous level below. */
  type StoreLocation = { kind: 'sqlite'; filename: string } | { kind: 'postgres'; url: string };
  let store: StoreLocation | undefined;
  const fileStore = file.store;
  if (fileStore !== undefined) {
    if (!isObject(fileStore)) problems.push(`${inFile('store')} must be an object`);
    else {
      unknownKeys(fileStore, STORE_KEYS, 'store.');
      if (fileStore.tls !== undefined && fileStore.kind !== 'postgres') problems.push(`${inFile('store.tls')} is for a PostgreSQL store`);
      if (fileStore.kind === 'sqlite') {
        const filename = str(fileStore.filename, inFile('store.filename'));
        if (filename) store = { kind: 'sqlite', filename };
        else if (fileStore.filename === undefined) problems.push(`${inFile('store.filename')} is required for kind "sqlite"`);
      } else if (fileStore.kind === 'postgres') {
        const url = str(fileStore.url, inFile('store.url'));
        // Temporal's persistence `tls`, as URL parameters pg understands.
        if (url) store = { kind: 'postgres', url: fileStore.tls === undefined ? url : postgresUrlWithTls(url, fileStore.tls, inFile, problems) };
        else if (fileStore.url === undefined) problems.push(`${inFile('store.url')} is required for kind "postgres"`);
      } else {
        problems.push(`${inFile('store.kind')} must be "sqlite" or "postgres", got ${JSON.stringify(fileStore.kind)}`);
      }
    }
  }
  const storeFlags = ['db-filename', 'in-memory', 'postgres-url'].filter((f) => f === 'in-memory' ? flagValue(f) === 'true' : flagValue(f) !== undefined);
  if (storeFlags.length > 1) problems.push(`give only one of ${storeFlags.map((f) => `--${f}`).join(', ')}`);
  else if (flagValue('in-memory') === 'true') store = { kind: 'sqlite', filename: ':memory:' };
  else if (flagValue('db-filename') !== undefined) {
    const filename = str(flagValue('db-filename'), '--db-filename');
    if (filename) store = { kind: 'sqlite', filename };
  } else if (flagValue('postgres-url') !== undefined) {
    const url = str(flagValue('postgres-url'), '--postgres-url');
    if (url) store = { kind: 'postgres', url };
  }
  if (!store) {
    if (options.mode === 'dev') store = { kind: 'sqlite', filename: options.defaultDbFilename ?? ':memory:' };
    else if (storeFlags.length === 0 && fileStore === undefined) {
      problems.push('a cluster service needs a store: --db-filename FILE, --postgres-url URL, or "store" in the config file');
    }
  }
  if (options.mode === 'cluster' && store?.kind === 'sqlite' && store.filename === ':memory:') {
    problems.push('a cluster service cannot use an in-memory store: its processes would not share it');
  }
  const synchronous = resolveSqliteSynchronous(
    {
      mode: options.mode,
      flag: flagValue('sqlite-synchronous'),
      pragmas: flags.get('sqlite-pragma') ?? [],
      file: { value: file.sqliteSynchronous, where: inFile('sqliteSynchronous') },
    },
    problems,
  );
  if (synchronous.givenBy !== undefined && store?.kind === 'postgres') {
    problems.push(`${synchronous.givenBy} is for a SQLite store; this one is PostgreSQL`);
  } else if (synchronous.givenBy !== undefined && store?.kind === 'sqlite' && store.filename === ':memory:') {
    problems.push(`${synchronous.givenBy} has no effect on an in-memory store: nothing of it is written to disk`);
  }

  // --- service endpoints
  const fileServices = file.services;
  if (fileServices !== undefined && !isObject(fileServices)) problems.push(`${inFile('services')} must be an object`);
  if (isObject(fileServices)) unknownKeys(fileServices, [...SERVICE_NAMES], 'services.');
  const services = {} as Record<ServiceName, ServiceEndpoint>;
  for (const name of SERVICE_NAMES) {
    let entry: Json = {};
    const raw = isObject(fileServices) ? fileServices[name] : undefined;
    if (raw !== undefined) {
      if (isObject(raw)) {
        entry = raw;
        unknownKeys(raw, name === 'frontend' ? FRONTEND_KEYS : ENDPOINT_KEYS, `services.${name}.`);
      } else problems.push(`${inFile(`services.${name}`)} must be an object`);
    }
    const own = name === service;
    const bindIp = (own ? str(flagValue('ip'), '--ip') : undefined) ?? str(entry.bindIp, inFile(`services.${name}.bindIp`)) ?? DEFAULT_BIND_IP;
    const port =
      (own ? int(flagValue('port'), '--port', 1, 65_535) : undefined) ??
      int(entry.port, inFile(`services.${name}.port`), 1, 65_535) ??
      DEFAULT_PORTS[name];
    const explicitAddress = str(flagValue(`${name}-address`), `--${name}-address`) ?? str(entry.address, inFile(`services.${name}.address`));
    const dialHost = bindIp === '0.0.0.0' || bindIp === '::' ? '127.0.0.1' : bindIp.includes(':') ? `[${bindIp}]` : bindIp;
    const address = explicitAddress ?? `${dialHost}:${port}`;
    if (explicitAddress !== undefined) {
      const m = HOST_PORT.exec(explicitAddress);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65_535) problems.push(`${name} address ${JSON.stringify(explicitAddress)} must be HOST:PORT`);
    }
    services[name] = { bindIp, port, address };
  }

  // --- per-namespace limits (file only): { "<namespace>": { "<limit>": positive integer } }
  const namespaceLimits: KairosConfig['namespaceLimits'] = {};
  if (file.namespaceLimits !== undefined) {
    if (!isObject(file.namespaceLimits)) problems.push(`${inFile('namespaceLimits')} must be an object keyed by namespace`);
    else {
      for (const [ns, limits] of Object.entries(file.namespaceLimits)) {
        if (!isObject(limits)) {
          problems.push(`${inFile(`namespaceLimits.${ns}`)} must be an object`);
          continue;
        }
        unknownKeys(limits, [...NAMESPACE_LIMIT_NAMES], `namespaceLimits.${ns}.`);
        const entry: Partial<Record<NamespaceLimitName, number>> = {};
        for (const name of NAMESPACE_LIMIT_NAMES) {
          const value = int(limits[name], inFile(`namespaceLimits.${ns}.${name}`), 1, Number.MAX_SAFE_INTEGER);
          if (value !== undefined) entry[name] = value;
        }
        namespaceLimits[ns] = entry;
        if (!namespaces.includes(ns)) namespaces.push(ns);
      }
    }
  }

  const advertiseAddress = str(flagValue('advertise-address'), '--advertise-address');
  if (advertiseAddress !== undefined) {
    const m = HOST_PORT.exec(advertiseAddress);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65_535) problems.push(`--advertise-address ${JSON.stringify(advertiseAddress)} must be HOST:PORT`);
  }
  /** start-dev's Web UI, as `temporal server start-dev`'s: on the gRPC port + 1000 unless --headless. */
  function webUi(frontend: { bindIp: string; port: number }): { ip: string; port: number } | undefined {
    const uiPort = int(flagValue('ui-port'), '--ui-port', 1, 65_535);
    const uiIp = str(flagValue('ui-ip'), '--ui-ip');
    if (flagValue('headless') === 'true') {
      if (uiPort !== undefined || uiIp !== undefined) problems.push('--ui-port and --ui-ip have no effect with --headless');
      return undefined;
    }
    const port = uiPort ?? frontend.port + 1000;
    if (port > 65_535) problems.push(`the Web UI's default port (--port + 1000) is ${port}: give --ui-port, or --headless`);
    return { ip: uiIp ?? frontend.bindIp, port };
  }
  const metricsPort = int(flagValue('metrics-port'), '--metrics-port', 1, 65_535);
  const httpPort = resolveHttpPort();
  /**
   * Temporal's HTTP API, a frontend setting: start-dev always serves it (a free port unless
   * --http-port names one, as `temporal server start-dev`); a cluster frontend when given.
   */
  function resolveHttpPort(): number | undefined {
    const flag = flagValue('http-port');
    if (flag !== undefined && service !== 'frontend') {
      problems.push(`--http-port is for the frontend (Temporal's HTTP API), not the ${service}`);
      return undefined;
    }
    const frontendEntry = isObject(fileServices) && isObject(fileServices.frontend) ? fileServices.frontend : {};
    const min = options.mode === 'dev' ? 0 : 1;
    const given = int(flag, '--http-port', min, 65_535) ?? int(frontendEntry.httpPort, inFile('services.frontend.httpPort'), min, 65_535);
    return given ?? (options.mode === 'dev' ? 0 : undefined);
  }
  const ui = options.mode === 'dev' ? webUi(services.frontend) : undefined;
  const authorization = readAuthorizationConfig(file.authorization, inFile, problems);

  const tls = resolveTlsConfig(file.tls, flagValue, inFile, problems);
  // Settings that would change nothing are refused rather than ignored.
  if (options.mode === 'dev' && tls?.internode) {
    problems.push(`${inFile('tls.internode')} is for a cluster's services talking to each other; start-dev runs them in one process (remove it)`);
  }
  if (authorization?.tlsSubjectPermissions && !tls?.frontend?.server?.requireClientAuth && service === 'frontend') {
    problems.push(
      `${inFile('authorization.tlsSubjectPermissions')} maps verified client certificates: it needs the frontend to require them (tls.frontend.server.requireClientAuth, or start-dev's --tls-client-ca-path)`,
    );
  }
  // start-dev serves plaintext only where nobody else can connect, unless told otherwise.
  const insecure = flagValue('insecure') === 'true';
  if (options.mode === 'dev' && !tls?.frontend && !insecure && !isLoopback(services.frontend.bindIp)) {
    problems.push(
      `${services.frontend.bindIp} is not a loopback address: start-dev serves it only with TLS (--tls-cert-path FILE --tls-key-path FILE), or in plaintext with --insecure`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    clusterName,
    numHistoryShards,
    logLevel,
    logFormat,
    namespaces,
    store: store!.kind === 'sqlite' ? { ...store!, synchronous: synchronous.level } : store!,
    natsUrl,
    ...(nats !== undefined && { nats }),
    services,
    namespaceLimits,
    ...(advertiseAddress !== undefined && { advertiseAddress }),
    ...(metricsPort !== undefined && { metricsPort }),
    ...(service === 'frontend' && httpPort !== undefined && { httpPort }),
    ...(ui !== undefined && { ui }),
    ...(authorization !== undefined && { authorization }),
    ...(tls !== undefined && { tls }),
    searchAttributes,
    settingOverrides,
  };
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
function isLoopback(ip: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip) || ip === '::1' || ip === 'localhost' || /^::ffff:127\./i.test(ip);
}
