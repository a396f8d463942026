import { LOG_LEVELS } from '@kairos/common/logger';
import { SETTINGS } from '@kairos/common/settings';
import {
  ADVERTISE_ADDRESS_ENV,
  DEFAULT_BIND_IP,
  DEFAULT_CLUSTER_NAME,
  DEFAULT_LOG_LEVEL,
  DEFAULT_NATS_URL,
  DEFAULT_NUM_HISTORY_SHARDS,
  DEFAULT_PORTS,
  NATS_URL_ENV,
  POSTGRES_URL_ENV,
  SERVICE_NAMES,
} from '../config/types';

/** The leaf commands, as flags name them. */
export type CommandName = 'start-dev' | 'start' | 'schema' | 'workflow-import' | 'api-key-create' | 'api-key-list' | 'api-key-revoke';

/** One flag of the `kairos` command: commander parses it and writes its help from this. */
export interface FlagSpec {
  /** Long name without dashes. */
  name: string;
  /** Value placeholder (`--port <PORT>`); a flag without one is a boolean. */
  value?: string;
  description: string;
  /**
   * The commands whose help lists it. Every command parses every flag, so one given to the wrong
   * command is refused with a message saying where it belongs rather than as unknown.
   */
  shownIn: readonly CommandName[];
  /** The default the help shows, per command (the values come from the constants resolution uses). */
  defaults?: Partial<Record<CommandName, string>>;
  /** May be given several times (all values kept, in order); any other flag only once. */
  repeatable?: boolean;
}

const SERVER: readonly CommandName[] = ['start-dev', 'start'];
const API_KEY: readonly CommandName[] = ['api-key-create', 'api-key-list', 'api-key-revoke'];
const apiKeys = (text: string): Partial<Record<CommandName, string>> => Object.fromEntries(API_KEY.map((c) => [c, text]));
const SYNCHRONOUS = SETTINGS['store.sqliteSynchronous'];
const both = (text: string): Partial<Record<CommandName, string>> => ({ 'start-dev': text, start: text });
const address = (service: string): FlagSpec => ({
  name: `${service}-address`,
  value: 'HOST:PORT',
  description: `where the other services reach the ${service}`,
  shownIn: ['start'],
  defaults: { start: 'its IP and port, from the config file or the defaults' },
});

export const FLAGS: readonly FlagSpec[] = [
  { name: 'service', value: 'NAME', description: `the service to run: ${SERVICE_NAMES.join(', ')}`, shownIn: ['start'] },
  { name: 'config', value: 'FILE', description: 'JSON config file (its keys: kairos --help); flags override it; api-key reads only its store', shownIn: [...SERVER, ...API_KEY] },
  {
    name: 'port',
    value: 'PORT',
    description: 'port to listen on',
    shownIn: SERVER,
    defaults: {
      'start-dev': `${DEFAULT_PORTS.frontend}, the frontend's`,
      start: SERVICE_NAMES.map((s) => `${s} ${DEFAULT_PORTS[s]}`).join(', '),
    },
  },
  { name: 'ip', value: 'IP', description: 'address to listen on', shownIn: SERVER, defaults: both(DEFAULT_BIND_IP) },
  {
    name: 'db-filename',
    value: 'FILE',
    description: 'SQLite database file',
    shownIn: [...SERVER, ...API_KEY],
    defaults: {
      'start-dev': 'kairos/kairos-dev.db in $XDG_DATA_HOME or ~/.local/share',
      ...apiKeys(`start-dev's, unless $${POSTGRES_URL_ENV} is set`),
    },
  },
  { name: 'in-memory', description: 'a throw-away SQLite store, lost on exit', shownIn: ['start-dev'] },
  {
    name: 'sqlite-synchronous',
    value: 'LEVEL',
    description: 'SQLite durability: FULL fsyncs every commit and survives a power cut, NORMAL survives a process crash only',
    shownIn: SERVER,
    defaults: { 'start-dev': SYNCHRONOUS.defaultFor['start-dev'], start: SYNCHRONOUS.default },
  },
  {
    name: 'sqlite-pragma',
    value: 'KEY=VALUE',
    description: "Temporal's form: synchronous=NORMAL|FULL, or journal_mode=WAL (always on); repeatable",
    shownIn: SERVER,
    repeatable: true,
  },
  {
    name: 'postgres-url',
    value: 'URL',
    description: 'PostgreSQL store, postgres://USER:PASSWORD@HOST:5432/DB',
    shownIn: ['start', ...API_KEY],
    defaults: { start: `$${POSTGRES_URL_ENV} when neither a flag nor the config file names a store`, ...apiKeys(`$${POSTGRES_URL_ENV}`) },
  },
  {
    name: 'nats-url',
    value: 'URL',
    description: 'NATS for notifications between processes, nats://[USER:PASSWORD@]HOST:4222 (TLS and file credentials: "nats" in the config file)',
    shownIn: ['start'],
    defaults: { start: `$${NATS_URL_ENV} when neither a flag nor the config file names one, else ${DEFAULT_NATS_URL}` },
  },
  {
    name: 'cluster-name',
    value: 'NAME',
    description: 'prefix of the NATS subjects, so clusters can share a NATS',
    shownIn: ['start'],
    defaults: { start: DEFAULT_CLUSTER_NAME },
  },
  address('frontend'),
  address('history'),
  address('matching'),
  {
    name: 'advertise-address',
    value: 'HOST:PORT',
    description: 'where the other instances reach this one',
    shownIn: ['start'],
    defaults: { start: `$${ADVERTISE_ADDRESS_ENV}, else its service address` },
  },
  { name: 'metrics-port', value: 'PORT', description: 'serve Prometheus /metrics and /health/ready on this port (on --ip)', shownIn: SERVER },
  {
    name: 'http-port',
    value: 'PORT',
    description: "serve Temporal's HTTP API (/api/v1/...) on this port (on --ip); the frontend's",
    shownIn: SERVER,
    defaults: { 'start-dev': 'a free port', start: 'services.frontend.httpPort of the config file, else none' },
  },
  { name: 'headless', description: 'run without the Temporal Web UI', shownIn: ['start-dev'] },
  { name: 'tls-cert-path', value: 'FILE', description: "the frontend's TLS certificate (PEM), for gRPC and the HTTP API; with --tls-key-path", shownIn: ['start-dev'] },
  { name: 'tls-key-path', value: 'FILE', description: 'the private key of --tls-cert-path (PEM)', shownIn: ['start-dev'] },
  {
    name: 'tls-client-ca-path',
    value: 'FILE',
    description: 'mTLS: clients must present a certificate signed by this CA (PEM)',
    shownIn: ['start-dev'],
  },
  {
    name: 'insecure',
    description: 'serve plaintext on a non-loopback --ip (refused without it: use --tls-cert-path and --tls-key-path)',
    shownIn: ['start-dev'],
  },
  {
    name: 'ui-port',
    value: 'PORT',
    description: 'port of the Temporal Web UI',
    shownIn: ['start-dev'],
    defaults: { 'start-dev': 'the gRPC port + 1000 (8233)' },
  },
  { name: 'ui-ip', value: 'IP', description: 'address the Temporal Web UI listens on', shownIn: ['start-dev'], defaults: { 'start-dev': 'the --ip' } },
  {
    name: 'search-attribute',
    value: 'KEY=TYPE',
    description: 'a custom search attribute to register in every namespace created at start; TYPE: Text, Keyword, Int, Double, Bool, Datetime, KeywordList (repeatable)',
    shownIn: ['start-dev'],
    repeatable: true,
  },
  {
    name: 'dynamic-config-value',
    value: 'KEY=VALUE',
    description: "a Temporal dynamic config key with a Kairos equivalent (e.g. limit.maxIDLength=500; docs/settings.md lists them), VALUE in JSON (repeatable)",
    shownIn: ['start-dev'],
    repeatable: true,
  },
  {
    name: 'log-format',
    value: 'FORMAT',
    description: 'json, or text (pretty is the same) as key=value pairs',
    shownIn: SERVER,
    defaults: both('text when stderr is a terminal, else json'),
  },
  {
    name: 'namespace',
    value: 'NAME',
    description: 'servers: a namespace to create at start if missing (repeatable; "default" always is); workflow import: the namespace to import into',
    shownIn: [...SERVER, 'workflow-import'],
    defaults: { 'workflow-import': 'default' },
    repeatable: true,
  },
  { name: 'address', value: 'HOST:PORT', description: 'the Kairos frontend to talk to', shownIn: ['workflow-import'], defaults: { 'workflow-import': '127.0.0.1:7233' } },
  {
    name: 'workflow-id',
    value: 'ID',
    description: 'keep the run under this workflow id',
    shownIn: ['workflow-import'],
    defaults: { 'workflow-import': "the one the history's WorkflowExecutionStarted names" },
  },
  { name: 'log-level', value: 'LEVEL', description: LOG_LEVELS.join(', '), shownIn: SERVER, defaults: both(DEFAULT_LOG_LEVEL) },
  {
    name: 'num-shards',
    value: 'N',
    description: 'history shards, fixed when the cluster is created',
    shownIn: SERVER,
    defaults: both(String(DEFAULT_NUM_HISTORY_SHARDS)),
  },
  { name: 'num-history-shards', value: 'N', description: 'the same as --num-shards', shownIn: [] },
  {
    name: 'permission',
    value: 'NAMESPACE:ROLE',
    description: 'what the key may do: ROLE read, write, worker or admin in NAMESPACE (temporal-system: every namespace and the cluster APIs); repeatable',
    shownIn: ['api-key-create'],
    repeatable: true,
  },
  { name: 'description', value: 'TEXT', description: 'what the key is for, shown by list', shownIn: ['api-key-create'] },
  {
    name: 'expires-in',
    value: 'DURATION',
    description: 'refuse the key after this long, e.g. 720h or 90d',
    shownIn: ['api-key-create'],
    defaults: { 'api-key-create': 'never' },
  },
  { name: 'output', value: 'FORMAT', description: 'text, or json (an array of keys)', shownIn: ['api-key-list'], defaults: { 'api-key-list': 'text' } },
  {
    name: 'store',
    value: 'URL',
    description: 'the PostgreSQL database, postgres://USER:PASSWORD@HOST:5432/DB',
    shownIn: ['schema'],
    defaults: { schema: `$${POSTGRES_URL_ENV}` },
  },
];

/** Flags only start-dev takes (as `temporal server start-dev`); `server start` refuses them by name. */
export const START_DEV_ONLY_FLAGS: readonly string[] = [
  'search-attribute',
  'dynamic-config-value',
  'headless',
  'ui-port',
  'ui-ip',
  'tls-cert-path',
  'tls-key-path',
  'tls-client-ca-path',
  'insecure',
];

/** The flags `kairos workflow import` uses; it refuses the others by name. */
export const IMPORT_FLAGS: ReadonlySet<string> = new Set(['address', 'namespace', 'workflow-id']);

/** Flags only `kairos workflow import` takes; the servers refuse them by name. */
export const IMPORT_ONLY_FLAGS: readonly string[] = ['address', 'workflow-id'];

/** The flags `kairos schema` uses; it refuses the others by name. */
export const SCHEMA_FLAGS: ReadonlySet<string> = new Set(['store', 'log-level']);

/** The flags each `kairos api-key` command uses; it refuses the others by name. */
const API_KEY_STORE_FLAGS = ['config', 'db-filename', 'postgres-url'];
export const API_KEY_FLAGS: Readonly<Record<'create' | 'list' | 'revoke', ReadonlySet<string>>> = {
  create: new Set([...API_KEY_STORE_FLAGS, 'permission', 'description', 'expires-in']),
  list: new Set([...API_KEY_STORE_FLAGS, 'output']),
  revoke: new Set(API_KEY_STORE_FLAGS),
};

/** Flags only `kairos api-key` takes; the servers refuse them by name. */
export const API_KEY_ONLY_FLAGS: readonly string[] = ['permission', 'description', 'expires-in', 'output'];
