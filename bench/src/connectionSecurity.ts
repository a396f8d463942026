import { readFileSync } from 'node:fs';

/** How the harness and its workers reach a server that requires TLS and a token on every call. */
export interface ConnectionSecurity {
  /** The CA that signed the server's certificate. */
  caFile: string;
  /** The name the server's certificate is for (the address is an IP). */
  serverName: string;
  /** Sent as `authorization: Bearer <token>` (a JWT). */
  token: string;
}

/** The SDK connection options for `security` (none for a plaintext server). */
export function connectionOptions(security: ConnectionSecurity | undefined): { tls?: { serverRootCACertificate: Buffer; serverNameOverride: string }; apiKey?: string } {
  if (!security) return {};
  return { tls: { serverRootCACertificate: readFileSync(security.caFile), serverNameOverride: security.serverName }, apiKey: security.token };
}

const ENV = 'KAIROS_BENCH_CONNECTION_SECURITY';

/** Hands `security` to a forked worker through its environment (a token stays off command lines). */
export function securityEnv(security: ConnectionSecurity | undefined): Record<string, string> {
  return security ? { [ENV]: JSON.stringify(security) } : {};
}

/** In a forked worker: what the harness handed it. */
export function securityFromEnv(): ConnectionSecurity | undefined {
  const value = process.env[ENV];
  return value ? (JSON.parse(value) as ConnectionSecurity) : undefined;
}
