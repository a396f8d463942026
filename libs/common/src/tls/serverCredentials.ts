import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { CertificateFilesWatcher, CertificateMaterial } from './certificateFiles';

/**
 * A TLS server identity whose certificates follow the files: the options a gRPC or HTTPS server
 * starts with, and each new context as the files change (the servers apply it with
 * `setSecureContext`, so the next handshake uses it while open connections keep theirs). With
 * `requireClientAuth` a client must present a certificate signed by the client CAs (Temporal's
 * RequireAndVerifyClientCert); otherwise none is asked for.
 */
export class ReloadableServerCredentials {
  constructor(
    private readonly watcher: CertificateFilesWatcher,
    readonly requireClientAuth: boolean,
  ) {}

  /** Options for `http2.createSecureServer` or `https.createServer`. */
  httpsOptions(): TlsOptions {
    return { ...contextOptions(this.watcher.current, this.requireClientAuth), requestCert: this.requireClientAuth, rejectUnauthorized: true };
  }

  /**
   * Called with each new secure context (for `server.setSecureContext`); returns the unsubscribe
   * function. The watcher hands over only files it has checked: a bad context would drop new
   * connections.
   */
  onChange(listener: (options: SecureContextOptions) => void): () => void {
    return this.watcher.onChange((material) => listener(contextOptions(material, this.requireClientAuth)));
  }
}

function contextOptions(material: CertificateMaterial, requireClientAuth: boolean): SecureContextOptions {
  return { cert: material.cert, key: material.key, ...(requireClientAuth && { ca: material.ca }) };
}
