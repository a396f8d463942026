type Json = Record<string, unknown>;

/** Temporal's persistence `tls` keys (common/auth/tls.go) that Kairos takes; the *Data forms are not. */
export const POSTGRES_TLS_KEYS = ['enabled', 'caFile', 'certFile', 'keyFile', 'enableHostVerification'];

/**
 * A PostgreSQL store's `tls` as Temporal's SQL persistence config gives it, turned into the URL
 * parameters pg reads (libpq's names): `caFile` → sslrootcert, `certFile`/`keyFile` →
 * sslcert/sslkey, and the mode Temporal picks: host verification → `verify-full`; without it the
 * chain is still checked against `caFile` when there is one (libpq's `require` with a root
 * certificate, i.e. `verify-ca`), and with neither it is encryption only (`no-verify`).
 * `enabled: false` leaves the URL alone. The URL must not set TLS parameters itself.
 */
export function postgresUrlWithTls(url: string, tls: unknown, where: (key: string) => string, problems: string[]): string {
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) {
    problems.push(`${where('store.tls')} must be an object`);
    return url;
  }
  const t = tls as Json;
  for (const key of Object.keys(t)) {
    if (key === 'serverName') problems.push(`${where('store.tls.serverName')} is not supported: the host of the URL is the name verified (use one the certificate names)`);
    else if (!POSTGRES_TLS_KEYS.includes(key)) problems.push(`${where(`store.tls.${key}`)} is not a known key (known: ${POSTGRES_TLS_KEYS.join(', ')})`);
  }
  for (const key of ['enabled', 'enableHostVerification']) {
    if (t[key] !== undefined && typeof t[key] !== 'boolean') problems.push(`${where(`store.tls.${key}`)} must be true or false, got ${JSON.stringify(t[key])}`);
  }
  const files: Record<string, string> = {};
  for (const [key, parameter] of [['caFile', 'sslrootcert'], ['certFile', 'sslcert'], ['keyFile', 'sslkey']] as const) {
    const value = t[key];
    if (value === undefined) continue;
    if (typeof value === 'string' && value.length > 0 && !/[&#\s]/.test(value)) files[parameter] = value;
    else problems.push(`${where(`store.tls.${key}`)} must be a file name without spaces, '&' or '#', got ${JSON.stringify(value)}`);
  }
  if ((files.sslcert === undefined) !== (files.sslkey === undefined)) problems.push(`${where('store.tls')}: certFile and keyFile go together (a client certificate and its key)`);
  if (t.enabled === false) return url;
  if (/[?&](sslmode|sslrootcert|sslcert|sslkey|ssl|uselibpqcompat)=/i.test(url)) {
    problems.push(`${where('store.tls')}: the store URL sets TLS parameters too; give TLS in one place`);
    return url;
  }
  const mode = t.enableHostVerification === true ? ['sslmode=verify-full'] : files.sslrootcert ? ['uselibpqcompat=true', 'sslmode=verify-ca'] : ['sslmode=no-verify'];
  const parameters = [...mode, ...Object.entries(files).map(([k, v]) => `${k}=${v}`)];
  return `${url}${url.includes('?') ? '&' : '?'}${parameters.join('&')}`;
}
