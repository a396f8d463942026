import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryMiB } from '../procStats';
import { freePort } from '../servers';
import { amplifyPostgres, amplifySqlite, type AmplifyReport } from './amplify';
import { launchKairosDev, launchTemporalDev, type LaunchedServer } from './launch';
import { startPostgresKairos } from './pgCluster';
import { measureQueries, type QueryReport } from './queries';
import { seedClosedWorkflows, type SeedReport } from './seed';

export type StateScaleServer = 'kairos' | 'kairos-postgres' | 'temporal';

export interface StateScaleOptions {
  rows: number;
  seeds: number;
  repetitions: number;
  servers: StateScaleServer[];
  namespace: string;
}

export interface StateScaleReport {
  server: StateScaleServer;
  setup: string;
  seed: SeedReport;
  amplify: AmplifyReport;
  /** Launch → serving with the amplified database. */
  restartServingMs: number;
  /** Server RSS after the queries (the frontend's, for the cluster). */
  serverRssMiB: number;
  databaseMiB: number | null;
  queries: QueryReport[];
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

/** Seeds, stops, amplifies, restarts and measures one server kind; its temporary directory is removed after. */
async function runOne(server: StateScaleServer, options: StateScaleOptions): Promise<StateScaleReport> {
  const workDir = mkdtempSync(join(tmpdir(), `state-scale-${server}-`));
  const seededAfter = new Date(Date.now() - 60_000);
  let stopAll: () => Promise<void> = async () => {};
  try {
    let launch: () => Promise<LaunchedServer>;
    let amplify: () => AmplifyReport;
    let setup: string;
    let databaseFile: string | undefined;
    if (server === 'kairos-postgres') {
      const cluster = await startPostgresKairos(workDir);
      stopAll = () => cluster.stop();
      launch = () => cluster.start();
      amplify = () => amplifyPostgres(cluster.url, options.seeds, options.rows);
      setup = 'kairos server start: 1 frontend, 1 history, 1 matching, NATS, PostgreSQL (initdb, fsync off)';
      const first = await launch();
      log(`${server}: serving after ${first.servingMs} ms; seeding`);
      const seed = await seedClosedWorkflows(first.address, options.namespace, options.seeds);
      await cluster.stopKairos();
      return await measured(server, setup, seed, amplify, launch, async () => cluster.stopKairos(), undefined);
    }
    const port = await freePort();
    if (server === 'kairos') {
      databaseFile = join(workDir, 'kairos.db');
      launch = () => launchKairosDev(databaseFile!, port, join(workDir, 'server.log'));
      setup = 'kairos server start-dev --db-filename F (SQLite, WAL)';
    } else {
      databaseFile = join(workDir, 'temporal.db');
      const ports = { grpc: port, http: await freePort(), metrics: await freePort(), ui: await freePort() };
      launch = () => launchTemporalDev(databaseFile!, ports, join(workDir, 'server.log'));
      setup = 'temporal server start-dev --db-filename F (SQLite)';
    }
    amplify = () => amplifySqlite(databaseFile!, options.seeds, options.rows);
    const first = await launch();
    stopAll = () => first.stop();
    log(`${server}: serving after ${first.servingMs} ms; seeding`);
    const seed = await seedClosedWorkflows(first.address, options.namespace, options.seeds);
    await first.stop();
    return await measured(server, setup, seed, amplify, launch, async () => {}, databaseFile);

    async function measured(
      name: StateScaleServer,
      how: string,
      seeded: SeedReport,
      amplifyNow: () => AmplifyReport,
      launchNow: () => Promise<LaunchedServer>,
      stopRest: () => Promise<void>,
      file: string | undefined,
    ): Promise<StateScaleReport> {
      log(`${name}: seeded ${JSON.stringify(seeded)}; amplifying to ${options.rows} rows`);
      const amplified = amplifyNow();
      log(`${name}: amplified ${JSON.stringify(amplified)}; restarting`);
      const again = await launchNow();
      const previousStop = stopAll;
      stopAll = async () => {
        await again.stop();
        await stopRest();
        await previousStop();
      };
      log(`${name}: serving after ${again.servingMs} ms; measuring`);
      const queries = await measureQueries(again.address, options.namespace, options.rows, options.seeds, seededAfter, options.repetitions);
      const rss = memoryMiB(again.pid).rss;
      return {
        server: name,
        setup: how,
        seed: seeded,
        amplify: amplified,
        restartServingMs: again.servingMs,
        serverRssMiB: Math.round(rss),
        databaseMiB: file ? Math.round(statSync(file).size / 2 ** 20) : null,
        queries,
      };
    }
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Goal 6(a): List and Count over `rows` closed workflows on each server, one after the other. */
export async function stateScaleRun(options: StateScaleOptions): Promise<StateScaleReport[]> {
  const reports: StateScaleReport[] = [];
  for (const server of options.servers) {
    const report = await runOne(server, options);
    log(`${server}: ${JSON.stringify(report)}`);
    reports.push(report);
  }
  return reports;
}

export function stateScaleTable(reports: StateScaleReport[]): string {
  const header = ['server', 'query', 'page', 'runs', 'p50 ms', 'p99 ms', 'max ms', 'first ms', 'correct'];
  const lines = reports.flatMap((r) =>
    r.queries.map((q) => [r.server, q.query ? `\`${q.query}\`` : '(none)', q.pageSize ?? '-', q.ms.samples, q.ms.p50, q.ms.p99, q.ms.max, q.ms.first, q.correct ? 'yes' : `NO: ${q.problems[0]}`].map(String)),
  );
  const setup = reports.map(
    (r) =>
      `- ${r.server}: ${r.setup}; ${r.seed.seeds} real closed workflows seeded in ${r.seed.seconds} s (${r.seed.terminated} terminated, ${r.seed.timedOut} timed out), ` +
      `table ${r.amplify.table} amplified from ${r.amplify.rowsBefore} to ${r.amplify.rowsAfter} rows in ${r.amplify.seconds} s (BenchKey in search-attribute key ${r.amplify.benchKeyField}); ` +
      `restart to serving ${r.restartServingMs} ms; server RSS ${r.serverRssMiB} MiB${r.databaseMiB !== null ? `; database file ${r.databaseMiB} MiB` : ''}`,
  );
  return [[header, ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n'), '', 'Only the visibility rows were amplified (each copy: new workflow id, run id and BenchKey; other columns the seed\'s).', ...setup].join('\n');
}
