import type { LogFormat, LogLevel } from '@kairos/common/logger';
import { setting, type SettingName } from '@kairos/common/settings';
import type { SearchAttributeType } from '@kairos/domain';
import type { TlsConfig } from '@kairos/common/tls';
import type { SqliteSynchronous } from './sqliteSynchronous';
import type { AuthorizationConfig } from './authorizationConfig';

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
  /**
   * `filename` may be `:memory:` for a throw-away store. `synchronous`: FULL survives a power cut,
   * NORMAL a process crash (store.sqliteSynchronous).
   */
  | { kind: 'sqlite'; filename: string; synchronous: SqliteSynchronous }
  | { kind: 'postgres'; url: string };

/** NATS TLS and credentials from files (the URL may carry a user:password or token instead). */
export interface NatsSecurityConfig {
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  nkeySeedFile?: string;
  credsFile?: string;
}

/** Everything the `kairos` command needs to run the embedded server or one cluster service. */
export interface KairosConfig {
  /** Namespaces NATS subjects (`kairos.<clusterName>.…`) so clusters can share a NATS. */
  clusterName: string;
  /** Fixed when the cluster is created. */
  numHistoryShards: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Created at start if missing; always contains `default`. */
  namespaces: string[];
  store: StoreConfig;
  /** NATS for notifications between processes (unused by the embedded server). */
  natsUrl: string;
  /** TLS and file-based credentials for NATS (config file `nats`); absent: plaintext, credentials from the URL if any. */
  nats?: NatsSecurityConfig;
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
  /**
   * Port of Temporal's HTTP API on the frontend's IP (`--http-port`, `services.frontend.httpPort`):
   * 0 picks a free port (start-dev's default, as Temporal's); none when absent (a cluster frontend's default).
   */
  httpPort?: number;
  /**
   * TLS of the frontend (gRPC and HTTP API) and between services (`tls` of the config file, in
   * Temporal's `global.tls` words; start-dev's --tls-* flags); plaintext when absent.
   */
  tls?: TlsConfig;
  /** start-dev's Temporal Web UI (none with --headless). */
  ui?: { ip: string; port: number };
  /** start-dev: custom search attributes registered in every namespace created at start (`--search-attribute`). */
  searchAttributes: Record<string, SearchAttributeType>;
  /** The frontend's authentication and authorization (config file `authorization`); absent, every caller may do everything. */
  authorization?: AuthorizationConfig;
  /** start-dev: settings given as Temporal dynamic config keys (`--dynamic-config-value`), applied before the services load. */
  settingOverrides: ReadonlyMap<SettingName, number>;
}

/** The limits a namespace can override (the `limits.*` settings; Temporal's dynamic-config defaults otherwise). */
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
  /** `--help`: the text commander generated for the command it was given to. */
  | { kind: 'help'; text: string }
  | { kind: 'start-dev'; config: KairosConfig; configFile?: string }
  | { kind: 'start'; service: ServiceName; config: KairosConfig; configFile?: string }
  /** `kairos schema setup|update --store URL`: create or migrate a PostgreSQL store's schema. */
  | { kind: 'schema'; action: 'setup' | 'update'; storeUrl: string }
  /** `kairos workflow import FILE`: keep an exported history as a closed run of a namespace. */
  | { kind: 'workflow-import'; file: string; address: string; namespace: string; workflowId?: string }
  | ApiKeyCommand;

/** `kairos api-key create|list|revoke`: API keys, written to and read from the store directly (no server needed). */
export type ApiKeyCommand =
  | { kind: 'api-key'; action: 'create'; store: StoreConfig; permissions: string[]; description: string; expiresInMs?: number }
  | { kind: 'api-key'; action: 'list'; store: StoreConfig; output: 'text' | 'json' }
  | { kind: 'api-key'; action: 'revoke'; store: StoreConfig; id: string };

/** Environment variable read for --advertise-address when the flag is absent. */
export const ADVERTISE_ADDRESS_ENV = 'KAIROS_ADVERTISE_ADDRESS';

/** Environment variable read for the PostgreSQL URL when no flag or config file names a store (keeps passwords off command lines). */
export const POSTGRES_URL_ENV = 'KAIROS_POSTGRES_URL';

/** Environment variable read for the NATS URL when neither --nats-url nor the config file names one (keeps its password or token off command lines). */
export const NATS_URL_ENV = 'KAIROS_NATS_URL';

export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = { frontend: 7233, history: 7234, matching: 7235 };
export const DEFAULT_NUM_HISTORY_SHARDS = setting('cluster.numHistoryShards');
export const DEFAULT_CLUSTER_NAME = 'kairos';
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_BIND_IP = '127.0.0.1';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
