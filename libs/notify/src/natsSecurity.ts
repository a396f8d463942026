import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, nkeys, type Authenticator, type TlsOptions } from 'nats';

/** TLS towards the NATS server: the CA that signed its certificate, and a client certificate when it wants one (mTLS). */
export interface NatsTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * How a process proves itself to NATS beyond the URL's `user:password@` or `token@`: an nkey
 * seed file (`SU…`, the server lists the public key) or a `.creds` file (user JWT + seed, for
 * servers in operator mode, made with `nsc`). Only file names are held; the files are read when
 * connecting, so a rotated file is used by the next connection.
 */
export interface NatsSecurityOptions {
  tls?: NatsTlsFiles;
  nkeySeedFile?: string;
  credsFile?: string;
}

/**
 * nats.js options for `security`. Reads each secret file once now, so a missing or unreadable
 * file (or a file that is not an nkey seed) is an error at start naming the file, never its content.
 */
export function natsSecurityConnectOptions(security: NatsSecurityOptions): { tls?: TlsOptions; authenticator?: Authenticator } {
  if (security.nkeySeedFile && security.credsFile) throw new Error('give either an NATS nkey seed file or a creds file, not both');
  const tls = security.tls;
  if (tls && Boolean(tls.certFile) !== Boolean(tls.keyFile)) throw new Error('a NATS client certificate needs both its certFile and its keyFile');
  const out: { tls?: TlsOptions; authenticator?: Authenticator } = {};
  if (tls) {
    for (const file of [tls.caFile, tls.certFile, tls.keyFile]) if (file) readSecretFile(file, 'NATS TLS file');
    // nats.js reads these files itself on every connection attempt.
    out.tls = { ...(tls.caFile && { caFile: tls.caFile }), ...(tls.certFile && { certFile: tls.certFile, keyFile: tls.keyFile }) };
  }
  if (security.nkeySeedFile) {
    const file = security.nkeySeedFile;
    const seed = () => readSecretFile(file, 'NATS nkey seed file').trim();
    try {
      nkeys.fromSeed(new TextEncoder().encode(seed()));
    } catch (err) {
      if ((err as Error).message.startsWith('cannot read')) throw err;
      // nkeys' message names no part of the seed, but say it in our words anyway.
      throw new Error(`NATS nkey seed file ${file} does not hold a user nkey seed (a line starting with SU)`);
    }
    out.authenticator = nkeyAuthenticator(() => new TextEncoder().encode(seed()));
  } else if (security.credsFile) {
    const file = security.credsFile;
    readSecretFile(file, 'NATS creds file');
    out.authenticator = credsAuthenticator(() => new TextEncoder().encode(readSecretFile(file, 'NATS creds file')));
  }
  return out;
}

function readSecretFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** nats.js codes with which a server turns a client away (its credentials, or the account behind them). */
const REFUSED_CODES = new Set([
  'AUTHORIZATION_VIOLATION',
  'AUTHENTICATION_EXPIRED',
  'AUTHENTICATION_TIMEOUT',
  'ACCOUNT_EXPIRED',
  'BAD_AUTHENTICATION',
  'BAD_CREDS',
  'TLS',
  // The server wants TLS and the client cannot do it.
  'SERVER_OPT_NA',
]);

/**
 * The error code when `err` says this process may not use the NATS server (refused credentials,
 * a TLS handshake that failed: unknown CA, wrong host name, missing client certificate), as
 * opposed to a server that is merely away (refused connection, timeout), which Kairos rides out.
 * A refusal does not mend itself: it needs an operator.
 */
export function natsRefusalCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (REFUSED_CODES.has(code)) return code;
  // Node's TLS verification and OpenSSL alert codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, ERR_SSL_…).
  if (/CERT|SELF_SIGNED|UNABLE_TO_|^ERR_TLS_|^ERR_SSL_/.test(code)) return code;
  return undefined;
}
