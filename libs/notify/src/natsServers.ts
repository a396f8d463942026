/** What nats.js is given to connect: server addresses, and the credentials the URLs carried. */
export interface NatsConnectTarget {
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
}

const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/)?(?:([^\s:@/]*)(?::([^\s@/]*))?@)?(.+)$/i;

/**
 * Takes the credentials out of NATS URLs (`nats://user:password@host:4222`, or a token:
 * `nats://token@host:4222`), since nats.js ignores the user part of a server URL and would connect
 * without them. Every URL naming credentials must name the same ones: the connection takes one
 * set for all the servers it may reconnect to.
 */
export function natsConnectTarget(urls: readonly string[]): NatsConnectTarget {
  const servers: string[] = [];
  let credentials: { user?: string; pass?: string; token?: string } | undefined;
  for (const url of urls) {
    const parts = URL_PARTS.exec(url.trim());
    if (!parts) {
      servers.push(url);
      continue;
    }
    const [, scheme = '', user, password, rest] = parts;
    servers.push(`${scheme}${rest}`);
    if (user === undefined && password === undefined) continue;
    const found =
      password !== undefined ? { user: decodeURIComponent(user ?? ''), pass: decodeURIComponent(password) } : { token: decodeURIComponent(user ?? '') };
    if (credentials && JSON.stringify(credentials) !== JSON.stringify(found)) {
      throw new Error('the NATS URLs name different credentials: give every server the same user and password (or token)');
    }
    credentials = found;
  }
  return { servers, ...credentials };
}
