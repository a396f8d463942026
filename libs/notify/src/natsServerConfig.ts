import type { Topic } from './notifier';

export type NatsServiceRole = 'frontend' | 'history' | 'matching';

/**
 * The topics each service publishes and subscribes to (grep `notifier.publish`/`subscribe`):
 * history and matching announce membership changes, matching its backlog additions; the frontend only
 * follows membership (its cluster directory). A user limited to these cannot read workflow ids
 * or task-queue names it does not need, nor inject `task-added` unless it is matching.
 */
export const NATS_TOPICS_BY_ROLE: Readonly<Record<NatsServiceRole, { publish: readonly Topic[]; subscribe: readonly Topic[] }>> = {
  frontend: { publish: [], subscribe: ['membership-changed'] },
  // A run's changes wake only its own instance's long polls (historyWaiter.ts): nothing on NATS.
  history: { publish: ['membership-changed'], subscribe: ['membership-changed'] },
  matching: { publish: ['task-added', 'membership-changed'], subscribe: ['task-added', 'membership-changed'] },
};

/** One NATS user of a service: a user name and password (plaintext or a bcrypt hash from `nats server passwd`), or an nkey public key. */
export type NatsServiceUser = { role: NatsServiceRole } & ({ user: string; password: string } | { nkey: string });

export interface NatsServerConfigOptions {
  /** `host:port` the server listens on. */
  listen: string;
  /** Kairos' --cluster-name: subjects are `kairos.<clusterName>.<topic>`. */
  clusterName: string;
  users: readonly NatsServiceUser[];
  /** The server's certificate; with `caFile` and `verify`, clients must present a certificate signed by that CA. */
  tls?: { certFile: string; keyFile: string; caFile?: string; verify?: boolean };
}

/**
 * A nats-server (2.9+) configuration for a Kairos cluster: TLS when given, no anonymous access,
 * and each service's users limited to the subjects that service uses. Its text holds the
 * passwords given: write it to a file only its server can read.
 */
export function natsServerConfig(options: NatsServerConfigOptions): string {
  const subjects = (topics: readonly Topic[]) => topics.map((t) => quote(`kairos.${options.clusterName}.${t}`));
  // An empty allow list would be read as "no restriction"; deny everything instead.
  const rule = (topics: readonly Topic[]) => (topics.length > 0 ? `{ allow: [${subjects(topics).join(', ')}] }` : '{ deny: [">"] }');
  const lines = [`listen: ${quote(options.listen)}`];
  if (options.tls) {
    lines.push('tls {', `  cert_file: ${quote(options.tls.certFile)}`, `  key_file: ${quote(options.tls.keyFile)}`);
    if (options.tls.caFile) lines.push(`  ca_file: ${quote(options.tls.caFile)}`);
    if (options.tls.verify) lines.push('  verify: true');
    lines.push('  timeout: 2', '}');
  }
  lines.push('authorization {', '  users = [');
  for (const u of options.users) {
    const who = 'nkey' in u ? `nkey: ${quote(u.nkey)}` : `user: ${quote(u.user)}, password: ${quote(u.password)}`;
    const topics = NATS_TOPICS_BY_ROLE[u.role];
    lines.push(`    { ${who}, permissions: { publish: ${rule(topics.publish)}, subscribe: ${rule(topics.subscribe)} } }`);
  }
  lines.push('  ]', '}');
  return `${lines.join('\n')}\n`;
}

/** A double-quoted nats-server config string. */
function quote(value: string): string {
  if (/["\\\n]/.test(value)) throw new Error('nats-server config values cannot hold quotes, backslashes or newlines');
  return `"${value}"`;
}
