import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback TCP port (bound and released; fine for a test's own child process). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function natsServerAvailable(): boolean {
  return spawnSync('nats-server', ['--version']).status === 0;
}

/**
 * A real `nats-server` child process on a loopback port, which can be stopped and started again
 * on the same port (to test reconnects).
 */
export class NatsServerProcess {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {}

  /** Starts a server on a free port; `extraArgs` e.g. `--user U --pass P` or `--auth TOKEN`. */
  static async start(extraArgs: readonly string[] = []): Promise<NatsServerProcess> {
    const server = NatsServerProcess.onPort(await freePort(), extraArgs);
    await server.start();
    return server;
  }

  /** A server for `port`, not started yet. */
  static onPort(port: number, extraArgs: readonly string[] = []): NatsServerProcess {
    if (!natsServerAvailable()) {
      throw new Error('nats-server is not installed (Debian: apt-get install -y nats-server)');
    }
    return new NatsServerProcess(port, extraArgs);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    this.output = '';
    const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(this.port), ...this.extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${this.output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (this.output.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${this.output}`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
