import { rootCertificates, type ConnectionOptions } from 'node:tls';
import type { CertificateFilesWatcher } from './certificateFiles';

/** How this process dials history and matching instances over TLS. */
export interface InternodeClientTls {
  /** Options for the next connection, from the files as they are now (a reload applies to new connections). */
  connectOptions(): ConnectionOptions;
}

/**
 * The internode client side: the instance's certificate is checked against the root CAs and
 * `serverName` (the addresses dialed are pod IPs, so the name comes from config, as Temporal's
 * internode `client.serverName`), and this process presents the identity files (the internode
 * server certificate, as Temporal does).
 */
export function internodeClientTls(
  watcher: CertificateFilesWatcher,
  options: { serverName?: string; disableHostVerification?: boolean },
): InternodeClientTls {
  return {
    connectOptions() {
      const { ca, cert, key } = watcher.current;
      return {
        // No root CAs configured: trust the system's, as Node does by default.
        ca: ca ?? rootCertificates.join('\n'),
        ...(cert && key && { cert, key }),
        ...(options.serverName !== undefined && { servername: options.serverName }),
        // The chain is still verified; only the name check is skipped.
        ...(options.disableHostVerification && { checkServerIdentity: () => undefined }),
      };
    },
  };
}
