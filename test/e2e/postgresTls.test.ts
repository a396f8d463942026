import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificateAuthority } from '../src/harness/certificates';
import { startPostgresCluster, type PostgresCluster } from '../src/harness/cluster';
import { KAIROS_MAIN } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { eventTypes, fetchHistory, ONE_ACTIVITY_EVENT_TYPES, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};

/** `kairos server start --service history` with $KAIROS_POSTGRES_URL = url, to its exit (or 30 s). */
async function startHistoryWith(url: string): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KAIROS_MAIN, 'server', 'start', '--service', 'history', '--port', String(port), '--nats-url', 'nats://127.0.0.1:1'], {
      env: { ...process.env, KAIROS_POSTGRES_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('PostgreSQL over TLS (sslmode=verify-full, sslrootcert in the URL)', () => {
  const ca = createTestCertificateAuthority('pg-tls');
  const otherCa = createTestCertificateAuthority('pg-tls-other');
  const serverCert = ca.server('postgres');
  let cluster: PostgresCluster;

  beforeAll(async () => {
    cluster = await startPostgresCluster({ history: 1, matching: 1, postgresTls: { certFile: serverCert.certFile, keyFile: serverCert.keyFile, caFile: ca.certFile } });
  });

  afterAll(async () => {
    // Also fails when the PostgreSQL password shows in any log.
    await cluster?.stop();
  });

  it('runs the TypeScript workflow with an activity, every Kairos connection encrypted', async () => {
    expect(cluster.postgresUrl).toContain(`sslmode=verify-full&sslrootcert=${ca.certFile}`);
    const suffix = `${Date.now()}`;
    const taskQueue = `pg-tls-${suffix}`;
    const workflowId = `pg-tls-wf-${suffix}`;
    const result = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities }, (client) =>
      client.workflow.execute('greetSeveral', { taskQueue, workflowId, args: ['Hello', 'postgres', '!'] }),
    );
    expect(result).toBe('Hello, postgres!');
    expect(eventTypes(await fetchHistory(cluster.address, workflowId))).toEqual(ONE_ACTIVITY_EVENT_TYPES);

    const client = new Client({ connectionString: cluster.postgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ ssl: boolean }>(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'kairos'",
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.ssl)).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('refuses to start with a CA that did not sign the server certificate, saying why without the password', async () => {
    const wrongCa = cluster.postgresUrl.replace(ca.certFile, otherCa.certFile);
    const { code, output } = await startHistoryWith(wrongCa);
    expect(code).not.toBe(0);
    expect(output).toMatch(/cannot open PostgreSQL database postgres:\/\/kairos:\*\*\*@127\.0\.0\.1:\d+\/\S+sslrootcert=\S+/);
    expect(output).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE: the server's TLS certificate is not signed by the CA in sslrootcert/);
    expect(output).not.toContain(cluster.postgres.password);
    expect(output).not.toContain('history started');
  });

  it('is refused by the server without TLS (sslmode=disable), again without the password', async () => {
    const plain = cluster.postgresUrl.replace(/\?.*$/, '?sslmode=disable');
    const { code, output } = await startHistoryWith(plain);
    expect(code).not.toBe(0);
    // pg_hba takes TCP connections only over TLS.
    expect(output).toMatch(/no encryption/);
    expect(output).not.toContain(cluster.postgres.password);
  });
});
