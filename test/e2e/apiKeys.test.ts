import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection, Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresServer, type PostgresServer } from '@kairos/testing';
import { KAIROS_MAIN, REPO_ROOT, temporalCliPath, workPath } from '../src/harness/paths';
import { seconds } from '../src/harness/sdk';
import { rememberSecret } from '../src/harness/secrets';
import { startKairosDev, type KairosDev } from '../src/harness/servers';

const run = promisify(execFile);

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** `kairos api-key …` as a process: its exit code and output. */
async function apiKey(args: string[], env: Record<string, string> = {}): Promise<Output> {
  try {
    const { stdout, stderr } = await run(process.execPath, [KAIROS_MAIN, 'api-key', ...args], { timeout: 60_000, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The JSON audit lines of a command's stderr. */
const auditLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.audit === true);

const TOKEN = /^kairos_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A key made with `kairos api-key create` on the server's database: its token, id and secret. */
async function createKey(dbFile: string, ...args: string[]): Promise<{ token: string; id: string; secret: string; output: Output }> {
  const output = await apiKey(['create', '--db-filename', dbFile, ...args]);
  expect(output.code, output.stderr).toBe(0);
  const token = output.stdout.trim();
  const match = TOKEN.exec(token);
  expect(match, output.stdout).not.toBeNull();
  // Every log of the run is searched for it at the end, as for the suites' other secrets.
  rememberSecret(`API key ${match![1]}`, match![2]!);
  return { token, id: match![1]!, secret: match![2]!, output };
}

describe('kairos api-key create|list|revoke on the SQLite file of a running start-dev', () => {
  let server: KairosDev;
  const secrets: string[] = [];

  beforeAll(async () => {
    server = await startKairosDev({ kairosOnly: true });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    // Neither the server nor anything it logged ever saw a key's secret.
    for (const proc of server?.processes ?? []) {
      const log = readFileSync(proc.logFile, 'utf8');
      for (const secret of secrets) expect(log).not.toContain(secret);
    }
  });

  it('creates keys while the server serves, printing each key once and auditing without it', async () => {
    const ci = await createKey(server.dbFile!, '--permission', 'default:write', '--permission', 'temporal-system:read', '--description', 'CI deploys', '--expires-in', '720h');
    secrets.push(ci.secret);
    expect(ci.output.stdout).toBe(`${ci.token}\n`);
    expect(auditLines(ci.output.stderr)).toEqual([
      expect.objectContaining({ action: 'api-key.create', keyId: ci.id, permissions: ['default:write', 'temporal-system:read'], outcome: 'success' }),
    ]);
    expect(ci.output.stderr).not.toContain(ci.secret);

    const worker = await createKey(server.dbFile!, '--permission', 'default:worker');
    secrets.push(worker.secret);
    expect(worker.id).not.toBe(ci.id);

    // The server kept serving on the same file meanwhile.
    const connection = await Connection.connect({ address: server.address });
    try {
      const ns = await new Client({ connection }).workflowService.describeNamespace({ namespace: 'default' });
      expect(ns.namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }

    const listed = await apiKey(['list', '--db-filename', server.dbFile!, '--output', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    const keys = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(keys.find((k) => k.id === ci.id)).toMatchObject({ state: 'active', permissions: ['default:write', 'temporal-system:read'], description: 'CI deploys' });
    expect(keys.find((k) => k.id === ci.id)!.expiresAt).toEqual(expect.any(String));
    expect(keys.find((k) => k.id === worker.id)).toMatchObject({ state: 'active', permissions: ['default:worker'], description: '' });
    const table = await apiKey(['list', '--db-filename', server.dbFile!]);
    expect(table.stdout).toMatch(new RegExp(`^${ci.id}\\s+active\\s+\\S+\\s+\\S+\\s+default:write,temporal-system:read\\s+CI deploys$`, 'm'));
    for (const secret of secrets) expect(listed.stdout + table.stdout).not.toContain(secret);
  });

  it('revokes a key once, keeps the first revocation, and refuses an unknown id', async () => {
    const key = await createKey(server.dbFile!, '--permission', 'default:read');
    secrets.push(key.secret);
    const revoked = await apiKey(['revoke', key.id, '--db-filename', server.dbFile!]);
    expect(revoked).toMatchObject({ code: 0, stdout: `API key ${key.id} revoked\n` });
    expect(auditLines(revoked.stderr)).toEqual([expect.objectContaining({ action: 'api-key.revoke', keyId: key.id, permissions: ['default:read'], outcome: 'success' })]);
    const again = await apiKey(['revoke', key.id, '--db-filename', server.dbFile!]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^API key ${key.id} was already revoked at `));

    const listed = JSON.parse((await apiKey(['list', '--db-filename', server.dbFile!, '--output', 'json'])).stdout) as Array<Record<string, unknown>>;
    expect(listed.find((k) => k.id === key.id)).toMatchObject({ state: 'revoked', revokedAt: expect.any(String) });

    const unknown = await apiKey(['revoke', '000000000000', '--db-filename', server.dbFile!]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('kairos: no API key has id "000000000000"');
    expect(auditLines(unknown.stderr)).toEqual([expect.objectContaining({ action: 'api-key.revoke', keyId: '000000000000', outcome: 'failure' })]);
  });

  it('refuses malformed permissions and a store it cannot find, creating nothing', async () => {
    const before = (await apiKey(['list', '--db-filename', server.dbFile!, '--output', 'json'])).stdout;
    const bad = await apiKey(['create', '--db-filename', server.dbFile!, '--permission', 'default', '--permission', 'default:owner']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('permission "default" must look like <namespace>:<read|write|worker|admin>');
    expect(bad.stderr).toContain('permission "default:owner" has an unknown role (read, write, worker or admin)');
    const missing = await apiKey(['create', '--db-filename', `${server.dbFile!}.typo`, '--permission', 'default:read']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no SQLite database at ${server.dbFile!}.typo`);
    expect((await apiKey(['list', '--db-filename', server.dbFile!, '--output', 'json'])).stdout).toBe(before);
  });
});

describe('kairos api-key on PostgreSQL, the store named by $KAIROS_POSTGRES_URL', () => {
  let postgres: PostgresServer;

  beforeAll(async () => {
    postgres = await startPostgresServer();
  }, 120_000);
  afterAll(async () => postgres?.stop());

  it('creates, lists and revokes keys in the database a cluster shares, never printing its password', async () => {
    const url = await postgres.createDatabase('api_keys_e2e');
    const env = { KAIROS_POSTGRES_URL: url };
    // A database without the schema is refused with the command that makes it.
    const early = await apiKey(['list'], env);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('run `kairos schema update');
    const setup = await run(process.execPath, [KAIROS_MAIN, 'schema', 'setup'], { env: { ...process.env, ...env }, timeout: 60_000 });
    expect(setup.stdout).toContain('migrated from version 0');

    const created = await apiKey(['create', '--permission', 'temporal-system:admin', '--description', 'bootstrap admin'], env);
    expect(created.code, created.stderr).toBe(0);
    const [, id, secret] = TOKEN.exec(created.stdout.trim())!;
    rememberSecret(`API key ${id}`, secret!);
    const listed = await apiKey(['list', '--output', 'json'], env);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id, state: 'active', permissions: ['temporal-system:admin'], description: 'bootstrap admin' })]);
    expect(await apiKey(['revoke', id!], env)).toMatchObject({ code: 0, stdout: `API key ${id} revoked\n` });
    expect(JSON.parse((await apiKey(['list', '--output', 'json'], env)).stdout)).toEqual([expect.objectContaining({ id, state: 'revoked' })]);
    expect((await apiKey(['revoke', 'nope'], env)).code).toBe(1);
    for (const output of [early, created, listed]) {
      expect(output.stdout + output.stderr).not.toContain(postgres.password);
      expect(output.stderr).not.toContain(secret);
    }
  });
});

/** A start-dev config authorizing calls with Temporal's default authorizer; API keys are on by default. */
function authorizingConfig(): string {
  const file = workPath(`api-keys-auth-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify({ authorization: { authorizer: 'default' } }));
  return file;
}

describe('API keys authenticate calls to an authorizing frontend', () => {
  let server: KairosDev;
  const connections: Connection[] = [];
  const secrets: string[] = [];

  beforeAll(async () => {
    server = await startKairosDev({ kairosOnly: true, authorizing: true, logLevel: 'debug', namespaces: ['other'], extraArgs: ['--config', authorizingConfig()] });
  }, 60_000);
  afterAll(async () => {
    for (const connection of connections) await connection.close();
    await server?.stop();
    // Refusals are logged at debug level with their reason, never with the key.
    for (const proc of server?.processes ?? []) {
      const log = readFileSync(proc.logFile, 'utf8');
      for (const secret of secrets) expect(log).not.toContain(secret);
    }
  });

  const key = async (...permissions: string[]) => {
    const made = await createKey(server.dbFile!, ...permissions.flatMap((p) => ['--permission', p]));
    secrets.push(made.secret);
    return made;
  };
  // The SDKs and the CLI turn TLS on by themselves when given an API key: this server is plaintext.
  const client = async (apiKeyToken?: string) => {
    const connection = await Connection.connect({ address: server.address, ...(apiKeyToken && { apiKey: apiKeyToken, tls: false }) });
    connections.push(connection);
    return new Client({ connection });
  };
  const outcome = (call: Promise<unknown>) =>
    call.then(
      () => 'ok',
      (err: { code?: number; details?: string }) => `${err.code}: ${err.details}`,
    );
  const describeNs = (c: Client, namespace: string) => outcome(c.workflowService.describeNamespace({ namespace }));

  it('admits a key to its namespaces only, refuses no key and a wrong secret, and a revoked key from the next call on', async () => {
    const reader = await key('default:read');
    const c = await client(reader.token);
    expect(await describeNs(c, 'default')).toBe('ok');
    expect(await describeNs(c, 'other')).toBe('7: Request unauthorized.'); // PERMISSION_DENIED, Temporal's words
    expect(await describeNs(await client(), 'default')).toBe('16: Request unauthenticated: no credentials were presented.');
    // An unknown id and a wrong secret are told apart by nothing.
    const wrongSecret = await describeNs(await client(`kairos_${reader.id}_${'A'.repeat(43)}`), 'default');
    expect(wrongSecret).toBe('16: Request unauthenticated: invalid API key.');
    expect(await describeNs(await client(`kairos_000000000000_${'A'.repeat(43)}`), 'default')).toBe(wrongSecret);
    expect(await describeNs(await client('kairos_truncated'), 'default')).toBe('16: Request unauthenticated: malformed API key.');

    // Revoked by another process, on the same store: refused at the very next call of the open connection.
    expect((await apiKey(['revoke', reader.id, '--db-filename', server.dbFile!])).code).toBe(0);
    expect(await describeNs(c, 'default')).toBe('16: Request unauthenticated: API key revoked.');
  });

  it('refuses a key once it expired', async () => {
    const shortLived = await createKey(server.dbFile!, '--permission', 'default:read', '--expires-in', '1s');
    secrets.push(shortLived.secret);
    const c = await client(shortLived.token);
    const expiresAt = Date.now() + 1000;
    // Refused once its second has passed (by the server's clock, which the command's shares).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 200));
    expect(await describeNs(c, 'default')).toBe('16: Request unauthenticated: API key expired.');
  });

  it('gives a temporal-system:admin key the cluster, and a worker key no terminate', async () => {
    const admin = await client((await key('temporal-system:admin')).token);
    const namespace = `api-key-ns-${Date.now()}`;
    expect(await outcome(admin.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: seconds(86_400) }))).toBe('ok');
    expect(await describeNs(admin, namespace)).toBe('ok');
    const worker = await client((await key(`${namespace}:worker`)).token);
    expect(await describeNs(worker, namespace)).toBe('ok');
    expect(await outcome(worker.workflowService.terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: 'any' } }))).toBe('7: Request unauthorized.');
  });

  it('runs a workflow from the Python SDK, client and worker each with a key', async () => {
    const [writer, worker] = [await key('default:write'), await key('default:worker')];
    const suffix = Date.now();
    const { stdout } = await run(
      join(REPO_ROOT, 'test/.venv/bin/python'),
      [join(REPO_ROOT, 'test/python/run_workflow_with_token.py'), server.address, 'default', `api-key-py-${suffix}`, `api-key-py-${suffix}`, 'python'],
      { cwd: join(REPO_ROOT, 'test/python'), timeout: 60_000, env: { ...process.env, KAIROS_TEST_CLIENT_TOKEN: writer.token, KAIROS_TEST_WORKER_TOKEN: worker.token } },
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ result: 'Hello, python!' });
  });

  it('the temporal CLI authenticates with --api-key', async () => {
    const writer = await key('default:write');
    const cli = (token: string) =>
      run(temporalCliPath(), ['operator', 'namespace', 'describe', '--namespace', 'default', '--address', server.address, '--api-key', token, '--tls=false', '-o', 'json'], {
        timeout: 60_000,
      });
    expect(JSON.parse((await cli(writer.token)).stdout).namespaceInfo.name).toBe('default');
    expect((await apiKey(['revoke', writer.id, '--db-filename', server.dbFile!])).code).toBe(0);
    const refused = await cli(writer.token).then(
      () => undefined,
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(refused).toMatch(/API key revoked/);
  });
});
