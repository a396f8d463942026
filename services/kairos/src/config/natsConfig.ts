import type { NatsSecurityConfig } from './types';

type Json = Record<string, unknown>;

/** The keys of the config file's `nats` object and of its `tls`. */
export const NATS_KEYS = ['tls', 'nkeySeedFile', 'credsFile'];
export const NATS_TLS_KEYS = ['caFile', 'certFile', 'keyFile'];

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The config file's `nats` object: TLS files (`caFile`, and `certFile` + `keyFile` for a server
 * that verifies client certificates) and credentials kept in files (`nkeySeedFile` or
 * `credsFile`), so no secret sits in the config file or on a command line. A user and password
 * or token go in the URL instead ($KAIROS_NATS_URL keeps them off command lines); only one kind
 * of credentials at a time.
 */
export function resolveNatsSecurity(value: unknown, natsUrl: string, inFile: (path: string) => string, problems: string[]): NatsSecurityConfig | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    problems.push(`${inFile('nats')} must be an object`);
    return undefined;
  }
  const unknown = (obj: Json, allowed: string[], where: string) => {
    for (const key of Object.keys(obj)) if (!allowed.includes(key)) problems.push(`${inFile(where + key)} is not a known key (known: ${allowed.join(', ')})`);
  };
  const file = (v: unknown, where: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v.length > 0) return v;
    problems.push(`${inFile(where)} must be a file name, got ${JSON.stringify(v)}`);
    return undefined;
  };
  unknown(value, NATS_KEYS, 'nats.');
  const out: NatsSecurityConfig = {};
  if (value.tls !== undefined) {
    if (!isObject(value.tls)) problems.push(`${inFile('nats.tls')} must be an object`);
    else {
      unknown(value.tls, NATS_TLS_KEYS, 'nats.tls.');
      const caFile = file(value.tls.caFile, 'nats.tls.caFile');
      const certFile = file(value.tls.certFile, 'nats.tls.certFile');
      const keyFile = file(value.tls.keyFile, 'nats.tls.keyFile');
      if ((certFile === undefined) !== (keyFile === undefined)) problems.push(`${inFile('nats.tls')}: certFile and keyFile go together (a client certificate and its key)`);
      out.tls = { ...(caFile && { caFile }), ...(certFile && { certFile }), ...(keyFile && { keyFile }) };
    }
  }
  const nkeySeedFile = file(value.nkeySeedFile, 'nats.nkeySeedFile');
  const credsFile = file(value.credsFile, 'nats.credsFile');
  if (nkeySeedFile && credsFile) problems.push(`${inFile('nats')}: give nkeySeedFile or credsFile, not both`);
  if ((nkeySeedFile || credsFile) && /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(natsUrl)) {
    problems.push(`${inFile('nats')}: the NATS URL carries credentials too; give one kind (URL user:password or token, nkeySeedFile, or credsFile)`);
  }
  if (nkeySeedFile) out.nkeySeedFile = nkeySeedFile;
  if (credsFile) out.credsFile = credsFile;
  return out;
}
