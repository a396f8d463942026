import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestTlsFiles {
  dir: string;
  caFile: string;
  /** A certificate for 127.0.0.1 / localhost (server and client use). */
  certFile: string;
  keyFile: string;
}

/** A throw-away CA and one certificate it signed, made with openssl (EC P-256). */
export function makeTlsFiles(name: string): TestTlsFiles {
  const dir = mkdtempSync(join(tmpdir(), `kairos-notify-${name}-`));
  const file = (f: string) => join(dir, f);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...newKey, '-days', '2', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-subj', `/CN=${name}-ca`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', ...newKey, '-keyout', file('leaf.key'), '-out', file('leaf.csr'), '-subj', `/CN=${name}`]);
  writeFileSync(file('leaf.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl(['x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-set_serial', '1', '-days', '2',
    '-out', file('leaf.pem'), '-extfile', file('leaf.ext')]);
  return { dir, caFile: file('ca.pem'), certFile: file('leaf.pem'), keyFile: file('leaf.key') };
}
