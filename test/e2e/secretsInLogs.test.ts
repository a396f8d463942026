import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../src/harness/cluster';
import { KAIROS_MAIN, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { spawnManaged, waitForPort } from '../src/harness/processes';
import { withWorker } from '../src/harness/sdk';
import { secretsInLogs } from '../src/harness/secrets';

const run = promisify(execFile);
const workflowsPath = require.resolve('../workflows/activities.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the kairos command; its exit code and output, never throwing. */
async function kairos(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [KAIROS_MAIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

const count = (file: string, text: string) => readFileSync(file, 'utf8').split(text).length - 1;

/** Waits until the log has more than `seen` lines holding `text`. */
async function waitForLine(file: string, text: string, seen = 0, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (count(file, text) <= seen) {
    if (Date.now() > deadline) throw new Error(`no new "${text}" in ${file}`);
    await sleep(200);
  }
}

// Kairos's own behaviour: no secret in any log line, error, --help or metric.
describe('no secret in the logs', () => {
  it('a NATS URL with credentials is logged with its password masked', async () => {
    // NATS is not there (a closed port), so the service warns about the URL.
    const [port, natsPort] = [await freePort(), await freePort()];
    const secret = `s3cret-${Date.now()}`;
    const log = workPath(`secrets-history-${port}.log`);
    const proc = spawnManaged(
      'history (credentialed NATS)',
      process.execPath,
      [KAIROS_MAIN, 'server', 'start', '--service', 'history', '--port', String(port), '--db-filename', workPath(`secrets-${port}.db`), '--nats-url', `nats://kairos:${secret}@127.0.0.1:${natsPort}`],
      log,
    );
    try {
      await waitForPort(port, proc);
      await waitForLine(log, 'starting without NATS');
      const text = readFileSync(log, 'utf8');
      expect(text).toContain(`nats://kairos:***@127.0.0.1:${natsPort}`);
      // The command line the harness wrote at the top of the log is the only place it may appear.
      const serverOutput = text.split('\n').slice(1).join('\n');
      expect(serverOutput).not.toContain(secret);
    } finally {
      await proc.kill();
    }
  });

  describe('a PostgreSQL cluster whose PostgreSQL and NATS take passwords', () => {
    let cluster: PostgresCluster | undefined;

    afterAll(async () => {
      // stop() fails too if a log holds either password.
      await cluster?.stop();
    });

    it('writes neither password to any log or metric, through workflows, a NATS outage and a refused start', async () => {
      cluster = await startPostgresCluster({ frontend: 1, history: 1, matching: 1, numShards: 4 });
      const c = cluster;
      const secrets = { postgres: c.postgres.password, nats: c.nats.password };
      expect(c.postgresUrl).toContain(`:${secrets.postgres}@`);
      expect(c.nats.url).toContain(`:${secrets.nats}@`);

      const taskQueue = `secrets-${Date.now()}`;
      const activities = { greet: async (name: string) => `hello ${name}` };
      await withWorker({ address: c.address, taskQueue, workflowsPath, activities }, async (client) => {
        expect(await client.workflow.execute('greetOne', { taskQueue, workflowId: `${taskQueue}-before`, args: ['before'] })).toBe('hello before');
        // NATS goes away: every process warns, naming the NATS URL.
        const history = c.of('history')[0]!.process.logFile;
        const connections = count(history, 'NATS connected');
        await c.nats.stop();
        await waitForLine(history, 'NATS disconnected');
        expect(await client.workflow.execute('greetOne', { taskQueue, workflowId: `${taskQueue}-during`, args: ['during'] })).toBe('hello during');
        await c.nats.restart();
        await waitForLine(history, 'NATS connected', connections);
        expect(await client.workflow.execute('greetOne', { taskQueue, workflowId: `${taskQueue}-after`, args: ['after'] })).toBe('hello after');
      });
      expect(readFileSync(c.of('history')[0]!.process.logFile, 'utf8')).toContain(`nats://kairos:***@${c.nats.address}`);

      // A start refused by PostgreSQL (a wrong password) prints neither password.
      const wrong = `wrong-${Date.now()}`;
      const refused = await kairos(['server', 'start', '--service', 'history', '--port', String(await freePort()), '--nats-url', c.nats.url], {
        KAIROS_POSTGRES_URL: c.postgresUrl.replace(secrets.postgres, wrong),
      });
      expect(refused.code).not.toBe(0);
      expect(refused.output).toMatch(/password authentication failed/);
      for (const secret of [wrong, secrets.postgres, secrets.nats]) expect(refused.output).not.toContain(secret);

      // Metrics (operation, namespace and task-queue labels) hold neither.
      for (const instance of c.instances) {
        const metrics = await (await fetch(`${instance.metricsUrl}/metrics`)).text();
        expect(metrics).toContain('service_requests');
        for (const secret of Object.values(secrets)) expect(metrics).not.toContain(secret);
      }

      // Every log of the suite: each instance's, `kairos schema update`'s, nats-server's and PostgreSQL's.
      const logs = c.logFiles();
      expect(logs.length).toBe(6);
      expect(secretsInLogs(logs, secrets)).toEqual([]);
    });
  });

  it('--help, a refused flag and a failed start print no password', async () => {
    const secret = `s3cret-${Date.now()}`;
    const url = `postgres://kairos:${secret}@127.0.0.1:1/kairos`;
    // The help names $KAIROS_POSTGRES_URL, never its value.
    for (const command of [['--help'], ['server', 'start', '--help'], ['schema', 'update', '--help']]) {
      const help = await kairos(command, { KAIROS_POSTGRES_URL: url });
      expect(help.code).toBe(0);
      expect(help.output).toContain('KAIROS_POSTGRES_URL');
      expect(help.output).not.toContain(secret);
    }
    // A NATS URL refused by the config check is quoted with its password masked.
    const config = workPath(`secrets-config-${Date.now()}.json`);
    writeFileSync(config, JSON.stringify({ natsUrl: `nats://kairos:${secret}@nats host:4222` }));
    const badNats = await kairos(['server', 'start', '--service', 'history', '--db-filename', workPath('secrets-unused.db'), '--config', config]);
    expect(badNats.code).toBe(2);
    expect(badNats.output).toContain('NATS url "nats://kairos:***@nats host:4222" must look like nats://host:4222');
    expect(badNats.output).not.toContain(secret);
    // A start that cannot reach its database, the URL from a flag or the environment.
    for (const [args, env] of [
      [['--postgres-url', url], {}],
      [[], { KAIROS_POSTGRES_URL: url }],
    ] as const) {
      const failed = await kairos(['server', 'start', '--service', 'frontend', '--port', String(await freePort()), ...args], env);
      expect(failed.code).not.toBe(0);
      expect(failed.output).toContain('postgres://kairos:***@127.0.0.1:1/kairos');
      expect(failed.output).not.toContain(secret);
    }
    // kairos schema update on a database out of reach.
    const schema = await kairos(['schema', 'update', '--store', url]);
    expect(schema.code).not.toBe(0);
    expect(schema.output).toContain('postgres://kairos:***@127.0.0.1:1/kairos');
    expect(schema.output).not.toContain(secret);
  });
});
