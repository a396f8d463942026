import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startPostgresServer, type PostgresServer } from '@kairos/testing';
import { KAIROS_MAIN, workPath } from './paths';
import { freePort } from './ports';
import { spawnManaged, waitForPort, type ManagedProcess } from './processes';
import { startNatsServer, waitUntilServing, type KairosService, type NatsServer } from './servers';

const run = promisify(execFile);

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
  postgresUrl: string;
  nats: NatsServer;
  instances: ClusterInstance[];
  of(service: KairosService): ClusterInstance[];
  /** Starts one more instance of the service (scaling out). */
  add(service: KairosService): Promise<ClusterInstance>;
  stop(): Promise<void>;
}

export interface PostgresClusterOptions {
  frontend?: number;
  history?: number;
  matching?: number;
  numShards?: number;
}

/**
 * Kairos as production runs it: `kairos server start` processes for each service (any number of
 * each), a real PostgreSQL server (schema created by `kairos schema update`) and a real
 * nats-server. Every instance advertises its own address; nothing tells a process where the
 * others are except the store's membership table.
 */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const counts: Record<KairosService, number> = { frontend: options.frontend ?? 1, history: options.history ?? 2, matching: options.matching ?? 2 };
  const postgres = await startPostgresServer();
  const instances: ClusterInstance[] = [];
  let nats: NatsServer | undefined;
  try {
    const postgresUrl = await postgres.createDatabase(`cluster_${process.pid}_${Date.now()}`);
    await run(process.execPath, [KAIROS_MAIN, 'schema', 'update', '--store', postgresUrl]);
    nats = await startNatsServer();
    const natsUrl = nats.url;
    const name = `kairos-pg-cluster-${process.pid}-${Date.now()}`;

    const instance = async (service: KairosService, index: number): Promise<ClusterInstance> => {
      const port = await freePort();
      const metricsPort = await freePort();
      const address = `127.0.0.1:${port}`;
      const args = [
        KAIROS_MAIN, 'server', 'start',
        '--service', service,
        '--ip', '127.0.0.1',
        '--port', String(port),
        '--advertise-address', address,
        '--postgres-url', postgresUrl,
        '--nats-url', natsUrl,
        '--num-shards', String(options.numShards ?? 8),
        '--log-level', 'info',
        '--metrics-port', String(metricsPort),
      ];
      const launch = async () => {
        const proc = spawnManaged(`${name}-${service}-${index}`, process.execPath, args, workPath(`${name}-${service}-${index}.log`), 10_000);
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
      async stop() {
        for (const i of instances) i.signal('SIGCONT');
        await Promise.all(instances.map((i) => i.process.kill('SIGTERM')));
        await natsServer.stop();
        await postgres.stop();
      },
    };
  } catch (err) {
    await Promise.all(instances.map((i) => i.process.kill('SIGKILL')));
    await nats?.kill('SIGKILL');
    await postgres.stop();
    throw err;
  }
}
