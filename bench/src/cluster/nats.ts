import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSeconds } from '../procStats';
import { freePort, launch, stopper } from '../servers';
import { acceptsConnections } from '@kairos/testing';

/** A nats-server for one benchmark run, with a password and its monitoring endpoint on loopback. */
export interface BenchNats {
  /** With the password: goes to the services in their config file only. */
  url: string;
  pid: number;
  cpuSeconds(): number;
  /** Messages the server received from clients and delivered to subscribers so far (/varz). */
  counters(): Promise<{ inMsgs: number; outMsgs: number }>;
  stop(): Promise<void>;
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    if (await acceptsConnections(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nats-server not listening on ${port}`);
}

export async function startBenchNats(dir: string): Promise<BenchNats> {
  const [port, monitorPort] = [await freePort(), await freePort()];
  const password = `nats-${randomBytes(12).toString('hex')}`;
  // A config file, so the password is on no command line.
  const configFile = join(dir, 'nats.conf');
  writeFileSync(configFile, `listen: "127.0.0.1:${port}"\nhttp: "127.0.0.1:${monitorPort}"\nauthorization {\n  user: "kairos"\n  password: "${password}"\n}\n`, { mode: 0o600 });
  const child = launch(process.env.NATS_SERVER ?? 'nats-server', ['-c', configFile], join(dir, 'nats.log'));
  const stop = stopper(child);
  try {
    await listening(port, child);
    await listening(monitorPort, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `nats://kairos:${password}@127.0.0.1:${port}`,
    pid: child.pid!,
    cpuSeconds: () => cpuSeconds(child.pid!),
    async counters() {
      const varz = (await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()) as { in_msgs: number; out_msgs: number };
      return { inMsgs: varz.in_msgs, outMsgs: varz.out_msgs };
    },
    stop,
  };
}
