import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { ServerCredentials } from '@grpc/grpc-js';
import type { CertificateFilesWatcher, CertificateMaterial } from './certificateFiles';

/**
 * A TLS server identity whose certificates follow the files: gRPC credentials (grpc-js applies an
 * update to every listener with `setSecureContext`, so the next handshake uses it while open
 * connections keep theirs) and the same for an HTTPS server. With `requireClientAuth` a client
 * must present a certificate signed by the client CAs (Temporal's RequireAndVerifyClientCert);
 * otherwise none is asked for.
 */
export class ReloadableServerCredentials extends ServerCredentials {
  private readonly unsubscribe: () => void;

  constructor(
    private readonly watcher: CertificateFilesWatcher,
    readonly requireClientAuth: boolean,
  ) {
    super({ requestCert: requireClientAuth, rejectUnauthorized: true }, contextOptions(watcher.current, requireClientAuth));
    // The watcher hands over only files it has checked: grpc-js would drop new connections on a bad context.
    this.unsubscribe = watcher.onChange((material) => this.updateSecureContextOptions(contextOptions(material, requireClientAuth)));
  }

  /** Options for `https.createServer`, as the gRPC listener gets them. */
  httpsOptions(): TlsOptions {
    return { ...contextOptions(this.watcher.current, this.requireClientAuth), requestCert: this.requireClientAuth, rejectUnauthorized: true };
  }

  /** Called with each new secure context (for `server.setSecureContext`); returns the unsubscribe function. */
  onChange(listener: (options: SecureContextOptions) => void): () => void {
    return this.watcher.onChange((material) => listener(contextOptions(material, this.requireClientAuth)));
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }

  close(): void {
    this.unsubscribe();
  }
}

function contextOptions(material: CertificateMaterial, requireClientAuth: boolean): SecureContextOptions {
  return { cert: material.cert, key: material.key, ...(requireClientAuth && { ca: material.ca }) };
}
