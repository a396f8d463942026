import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthCheckResponse_ServingStatus, HealthDefinition } from '@kairos/proto/grpc/health/v1/health';
import { noopLogger } from '../logger';
import { CertificateFilesWatcher, internodeClientTls, ReloadableServerCredentials } from '../tls';
import { createCertificateAuthority } from '@kairos/testing';
import { Http2Connection } from './http2Connection';
import { GrpcServer } from './server';
import { createUnaryClient } from './unaryClient';

const dir = mkdtempSync(join(tmpdir(), 'kairos-tls-creds-'));
const authority = (name: string) => createCertificateAuthority(mkdtempSync(join(dir, `${name}-`)), name);

describe.each([
  { http2: "Node's HTTP/2", ownHttp2: false },
  { http2: "Kairos's own HTTP/2", ownHttp2: true },
])("internode TLS between Kairos's HTTP/2 client and a server on $http2", ({ ownHttp2 }) => {
  const cluster = authority('cluster');
  const stranger = authority('stranger');
  const identity = cluster.server('internode', { dnsNames: ['kairos-internode'] });
  const foreign = stranger.server('foreign', { dnsNames: ['kairos-internode'] });
  // The client's identity files, replaced by the test.
  const [clientCert, clientKey] = [join(dir, 'client.pem'), join(dir, 'client.key')];
  let server: GrpcServer;
  let port: number;
  let serverWatcher: CertificateFilesWatcher;
  const health = { check: async () => ({ status: HealthCheckResponse_ServingStatus.SERVING }), watch: async function* () {} };

  beforeAll(async () => {
    serverWatcher = new CertificateFilesWatcher({ certFile: identity.certFile, keyFile: identity.keyFile, caFiles: [cluster.certFile] }, { refreshIntervalMs: 0, logger: noopLogger, label: 'server' });
    server = new GrpcServer({ maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 1 << 20, ownHttp2 });
    server.add(HealthDefinition, health);
    port = await server.listen('127.0.0.1:0', new ReloadableServerCredentials(serverWatcher, true));
  });
  afterAll(async () => {
    await server.shutdown();
    serverWatcher.close();
  });

  /** A health check on a new connection with the client files as they are now: 'SERVING' or the refusal's code. */
  async function check(options: { serverName?: string; disableHostVerification?: boolean }, watcher: CertificateFilesWatcher, serverPort = port): Promise<string> {
    const tls = internodeClientTls(watcher, options);
    const connection = new Http2Connection(`127.0.0.1:${serverPort}`, { maxMessageBytes: 1 << 20, connectTimeoutMs: 5_000, tls: () => tls.connectOptions() });
    try {
      const res = await createUnaryClient(HealthDefinition, connection).check({}, { signal: AbortSignal.timeout(5_000) });
      return res.status === HealthCheckResponse_ServingStatus.SERVING ? 'SERVING' : String(res.status);
    } catch (err) {
      return `refused ${(err as { code?: number }).code}`;
    } finally {
      connection.close();
    }
  }

  it('lets in the cluster identity, checks the server name, and follows the client files', async () => {
    copyFileSync(identity.certFile, clientCert);
    copyFileSync(identity.keyFile, clientKey);
    const watcher = new CertificateFilesWatcher({ certFile: clientCert, keyFile: clientKey, caFiles: [cluster.certFile] }, { refreshIntervalMs: 0, logger: noopLogger, label: 'client' });
    expect(await check({ serverName: 'kairos-internode' }, watcher)).toBe('SERVING');
    // Dialed by IP, the certificate carries no such name unless the override says so.
    expect(await check({ serverName: 'someone-else' }, watcher)).toBe('refused 14');
    expect(await check({ serverName: 'someone-else', disableHostVerification: true }, watcher)).toBe('SERVING');

    // Another CA's certificate as the client identity: the server refuses the handshake.
    copyFileSync(foreign.keyFile, clientKey);
    copyFileSync(foreign.certFile, clientCert);
    expect(watcher.refresh()).toBe(true);
    expect(await check({ serverName: 'kairos-internode' }, watcher)).toBe('refused 14');
    watcher.close();
  });

  it('a server without the client CA any more refuses the cluster identity from the next connection', async () => {
    const watcher = new CertificateFilesWatcher({ certFile: identity.certFile, keyFile: identity.keyFile, caFiles: [cluster.certFile] }, { refreshIntervalMs: 0, logger: noopLogger, label: 'client' });
    expect(await check({ serverName: 'kairos-internode' }, watcher)).toBe('SERVING');
    // The server's client CA replaced by the stranger's.
    const caFile = join(dir, 'server-ca.pem');
    copyFileSync(stranger.certFile, caFile);
    const moved = new CertificateFilesWatcher({ certFile: identity.certFile, keyFile: identity.keyFile, caFiles: [caFile] }, { refreshIntervalMs: 0, logger: noopLogger, label: 'server2' });
    const second = new GrpcServer({ maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 1 << 20, ownHttp2 });
    second.add(HealthDefinition, health);
    const secondPort = await second.listen('127.0.0.1:0', new ReloadableServerCredentials(moved, true));
    try {
      const dial = () => check({ serverName: 'kairos-internode' }, watcher, secondPort);
      expect(await dial()).toBe('refused 14');
      copyFileSync(cluster.certFile, caFile);
      expect(moved.refresh()).toBe(true);
      expect(await dial()).toBe('SERVING');
    } finally {
      await second.shutdown();
      moved.close();
      watcher.close();
    }
  });
});
