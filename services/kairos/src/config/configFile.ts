import { readFileSync } from 'node:fs';
import { ConfigError } from './configError';
import { TLS_FILE_EXAMPLE } from './tlsConfig';
import { DEFAULT_CLUSTER_NAME, DEFAULT_LOG_LEVEL, DEFAULT_NAMESPACE, DEFAULT_NATS_URL, DEFAULT_NUM_HISTORY_SHARDS } from './types';

/**
 * The config file's top-level keys, in the order messages list them, each with the example value
 * `kairos --help` shows: the unknown-key check and the help text both read this table.
 */
export const FILE_KEYS: ReadonlyArray<readonly [key: string, example: string]> = [
  ['clusterName', JSON.stringify(DEFAULT_CLUSTER_NAME)],
  ['numHistoryShards', String(DEFAULT_NUM_HISTORY_SHARDS)],
  ['logLevel', JSON.stringify(DEFAULT_LOG_LEVEL)],
  ['namespaces', JSON.stringify([DEFAULT_NAMESPACE])],
  ['store', '{ "kind": "sqlite", "filename": "kairos.db" } | { "kind": "postgres", "url": "postgres://…", "tls": { "caFile": "ca.pem", "enableHostVerification": true } }'],
  ['sqliteSynchronous', '"FULL" | "NORMAL" (default: FULL for "server start", NORMAL for start-dev)'],
  ['natsUrl', JSON.stringify(DEFAULT_NATS_URL)],
  ['nats', '{ "tls": { "caFile": "ca.pem", "certFile": "client.pem", "keyFile": "client.key" }, "nkeySeedFile": "kairos.nk" | "credsFile": "kairos.creds" }'],
  ['services', '{ "frontend": { "bindIp": "127.0.0.1", "port": 7233, "address": "host:7233", "httpPort": 7243 }, "history": { … }, "matching": { … } }'],
  ['tls', TLS_FILE_EXAMPLE],
  ['namespaceLimits', '{ "<namespace>": { "<limit>": N } }'],
  ['authorization', '{ "authorizer": "default", "jwtKeyProvider": { "keySourceURIs": ["https://…/jwks.json"], "refreshInterval": "1m" }, "audience": "…", "apiKeys": true, "tlsSubjectPermissions": { "CN=worker": ["default:worker"] } }'],
];
export const STORE_KEYS = ['kind', 'filename', 'url', 'tls'];
export const ENDPOINT_KEYS = ['bindIp', 'port', 'address'];
/** The frontend's entry also takes the port of Temporal's HTTP API. */
export const FRONTEND_KEYS = [...ENDPOINT_KEYS, 'httpPort'];

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
    throw new ConfigError([`config file ${path} is not valid JSON: ${withoutExcerpt((err as Error).message)}`]);
  }
}

/**
 * JSON.parse's message without the excerpt of the text it may quote (`Unexpected token 'x',
 * "…" is not valid JSON`): a few characters of a config file can be part of a password.
 */
function withoutExcerpt(message: string): string {
  return message.replace(/,\s*(\.\.\.)?".*"\s+is not valid JSON$/s, '');
}
