import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { startPostgresServer, type PostgresServer } from '@kairos/testing';
import { freePort } from '../servers';
import { KAIROS_MAIN, KAIROS_NODE_FLAG, killOnExit, launchTimed, type LaunchedServer } from './launch';

/**
 * Kairos in cluster mode on a real PostgreSQL: a throw-away server (@kairos/testing: initdb and
 * pg_ctl in a temporary directory; durability off, which reads do not notice), the schema made by
 * `kairos schema update`, a nats-server for the hints, and one `kairos server start` process per
 * service. The processes can be stopped and started again on the same database.
 */
export interface PostgresKairos {
  url: string;
  /** The frontend's address (valid while started). */
  address: string;
  /** Starts history, matching and frontend; returns the frontend's launch → serving time. */
  start(): Promise<LaunchedServer>;
  /** Stops the Kairos processes (PostgreSQL and NATS keep running). */
  stopKairos(): Promise<void>;
  /** Stops everything and removes PostgreSQL's directory. */
  stop(): Promise<void>;
}

function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}; see ${logFile}`))));
  });
}

export async function startPostgresKairos(workDir: string): Promise<PostgresKairos> {
  const postgres: PostgresServer = await startPostgresServer();
  let nats: ChildProcess | undefined;
  let running: LaunchedServer[] = [];
  try {
    const url = await postgres.createDatabase('kairos_bench');
    const env = { ...process.env, KAIROS_POSTGRES_URL: url };
    await runToEnd(process.execPath, [KAIROS_MAIN, 'schema', 'update'], env, join(workDir, 'schema.log'));
    const natsPort = await freePort();
    nats = killOnExit(spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)], { stdio: 'ignore' }));
    const natsUrl = `nats://127.0.0.1:${natsPort}`;
    let address = '';
    const self: PostgresKairos = {
      url,
      get address() {
        return address;
      },
      async start() {
        const frontendPort = await freePort();
        address = `127.0.0.1:${frontendPort}`;
        for (const service of ['history', 'matching'] as const) {
          const port = await freePort();
          const args = ['server', 'start', '--service', service, '--ip', '127.0.0.1', '--port', String(port), '--advertise-address', `127.0.0.1:${port}`, '--nats-url', natsUrl, '--log-level', 'warn'];
          // Not timed: launchTimed waits for the frontend's address, which these do not serve.
          const child = killOnExit(spawn(process.execPath, [KAIROS_NODE_FLAG, KAIROS_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env }));
          const log = createWriteStream(join(workDir, `${service}.log`), { flags: 'a' });
          child.stdout!.pipe(log);
          child.stderr!.pipe(log);
          running.push({
            address: `127.0.0.1:${port}`,
            pid: child.pid!,
            child,
            servingMs: 0,
            stop: async () => {
              if (child.exitCode !== null || child.signalCode !== null) return;
              const exited = new Promise<void>((r) => child.once('exit', () => r()));
              child.kill('SIGTERM');
              await exited;
            },
          });
        }
        const args = ['server', 'start', '--service', 'frontend', '--ip', '127.0.0.1', '--port', String(frontendPort), '--nats-url', natsUrl, '--log-level', 'warn'];
        const frontend = await launchTimed(process.execPath, [KAIROS_NODE_FLAG, KAIROS_MAIN, ...args], address, join(workDir, 'frontend.log'), env);
        running.push(frontend);
        return frontend;
      },
      async stopKairos() {
        for (const server of running.reverse()) await server.stop();
        running = [];
      },
      async stop() {
        await self.stopKairos();
        nats?.kill('SIGTERM');
        await postgres.stop();
      },
    };
    return self;
  } catch (err) {
    nats?.kill('SIGTERM');
    await postgres.stop();
    throw err;
  }
}
