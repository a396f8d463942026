import { readFileSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Long from 'long';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { status as Code } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTokenIssuer, tamperedToken, unsignedToken, type TestTokenIssuer } from '../src/harness/jwks';
import { join } from 'node:path';
import { REPO_ROOT, temporalCliPath, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { sample } from '../src/harness/prometheus';
import { quietRuntime, workflowBundle } from '../src/harness/sdk';
import { assertNoSecretsInLogs } from '../src/harness/secrets';
import { startKairosDev, type KairosDev } from '../src/harness/servers';
import { untilAsync } from '../src/harness/waiting';

/*
 * Authentication and authorization as Temporal's default JWT claim mapper and authorizer do them:
 * tokens signed by keys a local JWKS endpoint serves, permissions `<namespace>:<role>`, the
 * official SDKs and CLI sending `authorization: Bearer <token>`. Kairos answers a missing or
 * invalid token UNAUTHENTICATED (Temporal: PERMISSION_DENIED) and a refusal PERMISSION_DENIED
 * "Request unauthorized." as Temporal does.
 */

const run = promisify(execFile);
const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};
const AUDIENCE = 'kairos-e2e';
const A = 'auth-a';
const B = 'auth-b';

function authConfigFile(name: string, jwksUrl: string): string {
  const file = workPath(`${name}-${Date.now()}.json`);
  writeFileSync(
    file,
    JSON.stringify({ authorization: { authorizer: 'default', claimMapper: 'default', jwtKeyProvider: { keySourceURIs: [jwksUrl], refreshInterval: '1m' }, audience: AUDIENCE } }),
  );
  return file;
}

/** The gRPC status a raw WorkflowService call ended with (0 when it succeeded). */
async function statusOf(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
    return { code: 0, message: '' };
  } catch (err) {
    const e = err as { code?: number; details?: string; message: string };
    return { code: e.code ?? -1, message: e.details ?? e.message };
  }
}

describe('authorization: JWTs from a JWKS endpoint, per role and per namespace', () => {
  let issuer: TestTokenIssuer;
  let server: KairosDev;
  let metricsPort: number;
  const connections: Connection[] = [];
  const issued: string[] = [];
  const token = async (permissions: string[], extra: Parameters<TestTokenIssuer['sign']>[0] = {}) => {
    const jwt = await issuer.sign({ permissions, aud: AUDIENCE, ...extra });
    issued.push(jwt);
    return jwt;
  };
  const connect = async (jwt?: string) => {
    const connection = await Connection.connect({ address: server.address, ...(jwt !== undefined && { apiKey: jwt, tls: false }) });
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    issuer = await startTestTokenIssuer();
    // Debug logs: every refusal is logged, and none may quote a token.
    metricsPort = await freePort();
    server = await startKairosDev({
      kairosOnly: true,
      authorizing: true,
      logLevel: 'debug',
      namespaces: [A, B],
      extraArgs: ['--config', authConfigFile('auth-jwt', issuer.jwksUrl), '--metrics-port', String(metricsPort)],
    });
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await server?.stop();
    await issuer?.close();
    assertNoSecretsInLogs(server.processes.map((p) => p.logFile), Object.fromEntries(issued.map((jwt, i) => [`token ${i}`, jwt])));
  });

  it('runs a workflow with an activity: a writer starts it, a worker token polls and answers', async () => {
    quietRuntime();
    const taskQueue = `auth-${Date.now()}`;
    const workerConnection = await NativeConnection.connect({ address: server.address, apiKey: await token([`${A}:worker`]), tls: false });
    try {
      const worker = await Worker.create({ connection: workerConnection, namespace: A, taskQueue, workflowBundle: await workflowBundle(workflowsPath), activities });
      const client = new Client({ connection: await connect(await token([`${A}:write`])), namespace: A });
      const result = await worker.runUntil(client.workflow.execute('greetOne', { taskQueue, workflowId: `auth-wf-${Date.now()}`, args: ['auth'] }));
      expect(result).toBe('Hello, auth!');
    } finally {
      await workerConnection.close();
    }
  });

  it('runs a workflow from the Python SDK with tokens, and refuses its client a namespace it has no role in', async () => {
    const python = async (namespace: string, clientToken: string) => {
      const { stdout } = await run(
        join(REPO_ROOT, 'test/.venv/bin/python'),
        [join(REPO_ROOT, 'test/python/run_workflow_with_token.py'), server.address, namespace, `auth-py-${Date.now()}`, `auth-py-${Date.now()}`, 'python'],
        { cwd: join(REPO_ROOT, 'test/python'), timeout: 60_000, env: { ...process.env, KAIROS_TEST_CLIENT_TOKEN: clientToken, KAIROS_TEST_WORKER_TOKEN: await token([`${A}:worker`]) } },
      );
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string>;
    };
    expect(await python(A, await token([`${A}:write`]))).toEqual({ result: 'Hello, python!' });
    expect(await python(A, await token([`${B}:write`]))).toMatchObject({ status: 'PERMISSION_DENIED', message: 'Request unauthorized.' });
  });

  it('lets anyone check health and read the system info, and nothing else without a token', async () => {
    const anonymous = await connect();
    expect((await statusOf(anonymous.workflowService.getSystemInfo({}))).code).toBe(0);
    expect(await statusOf(anonymous.workflowService.describeNamespace({ namespace: A }))).toEqual({
      code: Code.UNAUTHENTICATED,
      message: 'Request unauthenticated: no credentials were presented.',
    });
  });

  it('refuses a worker token what a worker does not do: terminate, start, signal, list', async () => {
    const service = (await connect(await token([`${A}:worker`]))).workflowService;
    const denied = { code: Code.PERMISSION_DENIED, message: 'Request unauthorized.' };
    expect(await statusOf(service.terminateWorkflowExecution({ namespace: A, workflowExecution: { workflowId: 'any' } }))).toEqual(denied);
    expect(await statusOf(service.signalWorkflowExecution({ namespace: A, workflowExecution: { workflowId: 'any' }, signalName: 's' }))).toEqual(denied);
    expect(await statusOf(service.listWorkflowExecutions({ namespace: A }))).toEqual(denied);
    expect(
      await statusOf(service.startWorkflowExecution({ namespace: A, workflowId: 'w', workflowType: { name: 'greetOne' }, taskQueue: { name: 'q' }, requestId: 'r' })),
    ).toEqual(denied);
  });

  it("keeps a namespace's token out of another namespace: no read, signal or list of B", async () => {
    const writerOfA = (await connect(await token([`${A}:write`]))).workflowService;
    const started = await writerOfA.startWorkflowExecution({ namespace: A, workflowId: `a-only-${Date.now()}`, workflowType: { name: 'greetOne' }, taskQueue: { name: 'nobody' }, requestId: `${Date.now()}` });
    expect(started.runId).toBeTruthy();
    const denied = { code: Code.PERMISSION_DENIED, message: 'Request unauthorized.' };
    expect(await statusOf(writerOfA.listWorkflowExecutions({ namespace: B }))).toEqual(denied);
    expect(await statusOf(writerOfA.describeWorkflowExecution({ namespace: B, execution: { workflowId: 'x' } }))).toEqual(denied);
    expect(await statusOf(writerOfA.signalWorkflowExecution({ namespace: B, workflowExecution: { workflowId: 'x' }, signalName: 's' }))).toEqual(denied);
    expect(await statusOf(writerOfA.describeNamespace({ namespace: B }))).toEqual(denied);
    // A reader of A reads A but does not write it.
    const readerOfA = (await connect(await token([`${A}:read`]))).workflowService;
    expect((await statusOf(readerOfA.listWorkflowExecutions({ namespace: A }))).code).toBe(0);
    expect(await statusOf(readerOfA.terminateWorkflowExecution({ namespace: A, workflowExecution: { workflowId: 'x' } }))).toEqual(denied);
  });

  it('lets a system admin register namespaces, and no one else', async () => {
    const name = `auth-new-${Date.now()}`;
    const register = (service: Connection['workflowService']) => service.registerNamespace({ namespace: name, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
    const writer = (await connect(await token([`${A}:write`, `${name}:write`]))).workflowService;
    expect(await statusOf(register(writer))).toEqual({ code: Code.PERMISSION_DENIED, message: 'Request unauthorized.' });
    expect(await statusOf(writer.listNamespaces({}))).toEqual({ code: Code.PERMISSION_DENIED, message: 'Request unauthorized.' });
    const admin = (await connect(await token(['temporal-system:admin']))).workflowService;
    expect((await statusOf(register(admin))).code).toBe(0);
    const listed = await admin.listNamespaces({});
    expect(listed.namespaces.map((n) => n.namespaceInfo?.name)).toContain(name);
  });

  it('refuses expired, not-yet-valid, wrong-audience, unsigned, tampered and unknown-key tokens', async () => {
    const good = await token([`${A}:admin`]);
    const cases: Array<[string, string, string]> = [
      ['expired', await token([`${A}:admin`], { expiresIn: -60 }), 'token expired'],
      ['not yet valid', await token([`${A}:admin`], { notBeforeIn: 600 }), 'token not yet valid'],
      ['wrong audience', await issuer.sign({ permissions: [`${A}:admin`], aud: 'someone-else' }), 'token audience mismatch'],
      ['unsigned', unsignedToken({ sub: 'x', permissions: [`${A}:admin`], aud: AUDIENCE }), 'token signing algorithm not accepted'],
      ['tampered', tamperedToken(good, { sub: 'x', permissions: ['temporal-system:admin'], aud: AUDIENCE }), 'token signature invalid'],
      ['unknown key', await token([`${A}:admin`], { kid: 'rotated-away' }), 'token signing key not found'],
      ['not a token', 'garbage', 'malformed token'],
    ];
    for (const [what, jwt, reason] of cases) {
      const result = await statusOf((await connect(jwt)).workflowService.describeNamespace({ namespace: A }));
      expect(result, what).toEqual({ code: Code.UNAUTHENTICATED, message: `Request unauthenticated: ${reason}.` });
    }
    // The same claims, properly signed, with both algorithms.
    expect((await statusOf((await connect(good)).workflowService.describeNamespace({ namespace: A }))).code).toBe(0);
    const es256 = await token([`${A}:read`], { alg: 'ES256' });
    expect((await statusOf((await connect(es256)).workflowService.describeNamespace({ namespace: A }))).code).toBe(0);
  });

  it('accepts tokens signed by a key the identity provider adds, without waiting for the next refresh (a key rotation)', async () => {
    const kid = await issuer.addKey();
    const rotated = await token([`${A}:read`], { signingKid: kid });
    const connection = await connect(rotated);
    // A token naming an unknown key makes the server fetch the keys again (at most every 5 s).
    await untilAsync(async () => (await statusOf(connection.workflowService.describeNamespace({ namespace: A }))).code === 0, 'the rotated key fetched', 20_000, 500);
  });

  it('answers the official CLI by its token: allowed in its namespace, refused in another', async () => {
    const jwt = await token([`${A}:read`]);
    const cli = (namespace: string) =>
      run(temporalCliPath(), ['workflow', 'list', '--address', server.address, '--namespace', namespace, '--grpc-meta', `authorization=Bearer ${jwt}`, '--limit', '1'], { timeout: 30_000 });
    await expect(cli(A)).resolves.toBeDefined();
    await expect(cli(B)).rejects.toThrow(/Request unauthorized/);
  });

  it('writes an audit line for each administrative or destructive call, refused or not, with its principal and outcome', async () => {
    const workflowId = `audited-${Date.now()}`;
    const writer = (await connect(await token([`${A}:write`], { sub: 'alice' }))).workflowService;
    await writer.startWorkflowExecution({ namespace: A, workflowId, workflowType: { name: 'greetOne' }, taskQueue: { name: 'nobody' }, requestId: workflowId });
    await writer.terminateWorkflowExecution({ namespace: A, workflowExecution: { workflowId }, reason: 'audit test' });
    const worker = (await connect(await token([`${A}:worker`], { sub: 'bob' }))).workflowService;
    await statusOf(worker.terminateWorkflowExecution({ namespace: A, workflowExecution: { workflowId }, reason: 'not allowed' }));
    const audit = () =>
      readFileSync(server.processes[0]!.logFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"audit":true'))
        .map((line) => JSON.parse(line) as { operation: string; principal: { type: string; name: string }; request: Record<string, unknown>; outcome: string })
        .filter((entry) => entry.request.workflowId === workflowId);
    await untilAsync(async () => audit().length === 2, 'two audit lines', 10_000);
    expect(audit().map(({ operation, principal, request, outcome }) => ({ operation, principal, reason: request.reason, namespace: request.namespace, outcome }))).toEqual([
      { operation: 'TerminateWorkflowExecution', principal: { type: 'jwt', name: 'alice' }, reason: 'audit test', namespace: A, outcome: 'OK' },
      { operation: 'TerminateWorkflowExecution', principal: { type: 'jwt', name: 'bob' }, reason: 'not allowed', namespace: A, outcome: 'PERMISSION_DENIED' },
    ]);
  });

  it("counts refusals and decision times as Temporal's service_errors_unauthorized and service_authorization_latency, and audited calls", async () => {
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const before = await scrape();
    const reader = (await connect(await token([`${A}:read`]))).workflowService;
    await statusOf(reader.terminateWorkflowExecution({ namespace: A, workflowExecution: { workflowId: 'x' } }));
    await statusOf(reader.signalWorkflowExecution({ namespace: 'no-such-namespace', workflowExecution: { workflowId: 'x' }, signalName: 's' }));
    await reader.describeNamespace({ namespace: A });
    const labels = (namespace: string) => ({ namespace, operation: 'Authorization' });
    let after = '';
    await untilAsync(async () => {
      after = await scrape();
      return sample(after, 'service_errors_unauthorized', labels(A)) > sample(before, 'service_errors_unauthorized', labels(A));
    }, 'the refusal counted', 10_000);
    expect(sample(after, 'service_errors_unauthorized', labels(A)) - sample(before, 'service_errors_unauthorized', labels(A))).toBe(1);
    // A namespace that does not exist is no label of its own.
    expect(sample(after, 'service_errors_unauthorized', labels('no-such-namespace'))).toBe(0);
    expect(sample(after, 'service_errors_unauthorized', labels('_unknown_'))).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'service_authorization_latency_count', labels(A)) - sample(before, 'service_authorization_latency_count', labels(A))).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'kairos_audit_events', { operation: 'TerminateWorkflowExecution', outcome: 'PERMISSION_DENIED' })).toBeGreaterThanOrEqual(1);
  });

  it("passes the HTTP API's Authorization header on, as Temporal's grpc-gateway does", async () => {
    const http = await startKairosDevHttp();
    try {
      const url = `${http.httpUrl}/api/v1/namespaces/${A}/workflows`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${await token([`${B}:read`])}` } })).status).toBe(403);
      expect((await fetch(url, { headers: { authorization: `Bearer ${await token([`${A}:read`])}` } })).status).toBe(200);
    } finally {
      await http.stop();
    }
  });

  async function startKairosDevHttp(): Promise<KairosDev> {
    return startKairosDev({ kairosOnly: true, authorizing: true, namespaces: [A], httpPort: await freePort(), extraArgs: ['--config', authConfigFile('auth-http', issuer.jwksUrl)] });
  }
});

describe('authorization fails closed while the token signing keys cannot be fetched', () => {
  it('refuses every token until the JWKS endpoint answers, then accepts them', async () => {
    const issuer = await startTestTokenIssuer();
    await issuer.close();
    const server = await startKairosDev({ kairosOnly: true, authorizing: true, namespaces: [A], extraArgs: ['--config', authConfigFile('auth-closed', issuer.jwksUrl)] });
    try {
      const jwt = await issuer.sign({ permissions: [`${A}:read`], aud: AUDIENCE });
      const connection = await Connection.connect({ address: server.address, apiKey: jwt, tls: false });
      try {
        expect(await statusOf(connection.workflowService.describeNamespace({ namespace: A }))).toEqual({
          code: Code.UNAUTHENTICATED,
          message: 'Request unauthenticated: token signing keys are unavailable.',
        });
        await issuer.serve();
        await untilAsync(async () => (await statusOf(connection.workflowService.describeNamespace({ namespace: A }))).code === 0, 'the keys fetched once the endpoint answers', 30_000, 500);
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
      await issuer.close();
    }
  });
});
