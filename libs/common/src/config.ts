import { readFileSync } from 'node:fs';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './logger';
import { setting } from './settings';

export type ServiceName = 'frontend' | 'history' | 'matching';
export const SERVICE_NAMES: readonly ServiceName[] = ['frontend', 'history', 'matching'];

export interface ServiceEndpoint {
  /** IP the service listens on. */
  bindIp: string;
  port: number;
  /** `host:port` the other services dial to reach it. */
  address: string;
}

export type StoreConfig =
  /** `filename` may be `:memory:` for a throw-away store. */
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; url: string };

/** Everything the `kairos` command needs to run the embedded server or one cluster service. */
export interface KairosConfig {
  /** Namespaces NATS subjects (`kairos.<clusterName>.…`) so clusters can share a NATS. */
  clusterName: string;
  /** Fixed when the cluster is created. */
  numHistoryShards: number;
  logLevel: LogLevel;
  /** Created at start if missing; always contains `default`. */
  namespaces: string[];
  store: StoreConfig;
  /** NATS for notifications between processes (unused by the embedded server). */
  natsUrl: string;
  services: Record<ServiceName, ServiceEndpoint>;
  /** Per-namespace overrides of Temporal's limits, applied when the namespace is ensured at start. */
  namespaceLimits: Record<string, Partial<Record<NamespaceLimitName, number>>>;
  /**
   * `host:port` at which the other instances reach this one (its row in the membership table);
   * the service's own `address` when absent. Set per pod in Kubernetes ($KAIROS_ADVERTISE_ADDRESS).
   */
  advertiseAddress?: string;
  /** Port of the Prometheus `/metrics` endpoint; none when absent. */
  metricsPort?: number;
}

/** The limits a namespace can override (Temporal's dynamic-config defaults otherwise). */
export const NAMESPACE_LIMIT_NAMES = [
  'blobSizeLimitError',
  'blobSizeLimitWarn',
  'historyCountLimitError',
  'historyCountLimitWarn',
  'historyCountSuggestContinueAsNew',
  'historySizeLimitError',
  'historySizeLimitWarn',
  'historySizeSuggestContinueAsNew',
  'pendingActivitiesLimit',
  'namespaceRps',
  'namespaceConcurrentLongPolls',
] as const;
export type NamespaceLimitName = (typeof NAMESPACE_LIMIT_NAMES)[number];

export type KairosCommand =
  | { kind: 'help' }
  | { kind: 'start-dev'; config: KairosConfig; configFile?: string }
  | { kind: 'start'; service: ServiceName; config: KairosConfig; configFile?: string }
  /** `kairos schema setup|update --store URL`: create or migrate a PostgreSQL store's schema. */
  | { kind: 'schema'; action: 'setup' | 'update'; storeUrl: string };

/** Environment variable read for --advertise-address when the flag is absent. */
export const ADVERTISE_ADDRESS_ENV = 'KAIROS_ADVERTISE_ADDRESS';

/** Environment variable read for the PostgreSQL URL when no flag or config file names a store (keeps passwords off command lines). */
export const POSTGRES_URL_ENV = 'KAIROS_POSTGRES_URL';

export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = { frontend: 7233, history: 7234, matching: 7235 };
export const DEFAULT_NUM_HISTORY_SHARDS = setting('cluster.numHistoryShards');
export const DEFAULT_CLUSTER_NAME = 'kairos';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_BIND_IP = '127.0.0.1';
export const DEFAULT_NAMESPACE = 'default';

export const USAGE = `Usage:
  kairos server start-dev [--config FILE] [--port 7233] [--ip 127.0.0.1]
                          [--db-filename FILE | --in-memory] [--namespace NAME ...]
                          [--log-level debug|info|warn|error] [--num-shards N]
  kairos server start --service frontend|history|matching [--config FILE] [--port P] [--ip IP]
                      [--db-filename FILE | --postgres-url URL] [--nats-url nats://127.0.0.1:4222]
                      [--cluster-name NAME] [--frontend-address HOST:PORT]
                      [--history-address HOST:PORT] [--matching-address HOST:PORT]
                      [--namespace NAME ...] [--log-level LEVEL] [--num-shards N]
                      [--advertise-address HOST:PORT] [--metrics-port PORT]
  kairos schema setup|update --store postgres://USER:PASSWORD@HOST:5432/DB
      setup creates the PostgreSQL schema in an empty database; update migrates it from any
      older version to the newest, safe while the cluster serves. Both do nothing when the
      schema is already current. $KAIROS_POSTGRES_URL is used when --store is absent, and by
      "server start" when no store is named.

Flags override the JSON config file given with --config. Its keys, all optional:
  { "clusterName": "kairos", "numHistoryShards": 4, "logLevel": "info",
    "namespaces": ["default"], "natsUrl": "nats://127.0.0.1:4222",
    "store": { "kind": "sqlite", "filename": "kairos.db" } | { "kind": "postgres", "url": "postgres://…" },
    "services": { "frontend": { "bindIp": "127.0.0.1", "port": 7233, "address": "host:7233" },
                  "history": { … }, "matching": { … } } }`;

/** Invalid command line or config file; `problems` lists every issue found, one per entry. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

// ---------------------------------------------------------------------------------------------
// Flags

export interface ParsedFlags {
  positional: string[];
  /** Every value of every flag, in order (repeatable flags such as --namespace keep them all). */
  flags: Map<string, string[]>;
}

interface FlagSpec {
  boolean?: boolean;
  repeatable?: boolean;
}

const FLAGS: Record<string, FlagSpec> = {
  help: { boolean: true },
  config: {},
  service: {},
  port: {},
  ip: {},
  'db-filename': {},
  'in-memory': { boolean: true },
  'postgres-url': {},
  'nats-url': {},
  'cluster-name': {},
  'frontend-address': {},
  'history-address': {},
  'matching-address': {},
  namespace: { repeatable: true },
  'log-level': {},
  'num-shards': {},
  'num-history-shards': {},
  store: {},
  'advertise-address': {},
  'metrics-port': {},
};

/** `--name value`, `--name=value`, bare `--flag` for booleans; unknown flags are errors. */
export function parseFlags(argv: readonly string[]): ParsedFlags {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      if (arg !== '--') positional.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = FLAGS[name];
    if (!spec) {
      problems.push(`unknown flag --${name}`);
      continue;
    }
    if (value === undefined) {
      if (spec.boolean) value = 'true';
      else {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) {
          problems.push(`flag --${name} needs a value`);
          continue;
        }
        value = next;
        i++;
      }
    } else if (spec.boolean && value !== 'true' && value !== 'false') {
      problems.push(`flag --${name} takes true or false, got ${JSON.stringify(value)}`);
      continue;
    }
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  for (const [name, values] of flags) {
    if (values.length > 1 && !FLAGS[name]!.repeatable) problems.push(`flag --${name} given ${values.length} times`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { positional, flags };
}

function flag(parsed: ParsedFlags, name: string): string | undefined {
  const values = parsed.flags.get(name);
  return values?.[values.length - 1];
}

// ---------------------------------------------------------------------------------------------
// Config file

const FILE_KEYS = ['clusterName', 'numHistoryShards', 'logLevel', 'namespaces', 'store', 'natsUrl', 'services', 'namespaceLimits'];
const STORE_KEYS = ['kind', 'filename', 'url'];
const ENDPOINT_KEYS = ['bindIp', 'port', 'address'];

/** Reads a JSON config file; a missing or malformed file is a ConfigError naming it. */
export function readConfigFile(path: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): unknown {
  if (/\.ya?ml$/i.test(path)) throw new ConfigError([`config file ${path}: YAML is not supported, write the config as JSON`]);
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError([`cannot read config file ${path}: ${(err as Error).message}`]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError([`config file ${path} is not valid JSON: ${(err as Error).message}`]);
  }
}

// ---------------------------------------------------------------------------------------------
// Resolution: defaults < config file < flags

export interface ResolveConfigOptions {
  /** `dev` runs all services in one process (`start-dev`); `cluster` runs `service`. */
  mode: 'dev' | 'cluster';
  /** The service `--port`/`--ip` apply to (the frontend in dev mode). */
  service?: ServiceName;
  /** Parsed config file content and its name for messages. */
  file?: { name: string; content: unknown };
  flags?: ParsedFlags;
  /** SQLite file when neither file nor flags name a store (dev mode; else `:memory:`). */
  defaultDbFilename?: string;
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
  const parsed = options.flags ?? { positional: [], flags: new Map<string, string[]>() };
  const flagValue = (name: string) => flag(parsed, name);

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
  unknownKeys(file, FILE_KEYS, '');

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
  const logLevel = levelOf(flagValue('log-level'), '--log-level') ?? levelOf(file.logLevel, inFile('logLevel')) ?? 'info';

  const natsUrl = str(flagValue('nats-url'), '--nats-url') ?? str(file.natsUrl, inFile('natsUrl')) ?? DEFAULT_NATS_URL;
  if (!/^(nats|tls|wss?):\/\/[^\s]+$/.test(natsUrl) && !/^[^\s/]+:\d+$/.test(natsUrl)) {
    problems.push(`NATS url ${JSON.stringify(natsUrl)} must look like nats://host:4222`);
  }

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
  for (const n of parsed.flags.get('namespace') ?? []) addNamespace(n, '--namespace');

  // --- store
  let store: StoreConfig | undefined;
  const fileStore = file.store;
  if (fileStore !== undefined) {
    if (!isObject(fileStore)) problems.push(`${inFile('store')} must be an object`);
    else {
      unknownKeys(fileStore, STORE_KEYS, 'store.');
      if (fileStore.kind === 'sqlite') {
        const filename = str(fileStore.filename, inFile('store.filename'));
        if (filename) store = { kind: 'sqlite', filename };
        else if (fileStore.filename === undefined) problems.push(`${inFile('store.filename')} is required for kind "sqlite"`);
      } else if (fileStore.kind === 'postgres') {
        const url = str(fileStore.url, inFile('store.url'));
        if (url) store = { kind: 'postgres', url };
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
        unknownKeys(raw, ENDPOINT_KEYS, `services.${name}.`);
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
  const metricsPort = int(flagValue('metrics-port'), '--metrics-port', 1, 65_535);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    clusterName,
    numHistoryShards,
    logLevel,
    namespaces,
    store: store!,
    natsUrl,
    services,
    namespaceLimits,
    ...(advertiseAddress !== undefined && { advertiseAddress }),
    ...(metricsPort !== undefined && { metricsPort }),
  };
}

// ---------------------------------------------------------------------------------------------
// The command line as a whole

export interface LoadCommandOptions {
  /** Reads the --config file (tests); defaults to the file system. */
  readFile?: (path: string) => string;
  /** SQLite file for start-dev when none is given (e.g. in the user's data directory). */
  defaultDbFilename?: string;
  /** Environment (default process.env): KAIROS_POSTGRES_URL. */
  env?: Record<string, string | undefined>;
}

/**
 * Parses `kairos server start-dev …` / `kairos server start --service S …` (argv without the
 * node and script entries) into a validated config. Throws a ConfigError on any problem; print
 * its message with USAGE.
 */
export function parseKairosCommand(argv: readonly string[], options: LoadCommandOptions = {}): KairosCommand {
  const parsed = parseFlags(argv);
  if (flag(parsed, 'help') === 'true') return { kind: 'help' };
  const [group, command, ...rest] = parsed.positional;
  const env = options.env ?? process.env;
  if (group === 'schema') return parseSchemaCommand(parsed, command, rest, env);
  if (group !== 'server' || (command !== 'start-dev' && command !== 'start')) {
    throw new ConfigError([
      `unknown command ${JSON.stringify(parsed.positional.join(' '))}: expected "server start-dev", "server start" or "schema setup|update"`,
    ]);
  }
  if (rest.length > 0) throw new ConfigError([`unexpected argument ${JSON.stringify(rest[0])}`]);

  let service: ServiceName | undefined;
  if (command === 'start') {
    const value = flag(parsed, 'service');
    if (!value || !(SERVICE_NAMES as readonly string[]).includes(value)) {
      throw new ConfigError([`--service must be one of ${SERVICE_NAMES.join(', ')}${value ? `, got ${JSON.stringify(value)}` : ''}`]);
    }
    service = value as ServiceName;
  } else if (flag(parsed, 'service') !== undefined) {
    throw new ConfigError(['--service is for "server start"; start-dev runs every service']);
  }
  if (flag(parsed, 'store') !== undefined) throw new ConfigError(['--store is for "kairos schema"; a server takes --postgres-url or --db-filename']);

  const configFile = flag(parsed, 'config');
  const file = configFile !== undefined ? { name: configFile, content: readConfigFile(configFile, options.readFile) } : undefined;
  const config = resolveConfig({
    mode: command === 'start-dev' ? 'dev' : 'cluster',
    service,
    file,
    flags: command === 'start' ? withFlagsFromEnv(parsed, file, env) : parsed,
    defaultDbFilename: options.defaultDbFilename,
  });
  return command === 'start-dev' ? { kind: 'start-dev', config, configFile } : { kind: 'start', service: service!, config, configFile };
}

/**
 * Flags a cluster service takes from the environment when absent: --postgres-url from
 * $KAIROS_POSTGRES_URL when nothing names a store, --advertise-address from $KAIROS_ADVERTISE_ADDRESS.
 */
function withFlagsFromEnv(parsed: ParsedFlags, file: { content: unknown } | undefined, env: Record<string, string | undefined>): ParsedFlags {
  const flags = new Map(parsed.flags);
  const url = env[POSTGRES_URL_ENV];
  const named = ['db-filename', 'in-memory', 'postgres-url'].some((f) => parsed.flags.has(f)) || (isObject(file?.content) && file.content.store !== undefined);
  if (url && !named) flags.set('postgres-url', [url]);
  const advertise = env[ADVERTISE_ADDRESS_ENV];
  if (advertise && !flags.has('advertise-address')) flags.set('advertise-address', [advertise]);
  return { positional: parsed.positional, flags };
}

function parseSchemaCommand(parsed: ParsedFlags, action: string | undefined, rest: string[], env: Record<string, string | undefined>): KairosCommand {
  if (action !== 'setup' && action !== 'update') {
    throw new ConfigError([`unknown command ${JSON.stringify(['schema', action ?? ''].join(' ').trim())}: expected "schema setup" or "schema update"`]);
  }
  if (rest.length > 0) throw new ConfigError([`unexpected argument ${JSON.stringify(rest[0])}`]);
  const allowed = new Set(['store', 'log-level']);
  const others = [...parsed.flags.keys()].filter((f) => !allowed.has(f));
  if (others.length > 0) throw new ConfigError(others.map((f) => `flag --${f} is not used by "kairos schema ${action}"`));
  const storeUrl = flag(parsed, 'store') ?? env[POSTGRES_URL_ENV];
  if (!storeUrl) throw new ConfigError([`"kairos schema ${action}" needs --store postgres://… (or $${POSTGRES_URL_ENV})`]);
  if (!/^postgres(ql)?:\/\//i.test(storeUrl)) {
    throw new ConfigError([`--store must be a postgres:// URL: a SQLite store migrates its schema itself when a server opens it`]);
  }
  return { kind: 'schema', action, storeUrl };
}
