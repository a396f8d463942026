import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../logger';

/** Which files make up one TLS identity and/or trust set. */
export interface CertificateFileSet {
  certFile?: string;
  keyFile?: string;
  caFiles?: readonly string[];
}

/** The files' bytes; `ca` is every CA file concatenated. */
export interface CertificateMaterial {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/** A file that cannot be read or does not hold what it should; the message names the file, never its content. */
export class CertificateFileError extends Error {
  override readonly name = 'CertificateFileError';
}

/**
 * Reads the files and checks them as Node's TLS will use them (PEM parses, the key matches the
 * certificate), so a bad file is refused here rather than by a handshake.
 */
export function readCertificateFiles(files: CertificateFileSet): CertificateMaterial {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new CertificateFileError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  const material: CertificateMaterial = {
    ...(files.certFile !== undefined && { cert: read(files.certFile, 'certificate file') }),
    ...(files.keyFile !== undefined && { key: read(files.keyFile, 'key file') }),
    ...(files.caFiles && files.caFiles.length > 0 && { ca: Buffer.concat(files.caFiles.map((f) => read(f, 'CA file')).flatMap((b) => [b, Buffer.from('\n')])) }),
  };
  try {
    createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
  } catch (err) {
    // OpenSSL's reason (e.g. "key values mismatch", "no start line") says what is wrong without quoting the PEM.
    const names = [files.certFile, files.keyFile, ...(files.caFiles ?? [])].filter((f) => f !== undefined).join(', ');
    throw new CertificateFileError(`the TLS files ${names} are not usable: ${(err as Error).message}`);
  }
  if (material.ca && !/-----BEGIN CERTIFICATE-----/.test(material.ca.toString('latin1'))) {
    throw new CertificateFileError(`the CA files ${(files.caFiles ?? []).join(', ')} hold no PEM certificate`);
  }
  return material;
}

/**
 * Certificate files read at start (a problem throws) and, every `refreshIntervalMs` (0: never),
 * read again; listeners hear of new bytes only. A file that turns bad keeps the last good set in
 * use and logs a warning, as Temporal's refresh does.
 */
export class CertificateFilesWatcher {
  private material: CertificateMaterial;
  private readonly listeners = new Set<(material: CertificateMaterial) => void>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly files: CertificateFileSet,
    private readonly options: { refreshIntervalMs: number; logger: Logger; label: string },
  ) {
    this.material = readCertificateFiles(files);
    if (options.refreshIntervalMs > 0) {
      this.timer = setInterval(() => this.refresh(), options.refreshIntervalMs);
      // Never what keeps a process alive.
      this.timer.unref();
    }
  }

  get current(): CertificateMaterial {
    return this.material;
  }

  /** Called with each new set; returns the unsubscribe function. */
  onChange(listener: (material: CertificateMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the files now; true when they changed and were taken. */
  refresh(): boolean {
    let next: CertificateMaterial;
    try {
      next = readCertificateFiles(this.files);
    } catch (err) {
      this.options.logger.warn('failed to load TLS certificates, keeping the ones in use', { tls: this.options.label, error: (err as Error).message });
      return false;
    }
    if (sameBytes(next.cert, this.material.cert) && sameBytes(next.key, this.material.key) && sameBytes(next.ca, this.material.ca)) return false;
    this.material = next;
    this.options.logger.info('loaded new TLS certificates', { tls: this.options.label });
    for (const listener of this.listeners) listener(next);
    return true;
  }

  close(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }
}

function sameBytes(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}
