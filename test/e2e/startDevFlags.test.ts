import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { oracleEnabled } from '../src/harness/oracle';
import { KAIROS_MAIN, REPO_ROOT, temporalCliPath, workPath } from '../src/harness/paths';
import { createTestCertificateAuthority } from '../src/harness/certificates';
import { freePort } from '../src/harness/ports';
import { withWorker } from '../src/harness/sdk';
import { spawnManaged, waitForPort } from '../src/harness/processes';
import { startKairosDev, startTemporalDev, waitUntilServing, type TestServer } from '../src/harness/servers';

// `kairos server start-dev` takes `temporal server start-dev`'s flags and each one does what it says:
// --search-attribute, --dynamic-config-value, --log-format, --metrics-port; the banner names the
// addresses; `npx kairos` runs from the repository.
const run = promisify(execFile);
const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = { greet: async (name: string) => `hello ${name}` };

/** A command that must fail at once: its exit code and what it wrote to stderr. */
async function failingStart(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(command, args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
  throw new Error(`${command} ${args.join(' ')} started instead of failing`);
}

/** The one-line problem each command prints: Temporal's `Error: …`, Kairos's `kairos: …`. */
const problem = (stderr: string) => /^(?:Error|kairos): (.*)$/m.exec(stderr)?.[1];

async function startOf(server: TestServer, workflowId: string): Promise<{ code?: number; details?: string }> {
  const connection = await Connection.connect({ address: server.address });
  try {
    await connection.workflowService.startWorkflowExecution({
      namespace: 'default',
      workflowId,
      workflowType: { name: 'greetOne' },
      taskQueue: { name: 'max-id-length' },
      requestId: crypto.randomUUID(),
    });
    return {};
  } catch (err) {
    const e = err as { code?: number; details?: string };
    return { code: e.code, details: e.details };
  } finally {
    await connection.close();
  }
}

describe('start-dev flags as temporal server start-dev takes them', () => {
  it('--search-attribute registers the attribute in every namespace created at start; a start sets it and a list query finds it', async () => {
    const server = await startKairosDev({ kairosOnly: true, namespaces: ['other'], extraArgs: ['--search-attribute', 'CustomerId=keyword', '--search-attribute', 'Amount=Int'] });
    try {
      const connection = await Connection.connect({ address: server.address });
      try {
        for (const namespace of ['default', 'other']) {
          const listed = await connection.operatorService.listSearchAttributes({ namespace });
          expect(listed.customAttributes).toMatchObject({ CustomerId: 2, Amount: 3 }); // KEYWORD, INT
        }
      } finally {
        await connection.close();
      }
      const taskQueue = `search-attribute-flag-${Date.now()}`;
      const workflowId = `search-attribute-flag-${Date.now()}`;
      await withWorker({ address: server.address, taskQueue, workflowsPath, activities }, async (client) => {
        await client.workflow.execute('greetOne', { taskQueue, workflowId, args: ['sa'], searchAttributes: { CustomerId: ['customer-7'], Amount: [42] } });
        const found: string[] = [];
        for await (const execution of client.workflow.list({ query: `CustomerId = 'customer-7' AND Amount > 40` })) found.push(execution.workflowId);
        expect(found).toEqual([workflowId]);
      });
      expect(server.processes[0]!.tail()).toMatch(/Search attributes:\s+CustomerId \(Keyword\), Amount \(Int\)/);
    } finally {
      await server.stop();
    }
  });

  it('--search-attribute in a bad form stops the start with the Temporal CLI’s words, and a name AddSearchAttributes refuses with its words', async () => {
    const port = String(await freePort());
    const kairos = (arg: string) => failingStart(process.execPath, [KAIROS_MAIN, 'server', 'start-dev', '--headless', '--in-memory', '--port', port, '--search-attribute', arg]);
    const missing = await kairos('Foo');
    expect(missing.code).not.toBe(0);
    expect(problem(missing.stderr)).toBe(`invalid search attributes: missing expected '=' in "Foo"`);
    const badType = await kairos('Foo=Bogus');
    expect(problem(badType.stderr)).toBe('invalid search attribute value type "Bogus"');
    if (oracleEnabled()) {
      for (const [arg, words] of [['Foo', missing], ['Foo=Bogus', badType]] as const) {
        const temporal = await failingStart(temporalCliPath(), ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', port, '--search-attribute', arg]);
        expect(problem(words.stderr), arg).toBe(problem(temporal.stderr));
      }
    }
    const reserved = await kairos('WorkflowId=Keyword');
    expect(reserved.code).toBe(1);
    expect(problem(reserved.stderr)).toBe('failed registering search attributes in namespace default: Search attribute WorkflowId is reserved by system.');
  });

  it('--dynamic-config-value limit.maxIDLength changes the id limit as on the Temporal dev server; an unknown key is refused by name', async () => {
    const kairos = await startKairosDev({ kairosOnly: true, extraArgs: ['--dynamic-config-value', 'limit.maxIDLength=40'] });
    const temporal = oracleEnabled() ? await startTemporalDev({ dynamicConfig: { 'limit.maxIDLength': 40 } }) : undefined;
    try {
      // Past 40 bytes (a request id, a UUID, is 36).
      const long = 'x'.repeat(41);
      const refused = await startOf(kairos, long);
      expect(refused).toEqual({ code: 3, details: 'WorkflowId exceeds maximum allowed length (41/40)' });
      expect(await startOf(kairos, 'x'.repeat(40))).toEqual({});
      if (temporal) {
        expect(refused).toEqual(await startOf(temporal, long));
      }
      expect(kairos.processes[0]!.tail()).toMatch(/Settings changed:\s+domain\.maxIdLength=40/);
    } finally {
      await Promise.all([kairos.stop(), temporal?.stop()]);
    }
    const unknown = await failingStart(process.execPath, [KAIROS_MAIN, 'server', 'start-dev', '--headless', '--in-memory', '--dynamic-config-value', 'no.such.key=1']);
    expect(problem(unknown.stderr)).toMatch(/^--dynamic-config-value: "no\.such\.key" is not a dynamic config key Kairos has; known: limit\.maxIDLength, /);
  });

  it('--dynamic-config-value limit.* keys (read by the limits every namespace gets) change them as on the Temporal dev server', async () => {
    const limits = { 'limit.blobSize.error': 300_000, 'limit.memoSize.error': 4_000, 'limit.historyCount.suggestContinueAsNew': 5 };
    const args = Object.entries(limits).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
    const kairos = await startKairosDev({ kairosOnly: true, extraArgs: args });
    const temporal = oracleEnabled() ? await startTemporalDev({ dynamicConfig: limits }) : undefined;
    const observe = async (server: TestServer) => {
      const connection = await Connection.connect({ address: server.address });
      try {
        const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
        return { blob: Number(described.namespaceInfo?.limits?.blobSizeLimitError), memo: Number(described.namespaceInfo?.limits?.memoSizeLimitError) };
      } finally {
        await connection.close();
      }
    };
    try {
      const onKairos = await observe(kairos);
      expect(onKairos).toEqual({ blob: 300_000, memo: 4_000 });
      if (temporal) expect(onKairos).toEqual(await observe(temporal));
      // The continue-as-new hint from 5 events on: a workflow that counts its own history sees it.
      const result = await withWorker(
        { address: kairos.address, taskQueue: 'dc-limits', workflowsPath: require.resolve('../workflows/eagerTasks.ts'), activities: { slowLocal: async () => 'ok' } },
        (client) => client.workflow.execute('suggestedContinueAsNew', { taskQueue: 'dc-limits', workflowId: 'dc-limits-can' }),
      );
      expect(result).toBe(true);
      expect(kairos.processes[0]!.tail()).toMatch(/limits\.historyCountSuggestContinueAsNew=5/);
    } finally {
      await Promise.all([kairos.stop(), temporal?.stop()]);
    }
  });

  it('--log-format json writes JSON lines, text (or pretty) key=value lines', async () => {
    for (const format of ['json', 'text', 'pretty'] as const) {
      const server = await startKairosDev({ kairosOnly: true, inMemory: true, logLevel: 'info', extraArgs: ['--log-format', format] });
      await server.stop();
      const lines = readFileSync(server.processes[0]!.logFile, 'utf8').split('\n');
      const started = lines.find((l) => l.includes('Kairos dev server started'));
      if (format === 'json') expect(JSON.parse(started!)).toMatchObject({ level: 'info', msg: 'Kairos dev server started' });
      else expect(started).toMatch(/^time=\S+ level=INFO msg="Kairos dev server started" address=127\.0\.0\.1:\d+ namespaces=/);
    }
  });

  it('--metrics-port serves Prometheus metrics of every service, named as Temporal names them; the banner shows the addresses', async () => {
    const metricsPort = await freePort();
    const server = await startKairosDev({ kairosOnly: true, inMemory: true, extraArgs: ['--metrics-port', String(metricsPort)] });
    try {
      const taskQueue = `metrics-flag-${Date.now()}`;
      await withWorker({ address: server.address, taskQueue, workflowsPath, activities }, async (client) =>
        client.workflow.execute('greetOne', { taskQueue, workflowId: `metrics-flag-${Date.now()}`, args: ['metrics'] }),
      );
      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toMatch(/^service_requests\{namespace="default",operation="StartWorkflowExecution",service_name="frontend"\} 1$/m);
      expect(text).toMatch(/^service_latency_count\{namespace="default",operation="RespondWorkflowTaskCompleted",service_name="frontend"\} \d+$/m);
      // Persistence series name the namespace the call was made for ("system" for the server's upkeep).
      expect(text).toMatch(/^persistence_requests\{namespace="default",operation="CreateWorkflowExecution",service_name="history"\} 1$/m);
      expect(text).toMatch(/^persistence_requests\{namespace="default",operation="[A-Z]\w+",service_name="matching"\} \d+$/m);
      expect(text).toMatch(/^persistence_requests\{namespace="system",operation="GetOrCreateShard",service_name="history"\} \d+$/m);
      expect(text).toMatch(/^poll_success\{namespace="default",taskqueue="metrics-flag-[^"]+",task_type="Workflow",service_name="matching"\} \d+$/m);
      expect(text).toMatch(/^workflow_success\{namespace="default",operation="CompletionStats",taskqueue="metrics-flag-[^"]+",workflowType="greetOne",service_name="history"\} 1$/m);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/health/ready`)).status).toBe(200);
      const banner = server.processes[0]!.tail();
      expect(banner).toContain(`Kairos Server:       ${server.address}`);
      expect(banner).toContain(`Kairos Metrics:      http://127.0.0.1:${metricsPort}/metrics`);
      expect(banner).toContain('Kairos Persistence:  SQLite in memory');
    } finally {
      await server.stop();
    }
  });

  it('--ip beyond loopback is refused without TLS, naming --tls-cert-path and --insecure; with --insecure it serves', async () => {
    const port = String(await freePort());
    const refused = await failingStart(process.execPath, [KAIROS_MAIN, 'server', 'start-dev', '--headless', '--in-memory', '--ip', '0.0.0.0', '--port', port]);
    expect(refused.code).toBe(2);
    expect(problem(refused.stderr)).toBe(
      '0.0.0.0 is not a loopback address: start-dev serves it only with TLS (--tls-cert-path FILE --tls-key-path FILE), or in plaintext with --insecure',
    );
    const proc = spawnManaged(`kairos-insecure-${process.pid}`, process.execPath, [KAIROS_MAIN, 'server', 'start-dev', '--headless', '--in-memory', '--ip', '0.0.0.0', '--insecure', '--port', port], workPath(`kairos-insecure-${process.pid}.log`));
    try {
      await waitForPort(Number(port), proc);
      await waitUntilServing(`127.0.0.1:${port}`, { process: proc });
      expect(proc.tail()).toContain(`Kairos Server:       0.0.0.0:${port}`);
    } finally {
      await proc.kill('SIGTERM');
    }
  });

  it('a TLS file that is missing or does not match its key stops the start, naming the files only', async () => {
    const port = String(await freePort());
    const start = (cert: string, key: string) => failingStart(process.execPath, [KAIROS_MAIN, 'server', 'start-dev', '--headless', '--in-memory', '--port', port, '--tls-cert-path', cert, '--tls-key-path', key]);
    const ca = createTestCertificateAuthority('start-dev-flags');
    const [one, two] = [ca.server('one'), ca.server('two')];
    const missing = await start('/nonexistent/server.pem', one.keyFile);
    expect(missing.code).toBe(1);
    expect(problem(missing.stderr)).toBe('tls.frontend.server: cannot read the certificate file /nonexistent/server.pem: ENOENT');
    const mismatched = await start(one.certFile, two.keyFile);
    expect(problem(mismatched.stderr)).toMatch(new RegExp(`^tls\\.frontend\\.server: the TLS files ${one.certFile}, ${two.keyFile} are not usable: .*key values mismatch`));
    expect(mismatched.stderr).not.toContain('BEGIN');
  });

  it('security settings that would change nothing stop the start: client-certificate permissions without mTLS, internode TLS, authorization without an authorizer', async () => {
    const port = String(await freePort());
    const start = async (config: object, extra: string[] = []) => {
      const file = workPath(`start-dev-noop-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(config));
      const failed = await failingStart(process.execPath, [KAIROS_MAIN, 'server', 'start-dev', '--headless', '--in-memory', '--port', port, '--config', file, ...extra]);
      expect(failed.code).toBe(2);
      return failed.stderr;
    };
    expect(await start({ authorization: { authorizer: 'default', tlsSubjectPermissions: { 'CN=w': ['default:write'] } } })).toContain(
      'authorization.tlsSubjectPermissions maps verified client certificates: it needs the frontend to require them',
    );
    expect(await start({ tls: { internode: { server: { certFile: 'a.pem', keyFile: 'a.key' } } } })).toContain(
      "tls.internode is for a cluster's services talking to each other; start-dev runs them in one process",
    );
    expect(await start({ authorization: { jwtKeyProvider: { keySourceURIs: ['https://idp/jwks.json'] } } })).toContain(
      'authorization has settings but no "authorizer": set "authorizer": "default"',
    );
  });

  it('`npx kairos` runs the command from the repository', async () => {
    const { stdout } = await run('npx', ['--no-install', 'kairos', '--help'], { cwd: REPO_ROOT, timeout: 60_000 });
    expect(stdout).toContain('Usage: kairos <command> [flags]');
    expect(stdout).toContain('--search-attribute <KEY=TYPE>');
  });
});
