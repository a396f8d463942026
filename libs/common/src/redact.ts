/**
 * URL credentials anywhere in a text (`nats://user:password@host`, `postgres://u:p@h/db`, a NATS
 * token `nats://token@host`): the password, or a user part standing alone (a token), becomes ***.
 * Logs, errors and help text pass what they print through this, so no secret reaches them.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#]*)(:[^\s@/?#]*)?@/gi;

export function redactUrlCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_CREDENTIALS, (_m, scheme: string, user: string, password: string | undefined) =>
    password !== undefined ? `${scheme}${user}:***@` : `${scheme}***@`,
  );
}
