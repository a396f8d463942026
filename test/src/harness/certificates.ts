import { mkdtempSync } from 'node:fs';
import { createCertificateAuthority, type CertificateFiles, type TestCertificateAuthority } from '@kairos/testing';
import { workPath } from './paths';
import { rememberSecret } from './secrets';

export type { CertificateFiles, TestCertificateAuthority };

/**
 * A throw-away certificate authority under test/.work (see @kairos/testing's
 * createCertificateAuthority) whose private keys no server log may quote: each is remembered for
 * the check at the end of the run (test/src/globalSetup.ts).
 */
export function createTestCertificateAuthority(name = 'test-ca'): TestCertificateAuthority {
  const ca = createCertificateAuthority(mkdtempSync(workPath(`certs-${name}-`)), name);
  const remembered = (files: CertificateFiles) => {
    // The key's base64 body (its start is the same in every EC key: keep enough of it).
    rememberSecret('private key', files.key.toString('utf8').replace(/-----[^-]+-----|\s/g, '').slice(0, 96));
    return files;
  };
  remembered(ca);
  return {
    ...ca,
    server: (serverName, options) => remembered(ca.server(serverName, options)),
    client: (commonName, options) => remembered(ca.client(commonName, options)),
  };
}
