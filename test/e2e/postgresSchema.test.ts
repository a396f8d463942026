import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SCHEMA_VERSION } from '@kairos/persistence';
import { startPostgresServer, type PostgresServer } from '@kairos/testing';
import { KAIROS_MAIN } from '../src/harness/paths';

const run = promisify(execFile);

/** Runs the kairos command; resolves with its exit code and output instead of throwing. */
async function kairos(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [KAIROS_MAIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('kairos schema setup|update against a real PostgreSQL server', () => {
  let postgres: PostgresServer;

  beforeAll(async () => {
    postgres = await startPostgresServer();
  }, 120_000);

  afterAll(async () => {
    await postgres?.stop();
  });

  it('refuses to serve a database without the schema, naming the command to run; schema setup creates it and update is idempotent', async () => {
    const url = await postgres.createDatabase('schema_e2e');
    // What the command prints names the database with its password masked.
    const shown = url.replace(`:${postgres.password}@`, ':***@');
    const refused = await kairos(['server', 'start', '--service', 'history', '--postgres-url', url, '--nats-url', 'nats://127.0.0.1:1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`no Kairos schema, this Kairos needs version ${POSTGRES_SCHEMA_VERSION}; run \`kairos schema update --store ${shown}\``);

    const setup = await kairos(['schema', 'setup', '--store', url]);
    expect(setup).toMatchObject({ code: 0 });
    expect(setup.stdout.trim()).toBe(`schema of ${shown} migrated from version 0 to ${POSTGRES_SCHEMA_VERSION}`);

    // Idempotent, as a Helm hook or a restarted job runs it again; the URL may come from the environment.
    const again = await kairos(['schema', 'update'], { KAIROS_POSTGRES_URL: url });
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout.trim()).toBe(`schema of ${shown} is current (version ${POSTGRES_SCHEMA_VERSION})`);
    for (const output of [refused, setup, again]) expect(output.stdout + output.stderr).not.toContain(postgres.password);
  });

  it('masks the password in what it prints, also when it fails', async () => {
    const url = await postgres.createDatabase('schema_e2e_password');
    const result = await kairos(['schema', 'setup', '--store', url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('kairos:***@');
    expect(result.stdout + result.stderr).not.toContain(postgres.password);
    // A wrong password: refused by the server, and neither password is printed.
    const wrong = await kairos(['schema', 'update', '--store', url.replace(postgres.password, 'hunter2')]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/password authentication failed/);
    expect(wrong.stdout + wrong.stderr).not.toMatch(new RegExp(`hunter2|${postgres.password}`));
  });

  it('fails with the reason when the database cannot be reached', async () => {
    const result = await kairos(['schema', 'update', '--store', 'postgres://kairos@127.0.0.1:1/nowhere']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/cannot connect to PostgreSQL database postgres:\/\/kairos@127\.0\.0\.1:1\/nowhere/);
  });
});
