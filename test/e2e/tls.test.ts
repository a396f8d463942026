import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection, type TLSConfig } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawHealthClient, type RawClientTls } from '@kairos/testing';
import { createTestCertificateAuthority, type CertificateFiles } from '../src/harness/certificates';
import { REPO_ROOT, temporalCliPath, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { eventTypes, ONE_ACTIVITY_EVENT_TYPES, withWorker } from '../src/harness/sdk';
import { startKairosCluster, startKairosDev, type KairosCluster, type KairosDev } from '../src/harness/servers';
import { secretsInLogs } from '../src/harness/secrets';
import { until, untilAsync } from '../src/harness/waiting';

// TLS and mTLS on the frontend (gRPC and the HTTP API) and between a cluster's services, with the
// official TypeScript and Python SDKs and the CLI, and certificates made by a throw-away CA.
const run = promisify(execFile);
const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};

const ca = createTestCertificateAuthority('kairos-ca');
const otherCa = createTestCertificateAuthority('other-ca');
const client = ca.client('worker-a', { organization: 'kairos-tests' });
const stranger = otherCa.client('stranger');

const sdkTls = (clientCert?: CertificateFiles): TLSConfig => ({
  serverRootCACertificate: ca.cert,
  serverNameOverride: 'localhost',
  ...(clientCert && { clientCertPair: { crt: clientCert.cert, key: clientCert.key } }),
});

/** Connects with the TS client and asks for the system info; the error when refused. */
async function connectError(address: string, tls: TLSConfig | undefined): Promise<unknown> {
  try {
    const connection = await Connection.connect({ address, tls, connectTimeout: 3_000 });
    try {
      await connection.withDeadline(Date.now() + 3_000, () => connection.workflowService.getSystemInfo({}));
    } finally {
      await connection.close();
    }
  } catch (err) {
    return err;
  }
  return undefined;
}

/** One TS SDK worker and client run a workflow with an activity; its result and event types. */
async function runTsWorkflow(address: string, tls: TLSConfig, taskQueue: string): Promise<{ result: string; events: string[] }> {
  return withWorker({ address, taskQueue, workflowsPath, activities, tls }, async (c) => {
    const handle = await c.workflow.start('greetOne', { taskQueue, workflowId: `${taskQueue}-wf`, args: ['TLS'] });
    const result = await handle.result();
    return { result, events: eventTypes(await handle.fetchHistory()) };
  });
}

/** The Python SDK's client and worker run YourWorkflow (one activity) over TLS. */
async function runPythonWorkflow(address: string, taskQueue: string, clientCert?: CertificateFiles): Promise<unknown> {
  const { stdout } = await run(join(REPO_ROOT, 'test/.venv/bin/python'), [join(REPO_ROOT, 'test/python/run_workflow.py'), address, taskQueue, `${taskQueue}-wf`, 'Python'], {
    cwd: join(REPO_ROOT, 'test/python'),
    timeout: 120_000,
    env: {
      ...process.env,
      KAIROS_TLS_CA: ca.certFile,
      KAIROS_TLS_SERVER_NAME: 'localhost',
      ...(clientCert && { KAIROS_TLS_CERT: clientCert.certFile, KAIROS_TLS_KEY: clientCert.keyFile }),
    },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** The official CLI with its TLS flags; stdout, or the failure's stderr. */
async function cli(address: string, args: string[], clientCert?: CertificateFiles): Promise<{ ok: boolean; out: string }> {
  const tlsArgs = ['--tls-ca-path', ca.certFile, '--tls-server-name', 'localhost', ...(clientCert ? ['--tls-cert-path', clientCert.certFile, '--tls-key-path', clientCert.keyFile] : [])];
  try {
    const { stdout } = await run(temporalCliPath(), [...args, '--address', address, ...tlsArgs], { timeout: 60_000 });
    return { ok: true, out: stdout };
  } catch (err) {
    return { ok: false, out: (err as { stderr?: string }).stderr ?? String(err) };
  }
}

/** The CLI starts a workflow and describes it. */
async function cliStartAndDescribe(address: string, workflowId: string, clientCert?: CertificateFiles): Promise<unknown> {
  const started = await cli(address, ['workflow', 'start', '--type', 'greetOne', '--task-queue', 'cli-tls', '--workflow-id', workflowId, '--input', '"CLI"'], clientCert);
  expect(started).toMatchObject({ ok: true });
  const described = await cli(address, ['workflow', 'describe', '--workflow-id', workflowId, '-o', 'json'], clientCert);
  expect(described).toMatchObject({ ok: true });
  const info = (JSON.parse(described.out) as { workflowExecutionInfo: { execution: { workflowId: string }; type: { name: string } } }).workflowExecutionInfo;
  return { workflowId: info.execution.workflowId, type: info.type.name };
}

/** The certificate the server presents to a new TLS connection (its subject CN). */
function presentedCommonName(port: number, clientCert: CertificateFiles): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.cert, cert: clientCert.cert, key: clientCert.key, ALPNProtocols: ['h2'] }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.end();
      resolve(Array.isArray(cn) ? cn.join(',') : (cn ?? ''));
    });
    socket.once('error', reject);
  });
}

/** GET (or POST `body`) on the HTTP API over HTTPS, trusting the test CA. */
function httpsGet(url: string, clientCert?: CertificateFiles, post?: { body: string; headers?: Record<string, string> }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = { ca: ca.cert, servername: 'localhost', ...(clientCert && { cert: clientCert.cert, key: clientCert.key }), ...(post && { method: 'POST', headers: post.headers }) };
    const req = httpsRequest(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end(post?.body);
  });
}

describe('start-dev with TLS (--tls-cert-path, --tls-key-path)', () => {
  let server: KairosDev;
  beforeAll(async () => {
    const cert = ca.server('kairos-dev');
    server = await startKairosDev({ kairosOnly: true, httpPort: await freePort(), tls: { certFile: cert.certFile, keyFile: cert.keyFile, client: sdkTls() } });
  }, 90_000);
  afterAll(() => server?.stop());

  it('the TypeScript SDK client and worker run a workflow with an activity', async () => {
    expect(await runTsWorkflow(server.address, sdkTls(), `tls-ts-${Date.now()}`)).toEqual({ result: 'Hello, TLS!', events: [...ONE_ACTIVITY_EVENT_TYPES] });
  });

  it('the Python SDK client and worker run a workflow with an activity', async () => {
    expect(await runPythonWorkflow(server.address, `tls-py-${Date.now()}`)).toEqual({ result: 'Hello, Python!' });
  });

  it('the CLI starts and describes a workflow', async () => {
    const workflowId = `tls-cli-${Date.now()}`;
    expect(await cliStartAndDescribe(server.address, workflowId)).toEqual({ workflowId, type: 'greetOne' });
  });

  it('serves the HTTP API over HTTPS with the same certificate', async () => {
    const res = await httpsGet(`${server.httpUrl!}/api/v1/namespaces/default`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ namespaceInfo: { name: 'default' } });
    await expect(fetch(`${server.httpUrl!.replace('https:', 'http:')}/api/v1/namespaces/default`)).rejects.toThrow();
  });

  it('refuses a plaintext client, and a client that does not trust the certificate', async () => {
    expect(await connectError(server.address, undefined)).toBeInstanceOf(Error);
    expect(await connectError(server.address, { serverRootCACertificate: otherCa.cert, serverNameOverride: 'localhost' })).toBeInstanceOf(Error);
    // The control: the same call with the right CA succeeds.
    expect(await connectError(server.address, sdkTls())).toBeUndefined();
  });
});

describe('start-dev with mTLS (--tls-client-ca-path), certificates reloaded from disk', () => {
  let server: KairosDev;
  let certFile: string;
  let keyFile: string;
  beforeAll(async () => {
    // Files of its own, replaced by the reload test.
    const cert = ca.server('kairos-first');
    [certFile, keyFile] = [workPath(`tls-reload-${process.pid}.pem`), workPath(`tls-reload-${process.pid}.key`)];
    copyFileSync(cert.certFile, certFile);
    copyFileSync(cert.keyFile, keyFile);
    server = await startKairosDev({
      kairosOnly: true,
      httpPort: await freePort(),
      tls: { certFile, keyFile, clientCaFile: ca.certFile, refreshInterval: '200ms', client: sdkTls(client) },
    });
  }, 90_000);
  afterAll(() => server?.stop());

  it('the TypeScript SDK client and worker with a client certificate run a workflow with an activity', async () => {
    expect(await runTsWorkflow(server.address, sdkTls(client), `mtls-ts-${Date.now()}`)).toEqual({ result: 'Hello, TLS!', events: [...ONE_ACTIVITY_EVENT_TYPES] });
  });

  it('the Python SDK client and worker with a client certificate run a workflow with an activity', async () => {
    expect(await runPythonWorkflow(server.address, `mtls-py-${Date.now()}`, client)).toEqual({ result: 'Hello, Python!' });
  });

  it('the CLI with a client certificate starts and describes a workflow; without one it is refused', async () => {
    const workflowId = `mtls-cli-${Date.now()}`;
    expect(await cliStartAndDescribe(server.address, workflowId, client)).toEqual({ workflowId, type: 'greetOne' });
    const refused = await cli(server.address, ['workflow', 'describe', '--workflow-id', workflowId], undefined);
    expect(refused.ok).toBe(false);
  });

  it('refuses a client without a certificate, with one from another CA, and a plaintext client', async () => {
    expect(await connectError(server.address, sdkTls())).toBeInstanceOf(Error);
    expect(await connectError(server.address, sdkTls(stranger))).toBeInstanceOf(Error);
    expect(await connectError(server.address, undefined)).toBeInstanceOf(Error);
    expect(await connectError(server.address, sdkTls(client))).toBeUndefined();
    // The Python SDK without a certificate fails too.
    await expect(runPythonWorkflow(server.address, `mtls-py-refused-${Date.now()}`)).rejects.toThrow();
  });

  it('the HTTP API asks for the client certificate too', async () => {
    expect((await httpsGet(`${server.httpUrl!}/api/v1/namespaces/default`, client)).status).toBe(200);
    await expect(httpsGet(`${server.httpUrl!}/api/v1/namespaces/default`)).rejects.toThrow();
    await expect(httpsGet(`${server.httpUrl!}/api/v1/namespaces/default`, stranger)).rejects.toThrow();
  });

  it('a certificate replaced on disk is presented to the next connection', async () => {
    expect(await presentedCommonName(server.port, client)).toBe('kairos-first');
    const next = ca.server('kairos-second');
    // Key first: a poll between the two writes sees a mismatched pair and keeps the old one.
    copyFileSync(next.keyFile, keyFile);
    copyFileSync(next.certFile, certFile);
    await untilAsync(async () => (await presentedCommonName(server.port, client)) === 'kairos-second', 'the new certificate presented', 30_000);
    // The SDKs connect with it.
    expect(await connectError(server.address, sdkTls(client))).toBeUndefined();
  });

  it('a file that turns bad keeps the certificate in use and says so in the log, without the file', async () => {
    const log = server.processes[0]!.logFile;
    const junk = `-----BEGIN CERTIFICATE-----\nnot-a-certificate-${process.pid}\n-----END CERTIFICATE-----\n`;
    writeFileSync(certFile, junk);
    await until(() => readFileSync(log, 'utf8').includes('failed to load TLS certificates'), 'the warning logged', 30_000);
    expect(await presentedCommonName(server.port, client)).toBe('kairos-second');
    expect(await connectError(server.address, sdkTls(client))).toBeUndefined();
    // Neither the bad file nor any key is written to the log.
    const keys = { 'the bad file': `not-a-certificate-${process.pid}`, 'the server key': keyBody(keyFile), 'the client key': keyBody(client.keyFile) };
    expect(secretsInLogs([log], keys)).toEqual([]);
  });
});

/** The first line of a PEM key's base64 body (what would show, however escaped, if the key were logged). */
function keyBody(file: string): string {
  return readFileSync(file, 'utf8').split('\n').find((l) => l && !l.startsWith('-----'))!;
}

describe('mTLS subjects as credentials (authorization.tlsSubjectPermissions) on a TLS frontend', () => {
  const writer = ca.client('writer-a');
  const reader = ca.client('reader-b');
  let server: KairosDev;
  beforeAll(async () => {
    const cert = ca.server('kairos-authz');
    const configFile = workPath(`tls-authz-${process.pid}.json`);
    writeFileSync(
      configFile,
      JSON.stringify({ authorization: { authorizer: 'default', claimMapper: 'default', tlsSubjectPermissions: { 'CN=writer-a': ['default:write'], 'CN=reader-b': ['default:read'] } } }),
    );
    server = await startKairosDev({
      kairosOnly: true,
      authorizing: true,
      httpPort: await freePort(),
      tls: { certFile: cert.certFile, keyFile: cert.keyFile, clientCaFile: ca.certFile, client: sdkTls(writer) },
      extraArgs: ['--config', configFile],
    });
  }, 90_000);
  afterAll(() => server?.stop());

  it('a writer certificate runs a workflow with an activity; a reader certificate may read but not start', async () => {
    expect(await runTsWorkflow(server.address, sdkTls(writer), `mtls-authz-${Date.now()}`)).toEqual({ result: 'Hello, TLS!', events: [...ONE_ACTIVITY_EVENT_TYPES] });
    const connection = await Connection.connect({ address: server.address, tls: sdkTls(reader) });
    try {
      expect((await connection.workflowService.describeNamespace({ namespace: 'default' })).namespaceInfo?.name).toBe('default');
      const start = connection.workflowService.startWorkflowExecution({
        namespace: 'default',
        workflowId: `mtls-reader-${Date.now()}`,
        workflowType: { name: 'greetOne' },
        taskQueue: { name: 'mtls-reader' },
        requestId: crypto.randomUUID(),
      });
      await expect(start).rejects.toMatchObject({ code: 7, details: 'Request unauthorized.' });
    } finally {
      await connection.close();
    }
  });

  it('the HTTP API over mTLS maps the verified certificate as gRPC does; a subject named in metadata counts for nothing', async () => {
    const workflows = `${server.httpUrl!}/api/v1/namespaces/default/workflows`;
    expect((await httpsGet(workflows, reader)).status).toBe(200);
    const body = JSON.stringify({ workflowType: { name: 'greetOne' }, taskQueue: { name: 'mtls-http' }, input: ['x'] });
    const spoof = { 'Grpc-Metadata-kairos-peer-subject': 'CN=writer-a' };
    expect((await httpsGet(`${workflows}/mtls-http-r-${Date.now()}`, reader, { body, headers: spoof })).status).toBe(403);
    const connection = await Connection.connect({ address: server.address, tls: sdkTls(reader), metadata: { 'kairos-peer-subject': 'CN=writer-a' } });
    try {
      const start = connection.workflowService.startWorkflowExecution({
        namespace: 'default',
        workflowId: `mtls-spoof-${Date.now()}`,
        workflowType: { name: 'greetOne' },
        taskQueue: { name: 'mtls-spoof' },
        requestId: crypto.randomUUID(),
      });
      await expect(start).rejects.toMatchObject({ code: 7, details: 'Request unauthorized.' });
    } finally {
      await connection.close();
    }
    expect((await httpsGet(`${workflows}/mtls-http-w-${Date.now()}`, writer, { body })).status).toBe(200);
  });
});

describe('a cluster with internode mTLS, a TLS frontend and NATS over TLS with per-service users', () => {
  const internodeCa = createTestCertificateAuthority('kairos-internode-ca');
  const internode = internodeCa.server('kairos-internode', { dnsNames: ['kairos-internode'] });
  const frontendCert = ca.server('kairos-frontend');
  const natsCert = ca.server('nats');
  let cluster: KairosCluster;
  beforeAll(async () => {
    cluster = await startKairosCluster({
      natsServer: { tls: { certFile: natsCert.certFile, keyFile: natsCert.keyFile, caFile: ca.certFile }, perServiceUsers: { clusterName: 'kairos' } },
      tls: {
        frontendClient: sdkTls(),
        config: {
          refreshInterval: '1s',
          frontend: { server: { certFile: frontendCert.certFile, keyFile: frontendCert.keyFile } },
          internode: {
            server: { certFile: internode.certFile, keyFile: internode.keyFile, clientCaFiles: [internodeCa.certFile], requireClientAuth: true },
            // The addresses dialed are IPs: the certificate is checked for this name.
            client: { serverName: 'kairos-internode', rootCaFiles: [internodeCa.certFile] },
          },
        },
      },
    });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    // No private key in any service's log.
    expect(secretsInLogs(cluster.processes.map((p) => p.logFile), { 'the internode key': keyBody(internode.keyFile), 'the frontend key': keyBody(frontendCert.keyFile) })).toEqual([]);
  });

  it('runs a workflow with an activity through the frontend', async () => {
    const taskQueue = `internode-${Date.now()}`;
    const run = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities, tls: sdkTls() }, async (c) => {
      const handle = await c.workflow.start('greetOne', { taskQueue, workflowId: `${taskQueue}-wf`, args: ['cluster'] });
      return { result: await handle.result(), events: eventTypes(await handle.fetchHistory()) };
    });
    expect(run).toEqual({ result: 'Hello, cluster!', events: [...ONE_ACTIVITY_EVENT_TYPES] });
  });

  it('serves the frontend with TLS only', async () => {
    expect(await connectError(cluster.address, undefined)).toBeInstanceOf(Error);
    expect(await connectError(cluster.address, sdkTls())).toBeUndefined();
  });

  it('refuses direct calls to history and matching without the internode certificate', async () => {
    const check = async (address: string, tls?: RawClientTls): Promise<string> => {
      const health = rawHealthClient(address, tls);
      try {
        const res = await health.check({ deadline: Date.now() + 5_000 });
        return `status ${res.status}`;
      } catch (err) {
        return `refused: code ${(err as { code?: number }).code}`;
      } finally {
        health.close();
      }
    };
    for (const service of ['history', 'matching'] as const) {
      const address = cluster.addresses[service];
      expect(await check(address), `${service}, plaintext`).toMatch(/^refused/);
      expect(await check(address, { ca: internodeCa.cert, serverName: 'kairos-internode' }), `${service}, no certificate`).toMatch(/^refused/);
      expect(await check(address, { ca: internodeCa.cert, serverName: 'kairos-internode', cert: client.cert, key: client.key }), `${service}, another CA's certificate`).toMatch(/^refused/);
      // The control: the cluster's own identity is let in.
      expect(await check(address, { ca: internodeCa.cert, serverName: 'kairos-internode', cert: internode.cert, key: internode.key }), `${service}, internode certificate`).toBe('status 1');
    }
  });
});
