import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { acceptsConnections } from '@kairos/testing';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Sends a signal (SIGTERM by default); resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Last lines of its log, for failure messages. */
  tail(lines?: number): string;
}

/** Every child still running; killed when the test process ends, however it ends. */
const running = new Set<ManagedProcess>();
function killAll(): void {
  for (const p of running) p.child.kill('SIGKILL');
  running.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/**
 * Spawns a server process with stdout and stderr appended to `logFile` (under test/.work).
 * `kill` escalates to SIGKILL when a SIGTERM is not obeyed within `graceMs`. `env` adds to the
 * environment (not written to the log: the place for a secret such as $KAIROS_POSTGRES_URL).
 */
export function spawnManaged(name: string, command: string, args: string[], logFile: string, graceMs = 20_000, env: Record<string, string> = {}): ManagedProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`$ ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.on('error', (err) => log.write(`spawn error: ${err.message}\n`));
  child.once('close', (code, signal) => log.end(`[exited: code ${code} signal ${signal}]\n`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const managed: ManagedProcess = {
    name,
    child,
    logFile,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        if (signal !== 'SIGKILL') {
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
      }
      await exited;
      running.delete(managed);
    },
    tail(lines = 30) {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
  running.add(managed);
  return managed;
}

/** True when the process has exited. */
export function hasExited(proc: ManagedProcess): boolean {
  return proc.child.exitCode !== null || proc.child.signalCode !== null;
}

/** The first few error lines of a log: a crash's tail (a Go stack) can hide its cause. */
function firstErrorLines(proc: ManagedProcess): string {
  const lines = proc.tail(Number.MAX_SAFE_INTEGER).split('\n').filter((line) => /level=ERROR|\bpanic:|\bfatal\b|\bError\b/.test(line));
  return lines.length ? `${lines.slice(0, 5).join('\n')}\n…\n` : '';
}

/** Waits until something accepts TCP connections on the port, or fails with the process's log. */
export async function waitForPort(port: number, proc: ManagedProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(proc)) throw new Error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${firstErrorLines(proc)}${proc.tail()}`);
    if (await acceptsConnections(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} did not listen on ${port} within ${timeoutMs} ms (log: ${proc.logFile}):\n${proc.tail()}`);
}
