/**
 * URL credentials anywhere in a text (`nats://user:password@host`, `postgres://u:p@h/db`, a NATS
 * token `nats://token@host`): the password, or a user part standing alone (a token), becomes ***.
 * A PostgreSQL URL's lone user is a role name, not a secret, and is kept. A password given as a
 * parameter (`postgres://h/db?password=…`, libpq's `password=…`) is masked too.
 * Logs, errors, metrics and help text pass what they print through this, so no secret reaches them.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#]*)(:[^\s@/?#]*)?@/gi;
const PASSWORD_PARAMETER = /(^|[?&\s;])((?:ssl)?password=)[^&\s#;]*/gi;
/** Schemes whose user part alone is a user name (the password comes from elsewhere), not a token. */
const USER_NAME_SCHEMES = /^postgres(ql)?:\/\/$/i;

export function redactUrlCredentials(text: string): string {
  let out = text;
  if (out.includes('@')) {
    out = out.replace(URL_CREDENTIALS, (whole, scheme: string, user: string, password: string | undefined) => {
      if (password !== undefined) return `${scheme}${user}:***@`;
      return USER_NAME_SCHEMES.test(scheme) ? whole : `${scheme}***@`;
    });
  }
  if (/password=/i.test(out)) out = out.replace(PASSWORD_PARAMETER, '$1$2***');
  return out;
}
