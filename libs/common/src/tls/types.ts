/**
 * TLS settings, named after Temporal's `global.tls` (common/config/config.go): a group (frontend,
 * internode) has a server side and, for internode, a client side.
 */
export interface ServerTlsConfig {
  /** PEM certificate chain this server presents. */
  certFile: string;
  /** PEM private key of `certFile`. */
  keyFile: string;
  /** CAs client certificates must be signed by; used only when `requireClientAuth`. */
  clientCaFiles?: string[];
  /** Temporal's RequireAndVerifyClientCert: a client without a certificate from `clientCaFiles` is refused at the handshake. */
  requireClientAuth?: boolean;
}

export interface ClientTlsConfig {
  /** The name the server's certificate must carry (internode addresses are pod IPs). */
  serverName?: string;
  /** CAs the server's certificate must be signed by; the system's when absent. */
  rootCaFiles?: string[];
  /** Skip checking the server's name (its chain is still verified). */
  disableHostVerification?: boolean;
}

export interface TlsConfig {
  /** How often the files are read again (ms); 0: never (certificates are read once at start). */
  refreshIntervalMs: number;
  /** The public gRPC port and Temporal's HTTP API. */
  frontend?: { server?: ServerTlsConfig };
  /** Between frontend, history and matching: history and matching serve `server`; every service dials them with `client`, presenting `server`'s certificate. */
  internode?: { server?: ServerTlsConfig; client?: ClientTlsConfig };
}
