import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificateAuthority } from '../src/harness/certificates';
import { startPostgresCluster, type PostgresCluster } from '../src/harness/cluster';
import { KAIROS_MAIN, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { eventTypes, fetchHistory, ONE_ACTIVITY_EVENT_TYPES, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};

/**
 * `kairos server start --service history` with $KAIROS_POSTGRES_URL = url (or a config file), to
 * its exit, or until it says it started (then stopped with SIGTERM), or 30 s.
 */
async function startHistoryWith(url: string, extraArgs: string[] = []): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  return new Promise((resolve) => {
    const args = [KAIROS_MAIN, 'server', 'start', '--service', 'history', '--port', String(port), '--nats-url', 'nats://127.0.0.1:1', ...extraArgs];
    const child = spawn(process.execPath, args, { env: { ...process.env, ...(url && { KAIROS_POSTGRES_URL: url }) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('history started')) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
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

  it("takes Temporal's store.tls from the config file (caFile, enableHostVerification) instead of URL parameters", async () => {
    const plainUrl = cluster.postgresUrl.replace(/\?.*$/, '');
    const withTls = (caFile: string) => {
      const file = workPath(`pg-tls-config-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify({ store: { kind: 'postgres', url: plainUrl, tls: { enabled: true, caFile, enableHostVerification: true } } }), { mode: 0o600 });
      return ['--config', file];
    };
    const good = await startHistoryWith('', withTls(ca.certFile));
    expect(good.output).toContain('history started');
    expect(good.output).toContain(`sslmode=verify-full&sslrootcert=${ca.certFile}`);
    const bad = await startHistoryWith('', withTls(otherCa.certFile));
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    for (const output of [good.output, bad.output]) expect(output).not.toContain(cluster.postgres.password);
  });
});
