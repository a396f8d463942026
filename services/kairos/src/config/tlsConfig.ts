import type { ClientTlsConfig, ServerTlsConfig, TlsConfig } from '@kairos/common/tls';
import { durationMs } from './durations';

/** The `tls` key of the config file, in Temporal's `global.tls` words. */
export const TLS_KEYS = ['refreshInterval', 'frontend', 'internode'];
export const TLS_SERVER_KEYS = ['certFile', 'keyFile', 'clientCaFiles', 'requireClientAuth'];
export const TLS_CLIENT_KEYS = ['serverName', 'rootCaFiles', 'disableHostVerification'];
export const TLS_FILE_EXAMPLE =
  '{ "refreshInterval": "30s", "frontend": { "server": S }, "internode": { "server": S, "client": { "serverName", "rootCaFiles": [], "disableHostVerification" } } },\n' +
  '                     S = { "certFile", "keyFile", "clientCaFiles": [], "requireClientAuth": false } (Temporal\'s global.tls; docs/architecture.md, TLS)';

/**
 * Certificates are read again every 30 s by default, so a renewed certificate (cert-manager) is
 * served without a restart; Temporal's default is 0 (never), which `"refreshInterval": 0` gives.
 */
export const DEFAULT_TLS_REFRESH_MS = 30_000;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `tls` config key and start-dev's TLS flags (--tls-cert-path, --tls-key-path,
 * --tls-client-ca-path, which replace the file's `tls.frontend.server`). Undefined when TLS is
 * configured nowhere; problems are pushed in the config's words (`where(path)` names the file).
 */
export function resolveTlsConfig(
  value: unknown,
  flag: (name: string) => string | undefined,
  where: (path: string) => string,
  problems: string[],
): TlsConfig | undefined {
  const unknownKeys = (obj: Json, allowed: string[], path: string) => {
    for (const key of Object.keys(obj)) if (!allowed.includes(key)) problems.push(`${where(path + key)} is not a known key (known: ${allowed.join(', ')})`);
  };
  const object = (v: unknown, path: string): Json | undefined => {
    if (v === undefined) return undefined;
    if (isObject(v)) return v;
    problems.push(`${where(path)} must be an object`);
    return undefined;
  };
  const file = (v: unknown, path: string, required: boolean): string | undefined => {
    if (v === undefined) {
      if (required) problems.push(`${where(path)} is required`);
      return undefined;
    }
    if (typeof v === 'string' && v.length > 0) return v;
    problems.push(`${where(path)} must be a file name, got ${JSON.stringify(v)}`);
    return undefined;
  };
  const files = (v: unknown, path: string): string[] | undefined => {
    if (v === undefined) return undefined;
    if (Array.isArray(v) && v.every((f) => typeof f === 'string' && f.length > 0)) return v as string[];
    problems.push(`${where(path)} must be an array of file names, got ${JSON.stringify(v)}`);
    return undefined;
  };
  const bool = (v: unknown, path: string): boolean | undefined => {
    if (v === undefined || typeof v === 'boolean') return v;
    problems.push(`${where(path)} must be true or false, got ${JSON.stringify(v)}`);
    return undefined;
  };
  const server = (v: unknown, path: string): ServerTlsConfig | undefined => {
    const obj = object(v, path);
    if (!obj) return undefined;
    unknownKeys(obj, TLS_SERVER_KEYS, `${path}.`);
    const certFile = file(obj.certFile, `${path}.certFile`, true);
    const keyFile = file(obj.keyFile, `${path}.keyFile`, true);
    const clientCaFiles = files(obj.clientCaFiles, `${path}.clientCaFiles`);
    const requireClientAuth = bool(obj.requireClientAuth, `${path}.requireClientAuth`);
    if (requireClientAuth && !clientCaFiles?.length) problems.push(`${where(`${path}.requireClientAuth`)} needs ${path}.clientCaFiles: the CAs client certificates are checked against`);
    if (!certFile || !keyFile) return undefined;
    return { certFile, keyFile, ...(clientCaFiles && { clientCaFiles }), ...(requireClientAuth !== undefined && { requireClientAuth }) };
  };
  const client = (v: unknown, path: string): ClientTlsConfig | undefined => {
    const obj = object(v, path);
    if (!obj) return undefined;
    unknownKeys(obj, TLS_CLIENT_KEYS, `${path}.`);
    const serverName = obj.serverName === undefined ? undefined : typeof obj.serverName === 'string' && obj.serverName.length > 0 ? obj.serverName : undefined;
    if (obj.serverName !== undefined && serverName === undefined) problems.push(`${where(`${path}.serverName`)} must be a host name, got ${JSON.stringify(obj.serverName)}`);
    const rootCaFiles = files(obj.rootCaFiles, `${path}.rootCaFiles`);
    const disableHostVerification = bool(obj.disableHostVerification, `${path}.disableHostVerification`);
    return { ...(serverName && { serverName }), ...(rootCaFiles && { rootCaFiles }), ...(disableHostVerification !== undefined && { disableHostVerification }) };
  };

  const tls = object(value, 'tls') ?? {};
  unknownKeys(tls, TLS_KEYS, 'tls.');
  const refreshIntervalMs = tls.refreshInterval === undefined ? DEFAULT_TLS_REFRESH_MS : durationMs(tls.refreshInterval);
  if (refreshIntervalMs === undefined) problems.push(`${where('tls.refreshInterval')} must be a duration such as "30s", "5m" or a number of milliseconds, got ${JSON.stringify(tls.refreshInterval)}`);

  const frontendObj = object(tls.frontend, 'tls.frontend');
  if (frontendObj) unknownKeys(frontendObj, ['server'], 'tls.frontend.');
  let frontendServer = server(frontendObj?.server, 'tls.frontend.server');
  const [certFlag, keyFlag, caFlag] = ['tls-cert-path', 'tls-key-path', 'tls-client-ca-path'].map(flag);
  if (certFlag !== undefined || keyFlag !== undefined || caFlag !== undefined) {
    if (certFlag === undefined || keyFlag === undefined) problems.push(`give --tls-cert-path and --tls-key-path together${caFlag !== undefined ? ' (--tls-client-ca-path needs them)' : ''}`);
    else frontendServer = { certFile: certFlag, keyFile: keyFlag, ...(caFlag !== undefined && { clientCaFiles: [caFlag], requireClientAuth: true }) };
  }

  const internodeObj = object(tls.internode, 'tls.internode');
  if (internodeObj) unknownKeys(internodeObj, ['server', 'client'], 'tls.internode.');
  const internodeServer = server(internodeObj?.server, 'tls.internode.server');
  const internodeClient = client(internodeObj?.client, 'tls.internode.client');
  if (internodeClient && !internodeServer) problems.push(`${where('tls.internode.client')} needs tls.internode.server: its certificate is the identity internal clients present`);

  if (!frontendServer && !internodeServer) return undefined;
  return {
    refreshIntervalMs: refreshIntervalMs ?? DEFAULT_TLS_REFRESH_MS,
    ...(frontendServer && { frontend: { server: frontendServer } }),
    ...(internodeServer && { internode: { server: internodeServer, ...(internodeClient && { client: internodeClient }) } }),
  };
}
