import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '@kairos/common/logger';

/** Where `scripts/setup-ui.sh` puts the official Temporal Web UI server (relative to this file in dist/). */
const BUNDLED_UI_SERVER = resolve(__dirname, '..', '..', '..', '.tools', 'bin', 'temporal-ui-server');
/** Overrides where the UI server binary is looked for. */
export const UI_SERVER_ENV = 'KAIROS_UI_SERVER';

export interface WebUiOptions {
  /** host:port of the frontend the UI talks to (gRPC). */
  frontendAddress: string;
  ip: string;
  port: number;
  defaultNamespace: string;
  logger: Logger;
}

export interface WebUi {
  url: string;
  stop(): Promise<void>;
}

/** The UI server binary, or why there is none (start-dev then runs without a UI and prints it). */
export function findUiServer(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  const path = env[UI_SERVER_ENV] || BUNDLED_UI_SERVER;
  if (existsSync(path)) return { path };
  return { missing: `the Temporal Web UI server is not installed at ${path} (run scripts/setup-ui.sh, or pass --headless)` };
}

/** The UI server's config: the keys of its own YAML (ui-server's config.go), for a local, unauthenticated UI. */
function uiConfig(options: WebUiOptions): string {
  const quoted = (value: string) => JSON.stringify(value);
  return [
    `temporalGrpcAddress: ${quoted(options.frontendAddress)}`,
    `host: ${quoted(options.ip)}`,
    `port: ${options.port}`,
    'publicPath: ""',
    'enableUi: true',
    'hideLogs: true',
    `defaultNamespace: ${quoted(options.defaultNamespace)}`,
    'refreshInterval: 0s',
    'cors:',
    '  allowOrigins: []',
    '  unsafeAllowAllOrigins: false',
    '',
  ].join('\n');
}

function portAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Runs "$@" (the UI server) and ends it when our pipe on stdin closes; exits when it exits. The
 * pipe is kept on fd 3 because a background job's stdin is /dev/null.
 */
const WATCHDOG = 'exec 3<&0; "$@" & ui=$!; { read -r _ <&3; kill $ui 2>/dev/null; } & wait $ui';

/**
 * Runs the official Temporal Web UI server as a child process pointed at this server's frontend,
 * as `temporal server start-dev` serves it beside its own. The child runs under a small shell
 * that holds a pipe from this process: when the pipe closes (stop(), or this process dies however
 * it dies) the shell ends the UI server, so no UI outlives its Kairos.
 */
export async function startWebUi(binary: string, options: WebUiOptions): Promise<WebUi> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-ui-'));
  writeFileSync(join(dir, 'kairos.yaml'), uiConfig(options));
  const output: string[] = [];
  const child: ChildProcess = spawn(
    '/bin/sh',
    ['-c', WATCHDOG, 'kairos-ui', binary, '--root', dir, '--config', '.', '--env', 'kairos', 'start'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8').trim();
      if (!text) return;
      if (output.length < 50) output.push(text);
      options.logger.debug('web ui', { output: text });
    });
  }
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.stdin?.end();
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await portAccepts(options.ip, options.port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`the Web UI server did not start on ${options.ip}:${options.port}: ${output.join(' ').slice(-500) || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const host = options.ip === '0.0.0.0' ? '127.0.0.1' : options.ip;
  return { url: `http://${host}:${options.port}`, stop };
}
