import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';

/** A server process this tool launched, and how long it took to serve. */
export interface LaunchedServer {
  address: string;
  pid: number;
  child: ChildProcess;
  /** Launch → first successful DescribeNamespace('default'), in ms. */
  servingMs: number;
  stop(): Promise<void>;
}

export const REPO = resolve(__dirname, '../../..');
export const KAIROS_MAIN = join(REPO, 'services/kairos/dist/main.js');
/** The Node flag the `kairos` command runs the server with (services/kairos/bin/kairos.js). */
export const KAIROS_NODE_FLAG = '--max-semi-space-size=32';

export function temporalCli(): string {
  const cli = [process.env.TEMPORAL_CLI, join(REPO, 'test/.venv/bin/temporal')].find((p) => p && existsSync(p));
  if (!cli) throw new Error('the Temporal CLI is not installed: run scripts/setup.sh (or set TEMPORAL_CLI)');
  return cli;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portOpen(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.once('error', () => ok(false));
  });
}

/**
 * Waits until `address` answers DescribeNamespace('default'): the port is probed every 10 ms (a
 * gRPC channel's reconnect back-off would blur the figure), then calls are made until one succeeds.
 */
export async function waitServing(address: string, child: ChildProcess, timeoutMs = 180_000): Promise<void> {
  const port = Number(address.split(':')[1]);
  const deadline = Date.now() + timeoutMs;
  const alive = () => {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${address} not serving after ${timeoutMs} ms`);
  };
  while (!(await portOpen(port))) {
    alive();
    await sleep(10);
  }
  for (;;) {
    alive();
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await sleep(10);
    }
  }
}

/** Servers still running when this process exits (a failed run) are killed with it, not left behind. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Marks `child` to be killed if this process exits while it runs. */
export function killOnExit(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
}

/** Starts `command args` (output to `logFile`) and times it from spawn to serving `address`. */
export async function launchTimed(command: string, args: string[], address: string, logFile: string, env?: NodeJS.ProcessEnv): Promise<LaunchedServer> {
  const started = performance.now();
  const child = killOnExit(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env }));
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const stop = stopper(child);
  try {
    await waitServing(address, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, pid: child.pid!, child, servingMs: Math.round(performance.now() - started), stop };
}

/** Kairos start-dev on the SQLite file `db` (created when missing). */
export function launchKairosDev(db: string, port: number, logFile: string, extraArgs: string[] = []): Promise<LaunchedServer> {
  const args = ['server', 'start-dev', '--headless', '--port', String(port), '--db-filename', db, '--log-level', 'warn', ...extraArgs];
  return launchTimed(process.execPath, [KAIROS_NODE_FLAG, KAIROS_MAIN, ...args], `127.0.0.1:${port}`, logFile);
}

/** The Temporal dev server on the SQLite file `db`; its other ports are given so none is left to chance. */
export function launchTemporalDev(db: string, ports: { grpc: number; http: number; metrics: number; ui: number }, logFile: string): Promise<LaunchedServer> {
  const args = [
    'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(ports.grpc), '--http-port', String(ports.http),
    '--metrics-port', String(ports.metrics), '--ui-port', String(ports.ui), '--db-filename', db, '--log-level', 'error',
  ];
  return launchTimed(temporalCli(), args, `127.0.0.1:${ports.grpc}`, logFile);
}
