import type { Logger } from '@kairos/common/logger';
import {
  CertificateFileError,
  CertificateFilesWatcher,
  internodeClientTls,
  ReloadableServerCredentials,
  type InternodeClientTls,
  type ServerTlsConfig,
  type TlsConfig,
} from '@kairos/common/tls';
import { ConfigError } from './config/configError';

/** What one process needs of the `tls` config; every part absent means plaintext there. */
export interface ProcessTls {
  /** The public gRPC port and the HTTP API. */
  frontend?: ReloadableServerCredentials;
  /** A history or matching port. */
  internodeServer?: ReloadableServerCredentials;
  /** Dialing history and matching. */
  internodeClient?: InternodeClientTls;
  /** Stops reading the files again. */
  close(): void;
}

/**
 * Reads the certificate files the process's roles use (a missing or bad file is a ConfigError
 * naming it) and watches them every `refreshInterval`.
 */
export function loadProcessTls(config: TlsConfig | undefined, roles: { frontend?: boolean; internodeServer?: boolean; internodeClient?: boolean }, logger: Logger): ProcessTls {
  const watchers: CertificateFilesWatcher[] = [];
  const watch = (label: string, files: ConstructorParameters<typeof CertificateFilesWatcher>[0]) => {
    try {
      const watcher = new CertificateFilesWatcher(files, { refreshIntervalMs: config?.refreshIntervalMs ?? 0, logger, label });
      watchers.push(watcher);
      return watcher;
    } catch (err) {
      if (err instanceof CertificateFileError) throw new ConfigError([`${label}: ${err.message}`]);
      throw err;
    }
  };
  const serverCredentials = (label: string, server: ServerTlsConfig) =>
    new ReloadableServerCredentials(
      watch(label, { certFile: server.certFile, keyFile: server.keyFile, caFiles: server.requireClientAuth ? server.clientCaFiles : undefined }),
      server.requireClientAuth === true,
    );
  const tls: ProcessTls = {
    close: () => {
      for (const w of watchers) w.close();
    },
  };
  const frontend = config?.frontend?.server;
  if (roles.frontend && frontend) tls.frontend = serverCredentials('tls.frontend.server', frontend);
  const internode = config?.internode;
  if (roles.internodeServer && internode?.server) tls.internodeServer = serverCredentials('tls.internode.server', internode.server);
  if (roles.internodeClient && internode?.server) {
    // One internode identity for both directions, as Temporal's: the client presents the server's certificate.
    const client = internode.client ?? {};
    const watcher = watch('tls.internode.client', { certFile: internode.server.certFile, keyFile: internode.server.keyFile, caFiles: client.rootCaFiles });
    tls.internodeClient = internodeClientTls(watcher, client);
  }
  return tls;
}
