import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority } from '@kairos/testing';

export interface TestTlsFiles {
  dir: string;
  caFile: string;
  /** A certificate for 127.0.0.1 / localhost (server and client use). */
  certFile: string;
  keyFile: string;
}

/** A throw-away CA (@kairos/testing's, made with openssl) and one certificate it signed, in a directory of their own. */
export function makeTlsFiles(name: string): TestTlsFiles {
  const dir = mkdtempSync(join(tmpdir(), `kairos-notify-${name}-`));
  const ca = createCertificateAuthority(dir, `${name}-ca`);
  const leaf = ca.server(name);
  return { dir, caFile: ca.certFile, certFile: leaf.certFile, keyFile: leaf.keyFile };
}
