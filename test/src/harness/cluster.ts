import { writeFileSync } from 'node:fs';
import { startPostgresServer, type PostgresServer } from '@kairos/testing';
import { KAIROS_MAIN, workPath } from './paths';
import { freePort } from './ports';
import { spawnManaged, waitForPort, type ManagedProcess } from './processes';
import { secretsInLogs } from './secrets';
import { natsSecret, startNatsServer, waitUntilServing, type KairosService, type NatsServer } from './servers';

/** One process of the cluster; it can be killed, paused and started again on the same port. */
export interface ClusterInstance {
  service: KairosService;
  index: number;
  port: number;
  address: string;
  /** Its Prometheus endpoint, http://127.0.0.1:PORT (/metrics, /health/ready). */
  metricsUrl: string;
  process: ManagedProcess;
  /** Sends the signal (SIGKILL, SIGTERM, SIGSTOP, SIGCONT) without waiting for an exit. */
  signal(signal: NodeJS.Signals): void;
  /** Kills it (SIGKILL by default) and waits until it exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same flags and port (a new process, a new instance id). */
  restart(): Promise<void>;
}

export interface PostgresCluster {
  /** host:port of the first frontend. */
  address: string;
  postgres: PostgresServer;
  /** With the password. */
  postgresUrl: string;
  nats: NatsServer;
  instances: ClusterInstance[];
  of(service: KairosService): ClusterInstance[];
  /** Starts one more instance of the service (scaling out). */
  add(service: KairosService): Promise<ClusterInstance>;
  /** Every log of the cluster so far: each Kairos instance's, `kairos schema update`'s, NATS's and PostgreSQL's. */
  logFiles(): string[];
  /** Stops everything; fails if the PostgreSQL or NATS password shows in any of the logs. */
  stop(): Promise<void>;
}

export interface PostgresClusterOptions {
  frontend?: number;
  history?: number;
  matching?: number;
  numShards?: number;
  /** Added to every Kairos process's environment (e.g. OTEL_EXPORTER_OTLP_ENDPOINT). */
  env?: Record<string, string>;
  /**
   * PostgreSQL over TLS only, with this server certificate; the processes' URL then says
   * `?sslmode=verify-full&sslrootcert=CA`.
   */
  postgresTls?: { certFile: string; keyFile: string; caFile: string };
}

/**
 * Kairos as production runs it: `kairos server start` processes for each service (any number of
 * each), a real PostgreSQL server (schema created by `kairos schema update`) and a real
 * nats-server, both with passwords. As the Helm chart does, the PostgreSQL URL reaches each
 * process in $KAIROS_POSTGRES_URL and the NATS URL in its config file, never on a command line.
 * Every instance advertises its own address; nothing tells a process where the others are except
 * the store's membership table.
 */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const counts: Record<KairosService, number> = { frontend: options.frontend ?? 1, history: options.history ?? 2, matching: options.matching ?? 2 };
  const postgres = await startPostgresServer(options.postgresTls ? { tls: options.postgresTls } : {});
  const instances: ClusterInstance[] = [];
  let nats: NatsServer | undefined;
  const name = `kairos-pg-cluster-${process.pid}-${Date.now()}`;
  const schemaLog = workPath(`${name}-schema.log`);
  try {
    const postgresUrl = await postgres.createDatabase(`cluster_${process.pid}_${Date.now()}`);
    const env = { ...options.env, KAIROS_POSTGRES_URL: postgresUrl };
    const schema = spawnManaged(`${name}-schema`, process.execPath, [KAIROS_MAIN, 'schema', 'update'], schemaLog, 10_000, env);
    const schemaExit = await new Promise<number | null>((resolve) => schema.child.once('exit', (code) => resolve(code)));
    await schema.kill(); // already exited: only forgets it
    if (schemaExit !== 0) throw new Error(`kairos schema update failed (${schemaExit}):\n${schema.tail()}`);
    nats = await startNatsServer();
    const configFile = workPath(`${name}.json`);
    writeFileSync(configFile, JSON.stringify({ natsUrl: nats.url }), { mode: 0o600 });

    const instance = async (service: KairosService, index: number): Promise<ClusterInstance> => {
      const port = await freePort();
      const metricsPort = await freePort();
      const address = `127.0.0.1:${port}`;
      const args = [
        KAIROS_MAIN, 'server', 'start',
        '--service', service,
        '--config', configFile,
        '--ip', '127.0.0.1',
        '--port', String(port),
        '--advertise-address', address,
        '--num-shards', String(options.numShards ?? 8),
        '--log-level', 'info',
        '--metrics-port', String(metricsPort),
      ];
      const launch = async () => {
        const proc = spawnManaged(`${name}-${service}-${index}`, process.execPath, args, workPath(`${name}-${service}-${index}.log`), 10_000, env);
        await waitForPort(port, proc);
        return proc;
      };
      const self: ClusterInstance = {
        service,
        index,
        port,
        address,
        metricsUrl: `http://127.0.0.1:${metricsPort}`,
        process: await launch(),
        signal: (signal) => void self.process.child.kill(signal),
        kill: (signal = 'SIGKILL') => self.process.kill(signal),
        async restart() {
          self.process = await launch();
        },
      };
      return self;
    };

    for (const service of ['history', 'matching', 'frontend'] as const) {
      for (let i = 0; i < counts[service]; i++) instances.push(await instance(service, i));
    }
    const frontend = instances.find((i) => i.service === 'frontend')!;
    await waitUntilServing(frontend.address, { process: frontend.process });
    const natsServer = nats;
    const secrets = { 'the PostgreSQL password': postgres.password, ...natsSecret(natsServer.url) };
    const logFiles = () => [...instances.map((i) => i.process.logFile), schemaLog, natsServer.process.logFile, postgres.logFile];
    return {
      address: frontend.address,
      postgres,
      postgresUrl,
      nats: natsServer,
      instances,
      of: (service) => instances.filter((i) => i.service === service),
      async add(service) {
        const added = await instance(service, instances.filter((i) => i.service === service).length);
        instances.push(added);
        return added;
      },
      logFiles,
      async stop() {
        for (const i of instances) i.signal('SIGCONT');
        await Promise.all(instances.map((i) => i.process.kill('SIGTERM')));
        await natsServer.stop();
        // PostgreSQL's log goes with its directory: read every log before stopping it.
        const found = secretsInLogs(logFiles(), secrets);
        await postgres.stop();
        if (found.length > 0) throw new Error(`secrets written to server logs:\n${found.join('\n')}`);
      },
    };
  } catch (err) {
    await Promise.all(instances.map((i) => i.process.kill('SIGKILL')));
    await nats?.kill('SIGKILL');
    await postgres.stop();
    throw err;
  }
}
