import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A PEM certificate and its key, as files and as bytes (the SDKs take bytes, the CLI and servers paths). */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export interface TestCertificateAuthority extends CertificateFiles {
  /** A server certificate for 127.0.0.1 and localhost (and any extra DNS names), signed by this CA. */
  server(name: string, options?: { dnsNames?: readonly string[] }): CertificateFiles;
  /** A client certificate with subject CN=`commonName` (and O=`organization` when given), signed by this CA. */
  client(commonName: string, options?: { organization?: string }): CertificateFiles;
}

/**
 * A throw-away certificate authority made with `openssl` in `dir`, as an operator would: EC P-256 keys, a CA
 * with basicConstraints and keyUsage (rustls in the SDK core refuses one without), and leaves with
 * subjectAltNames and extendedKeyUsage (Go and rustls ignore the CN).
 */
export function createCertificateAuthority(dir: string, name = 'test-ca'): TestCertificateAuthority {
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.pem');
  openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30',
    '-keyout', caKey, '-out', caCert, '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  let serial = 1;
  const leaf = (file: string, subject: string, extensions: string): CertificateFiles => {
    const keyFile = join(dir, `${file}.key`);
    const csr = join(dir, `${file}.csr`);
    const certFile = join(dir, `${file}.pem`);
    const extFile = join(dir, `${file}.ext`);
    writeFileSync(extFile, extensions);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', subject]);
    openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-set_serial', String(serial++), '-days', '30', '-out', certFile, '-extfile', extFile]);
    return files(certFile, keyFile);
  };
  return {
    ...files(caCert, caKey),
    server(serverName, options = {}) {
      const dns = ['localhost', ...(options.dnsNames ?? [])].map((d) => `DNS:${d}`).join(',');
      return leaf(`server-${serverName}`, `/CN=${serverName}`, `subjectAltName=IP:127.0.0.1,${dns}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n`);
    },
    client(commonName, options = {}) {
      const subject = `${options.organization ? `/O=${options.organization}` : ''}/CN=${commonName}`;
      return leaf(`client-${commonName}`, subject, `extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n`);
    },
  };
}

function files(certFile: string, keyFile: string): CertificateFiles {
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
