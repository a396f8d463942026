import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '@kairos/testing';
import type { Logger } from '../logger';
import { CertificateFileError, CertificateFilesWatcher, readCertificateFiles } from './certificateFiles';

const dir = mkdtempSync(join(tmpdir(), 'kairos-tls-'));
const ca = createCertificateAuthority(dir, 'files-ca');

function recordingLogger(): Logger & { lines: Array<[string, string, Record<string, unknown> | undefined]> } {
  const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push([level, msg, fields]);
  const logger = { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger } as unknown as Logger & { lines: typeof lines };
  return logger;
}

describe('certificate files', () => {
  const a = ca.server('a');
  const b = ca.server('b');

  it('refuses a missing file and a key of another certificate, naming the files only', () => {
    expect(() => readCertificateFiles({ certFile: join(dir, 'none.pem'), keyFile: a.keyFile })).toThrow(new CertificateFileError(`cannot read the certificate file ${join(dir, 'none.pem')}: ENOENT`));
    expect(() => readCertificateFiles({ certFile: a.certFile, keyFile: b.keyFile })).toThrow(/^the TLS files .* are not usable: .*key values mismatch/);
    expect(() => readCertificateFiles({ caFiles: [a.keyFile] })).toThrow(CertificateFileError);
    expect(readCertificateFiles({ certFile: a.certFile, keyFile: a.keyFile, caFiles: [a.certFile, b.certFile] }).ca?.toString()).toContain('-----BEGIN CERTIFICATE-----');
  });

  it('takes new files when their bytes change, and keeps the last good set when they turn bad', () => {
    const [cert, key] = [join(dir, 'live.pem'), join(dir, 'live.key')];
    copyFileSync(a.certFile, cert);
    copyFileSync(a.keyFile, key);
    const logger = recordingLogger();
    const watcher = new CertificateFilesWatcher({ certFile: cert, keyFile: key }, { refreshIntervalMs: 0, logger, label: 'test' });
    const seen: string[] = [];
    watcher.onChange((m) => seen.push(m.cert!.toString()));
    expect(watcher.refresh()).toBe(false);

    copyFileSync(b.keyFile, key);
    copyFileSync(b.certFile, cert);
    expect(watcher.refresh()).toBe(true);
    expect(seen).toHaveLength(1);
    expect(watcher.current.cert?.toString()).toContain('BEGIN CERTIFICATE');

    writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nsecret-looking-junk\n-----END CERTIFICATE-----\n');
    expect(watcher.refresh()).toBe(false);
    expect(seen).toHaveLength(1);
    expect(watcher.current.cert?.equals(Buffer.from(seen[0]!))).toBe(true);
    const warning = logger.lines.find(([level]) => level === 'warn');
    expect(warning?.[1]).toBe('failed to load TLS certificates, keeping the ones in use');
    expect(JSON.stringify(logger.lines)).not.toContain('secret-looking-junk');
    watcher.close();
  });
});
