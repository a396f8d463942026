import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuSeconds } from '../procStats';
import { freePort, launch, REPO, stopper, waitServing } from '../servers';
import { startBenchNats, type BenchNats } from './nats';
import { startBenchPostgres, type BenchPostgres } from './postgres';

export type ClusterService = 'frontend' | 'history' | 'matching';
export const CLUSTER_SERVICES: ClusterService[] = ['frontend', 'history', 'matching'];

export interface ClusterShape {
  counts: Record<ClusterService, number>;
  numShards: number;
  synchronousCommit: 'on' | 'off';
  /** Each instance writes a V8 CPU profile into DIR/<service><n>/ when it stops (node --cpu-prof). */
  cpuProfileDir?: string;
}

/** Kairos in cluster mode on this machine: its processes, its PostgreSQL and its NATS. */
export interface BenchCluster {
  /** The (first) frontend's host:port. */
  address: string;
  pids: Record<ClusterService, number[]>;
  postgres: BenchPostgres;
  nats: BenchNats;
  /** What was started, for the report. */
  settings: string;
  /** CPU seconds so far of every instance of each service, summed per service. */
  serviceCpuSeconds(): Record<ClusterService, number>;
  stop(): Promise<void>;
}

const KAIROS_MAIN = join(REPO, 'services/kairos/dist/main.js');
/** The command unbundled, one file per module: a profile then names each frame's package. */
const KAIROS_UNBUNDLED = join(REPO, 'services/kairos/dist/command.js');

async function schemaUpdate(env: Record<string, string>, logFile: string): Promise<void> {
  const child = launch(process.execPath, [KAIROS_MAIN, 'schema', 'update'], logFile, env);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`kairos schema update exited with ${code} (log: ${logFile})`);
}

/**
 * PostgreSQL, nats-server, `kairos schema update`, then `kairos server start --service X` for each
 * instance (history, matching, then frontends), as test/src/harness/cluster.ts starts them for
 * the e2e suites: the PostgreSQL URL in $KAIROS_POSTGRES_URL, the NATS URL in a config file,
 * every instance on its own port advertising its own address (they find each other through the
 * store's membership table). Everything started is stopped when a later step fails.
 */
export async function startBenchCluster(dir: string, shape: ClusterShape): Promise<BenchCluster> {
  const stops: Array<() => Promise<void>> = [];
  const pidsToKill: number[] = [];
  // Should this process end without stop() (an error elsewhere, Ctrl-C), no instance outlives it.
  const killAtExit = () => {
    for (const pid of pidsToKill) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killAtExit);
  const stopAll = async () => {
    process.removeListener('exit', killAtExit);
    // Front to back (frontends were started last), the store last.
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  try {
    const postgres = await startBenchPostgres(dir, shape.synchronousCommit);
    stops.push(() => postgres.stop());
    const nats = await startBenchNats(dir);
    stops.push(() => nats.stop());
    pidsToKill.push(nats.pid);
    const env = { KAIROS_POSTGRES_URL: postgres.url };
    await schemaUpdate(env, join(dir, 'schema.log'));
    const configFile = join(dir, 'kairos.json');
    writeFileSync(configFile, JSON.stringify({ natsUrl: nats.url }), { mode: 0o600 });
    const pids: Record<ClusterService, number[]> = { frontend: [], history: [], matching: [] };
    let frontendAddress = '';
    let frontendChild: ChildProcess | undefined;
    for (const service of ['history', 'matching', 'frontend'] as const) {
      for (let i = 0; i < shape.counts[service]; i++) {
        const port = await freePort();
        const address = `127.0.0.1:${port}`;
        // The young-generation size the kairos command and start-dev run with, so the comparison is fair.
        const profile = shape.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(shape.cpuProfileDir, `${service}${i}`)}`] : [];
        const args = [
          '--max-semi-space-size=32', ...profile, shape.cpuProfileDir ? KAIROS_UNBUNDLED : KAIROS_MAIN, 'server', 'start', '--service', service, '--config', configFile,
          '--ip', '127.0.0.1', '--port', String(port), '--advertise-address', address,
          '--num-shards', String(shape.numShards), '--log-level', 'warn',
        ];
        const child = launch(process.execPath, args, join(dir, `${service}-${i}.log`), env);
        stops.push(stopper(child));
        pidsToKill.push(child.pid!);
        pids[service].push(child.pid!);
        if (service === 'frontend' && !frontendChild) [frontendAddress, frontendChild] = [address, child];
      }
    }
    if (!frontendChild) throw new Error('a cluster needs a frontend');
    await waitServing(frontendAddress, frontendChild);
    const counts = Object.entries(shape.counts).map(([s, n]) => `${n} ${s}`).join(', ');
    return {
      address: frontendAddress,
      pids,
      postgres,
      nats,
      settings: `kairos server start: ${counts}; ${shape.numShards} shards; PostgreSQL ${postgres.settings.join(' ')}; nats-server`,
      serviceCpuSeconds: () =>
        Object.fromEntries(CLUSTER_SERVICES.map((s) => [s, pids[s].reduce((sum, pid) => sum + cpuSeconds(pid), 0)])) as Record<ClusterService, number>,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
