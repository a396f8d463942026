import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificateAuthority } from '../src/harness/certificates';
import { KAIROS_MAIN, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { eventTypes, fetchHistory, ONE_ACTIVITY_EVENT_TYPES, withWorker } from '../src/harness/sdk';
import { startKairosCluster, type KairosCluster } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};

/** Runs `kairos server start` to its exit (or 20 s) and returns its code and output. */
function runKairos(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KAIROS_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('cluster over NATS with TLS and one user per service, each limited to its subjects', () => {
  const ca = createTestCertificateAuthority('nats-security');
  const natsCert = ca.server('nats');
  let cluster: KairosCluster;

  beforeAll(async () => {
    cluster = await startKairosCluster({
      natsServer: { tls: { certFile: natsCert.certFile, keyFile: natsCert.keyFile, caFile: ca.certFile }, perServiceUsers: { clusterName: 'kairos' } },
    });
  });

  afterAll(async () => {
    // Also fails when any NATS password shows in a log.
    await cluster?.stop();
  });

  it('runs the TypeScript workflow with an activity to completion', async () => {
    const suffix = `${Date.now()}`;
    const taskQueue = `nats-tls-${suffix}`;
    const workflowId = `nats-tls-wf-${suffix}`;
    const result = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities }, (client) =>
      client.workflow.execute('greetSeveral', { taskQueue, workflowId, args: ['Hello', 'nats', '!'] }),
    );
    expect(result).toBe('Hello, nats!');
    expect(eventTypes(await fetchHistory(cluster.address, workflowId))).toEqual(ONE_ACTIVITY_EVENT_TYPES);
    for (const p of cluster.processes) expect(p.child.exitCode).toBeNull();
    // Each service is connected over TLS as its own user (nats-server lists the connections it refused, none here).
    for (const p of cluster.processes) expect(p.tail()).toContain('NATS connected');
  });

  it("refuses the frontend's credentials a task-added publish, and lets matching's through", async () => {
    const nats = cluster.nats!;
    const server = nats.address;
    const tls = { caFile: nats.caFile! };
    const asUser = async (url: string) => {
      const { username, password } = new URL(url);
      return connect({ servers: server, user: decodeURIComponent(username), pass: decodeURIComponent(password), tls });
    };
    const matching = await asUser(nats.serviceUrls!.matching);
    const frontend = await asUser(nats.serviceUrls!.frontend);
    try {
      const received: string[] = [];
      matching.subscribe('kairos.kairos.task-added', { callback: (_err, msg) => received.push(new TextDecoder().decode(msg.data)) });
      await matching.flush();
      const frontendErrors: string[] = [];
      void (async () => {
        for await (const s of frontend.status()) if (s.type === 'error') frontendErrors.push(String(s.data));
      })();
      frontend.publish('kairos.kairos.task-added', new TextEncoder().encode('injected-by-frontend'));
      await frontend.flush();
      // The frontend may not even listen to the task queues' notifications.
      const subscribeErrors: string[] = [];
      frontend.subscribe('kairos.kairos.task-added', { callback: (err) => err && subscribeErrors.push(String(err.code)) });
      await frontend.flush();
      const deadline = Date.now() + 10_000;
      while (!(frontendErrors.includes('PERMISSIONS_VIOLATION') && subscribeErrors.includes('PERMISSIONS_VIOLATION')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(frontendErrors).toContain('PERMISSIONS_VIOLATION');
      expect(subscribeErrors).toContain('PERMISSIONS_VIOLATION');
      // matching's own publish arrives; the frontend's never did (both went to the same subject, in order).
      const other = await asUser(nats.serviceUrls!.matching);
      other.publish('kairos.kairos.task-added', new TextEncoder().encode('from-matching'));
      await other.drain();
      while (!received.includes('from-matching') && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50));
      expect(received).toContain('from-matching');
      expect(received).not.toContain('injected-by-frontend');
    } finally {
      await Promise.all([matching.close(), frontend.close()]);
    }
  });

  it('takes no connection without credentials, nor without TLS', async () => {
    const nats = cluster.nats!;
    await expect(connect({ servers: nats.address, tls: { caFile: nats.caFile! }, timeout: 5_000 })).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    // Without the CA the server's certificate is not trusted: no plaintext fallback.
    const { username, password } = new URL(nats.serviceUrls!.history);
    await expect(connect({ servers: nats.address, user: username, pass: password, timeout: 5_000 })).rejects.toMatchObject({
      code: expect.stringMatching(/UNABLE_TO|SELF_SIGNED|CERT/),
    });
  });

  it('a service refused by NATS (wrong password) exits at start with the NATS code, without the password', async () => {
    const nats = cluster.nats!;
    const wrong = `nats://history:not-the-password-${Date.now()}@${nats.address}`;
    const configFile = workPath(`nats-refused-${process.pid}-${Date.now()}.json`);
    writeFileSync(configFile, JSON.stringify({ nats: { tls: { caFile: nats.caFile } } }), { mode: 0o600 });
    const { code, output } = await runKairos(
      ['server', 'start', '--service', 'history', '--config', configFile, '--port', String(await freePort()), '--db-filename', cluster.dbFile, '--log-level', 'info'],
      { KAIROS_NATS_URL: wrong },
    );
    expect(code).not.toBe(0);
    expect(output).toContain('AUTHORIZATION_VIOLATION');
    expect(output).toMatch(/NATS .*refused this process/);
    expect(output).not.toContain('not-the-password');
    // Nor did it start serving.
    expect(output).not.toContain('history started');
  });
});

describe('cluster over NATS with TLS and one nkey user per service (nats.nkeySeedFile)', () => {
  const ca = createTestCertificateAuthority('nats-nkeys');
  const natsCert = ca.server('nats');
  let cluster: KairosCluster;

  beforeAll(async () => {
    cluster = await startKairosCluster({
      natsServer: {
        tls: { certFile: natsCert.certFile, keyFile: natsCert.keyFile, caFile: ca.certFile },
        perServiceUsers: { clusterName: 'kairos', credentials: 'nkey' },
      },
    });
  });

  afterAll(async () => {
    // Also fails when a seed shows in any log.
    await cluster?.stop();
  });

  it('runs the TypeScript workflow with an activity to completion, each service connected with its seed', async () => {
    expect(Object.keys(cluster.nats!.secrets)).toEqual(expect.arrayContaining(['the NATS nkey seed of frontend', 'the NATS nkey seed of matching']));
    const suffix = `${Date.now()}`;
    const taskQueue = `nats-nkey-${suffix}`;
    const workflowId = `nats-nkey-wf-${suffix}`;
    const result = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities }, (client) =>
      client.workflow.execute('greetSeveral', { taskQueue, workflowId, args: ['Hello', 'nkeys', '!'] }),
    );
    expect(result).toBe('Hello, nkeys!');
    expect(eventTypes(await fetchHistory(cluster.address, workflowId))).toEqual(ONE_ACTIVITY_EVENT_TYPES);
    for (const p of cluster.processes) expect(p.tail()).toContain('NATS connected');
  });
});
