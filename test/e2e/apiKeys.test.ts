import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Connection, Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresServer, type PostgresServer } from '@kairos/testing';
import { KAIROS_MAIN, temporalCliPath } from '../src/harness/paths';
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

/**
 * FOR THE LEAD — enable once the frontend authenticates: set AUTH_FLAGS to the start-dev flags
 * that turn authorization on with API keys (CredentialSources.apiKeys = apiKeyClaims(store)).
 * Until then these tests are skipped: they cannot pass against a frontend that accepts anyone.
 */
const AUTH_FLAGS: string[] | undefined = undefined;

describe.skipIf(AUTH_FLAGS === undefined)('API keys authenticate calls (needs the auth middleware wired)', () => {
  let server: KairosDev;

  beforeAll(async () => {
    server = await startKairosDev({ kairosOnly: true, namespaces: ['other'], extraArgs: AUTH_FLAGS });
  }, 60_000);
  afterAll(async () => server?.stop());

  // The SDKs and the CLI turn TLS on by themselves when given an API key: this server is plaintext.
  const client = async (apiKeyToken?: string) =>
    new Client({ connection: await Connection.connect({ address: server.address, ...(apiKeyToken && { apiKey: apiKeyToken, tls: false }) }) });
  const describeNs = async (c: Client, namespace: string) =>
    c.workflowService.describeNamespace({ namespace }).then(
      () => 'ok',
      (err: { code?: number; details?: string }) => `${err.code}: ${err.details}`,
    );

  it('admits a key to its namespace only, refuses no key, a wrong secret, and a revoked key from the next call on', async () => {
    const key = await createKey(server.dbFile!, '--permission', 'default:read');
    const c = await client(key.token);
    expect(await describeNs(c, 'default')).toBe('ok');
    expect(await describeNs(c, 'other')).toBe('7: Request unauthorized.'); // PERMISSION_DENIED
    expect(await describeNs(await client(), 'default')).toMatch(/^16: /); // UNAUTHENTICATED
    expect(await describeNs(await client(`kairos_${key.id}_${'A'.repeat(43)}`), 'default')).toMatch(/^16: .*invalid API key/);
    expect((await apiKey(['revoke', key.id, '--db-filename', server.dbFile!])).code).toBe(0);
    expect(await describeNs(c, 'default')).toMatch(/^16: .*API key revoked/);
  });

  it('the temporal CLI authenticates with --api-key', async () => {
    const key = await createKey(server.dbFile!, '--permission', 'default:write');
    const { stdout } = await run(temporalCliPath(), ['operator', 'namespace', 'describe', '--namespace', 'default', '--address', server.address, '--api-key', key.token, '--tls=false', '-o', 'json'], {
      timeout: 60_000,
    });
    expect(JSON.parse(stdout).namespaceInfo.name).toBe('default');
  });
});
