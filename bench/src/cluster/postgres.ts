import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { findPostgresBindir } from '@kairos/testing';
import { freePort } from '../servers';
import { parentPid, treeCpuSeconds } from './procTree';

const run = promisify(execFile);

/**
 * A PostgreSQL server for one benchmark run, in `dir` (which the caller removes). Unlike the
 * test suites' server (fsync off), it keeps PostgreSQL's durability defaults — fsync and full
 * page writes on — because its commit rate is what the capacity model reads; only
 * `synchronous_commit` is chosen: `off` is start-dev's SQLite NORMAL (a crash loses the last
 * commits, nothing is corrupted), `on` waits for the WAL flush of every commit.
 */
export interface BenchPostgres {
  url: string;
  database: string;
  /** The postmaster; its children are the backends, the WAL writer, the checkpointer... */
  postmasterPid: number;
  settings: string[];
  /** CPU seconds of the postmaster and all its children so far. */
  cpuSeconds(): number;
  /**
   * So far: transactions committed in the database (pg_stat_database, flushed by each backend
   * about once a second), WAL bytes, updates of the shard rows (one per execution write that
   * carries tasks: the write that holds its shard's row until commit) and rows inserted or
   * updated in `executions` (one per execution write).
   */
  counters(): Promise<{ commits: number; walBytes: number; shardRowUpdates: number; executionWrites: number }>;
  stop(): Promise<void>;
}

/** PostgreSQL refuses to run as root: as root, the binaries run as Debian's `postgres` user. */
function runAs(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0) throw new Error('running as root and no postgres user to run PostgreSQL as');
  return { name: 'postgres', uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startBenchPostgres(dir: string, synchronousCommit: 'on' | 'off'): Promise<BenchPostgres> {
  const bindir = findPostgresBindir();
  const user = runAs();
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'pgdata');
  const log = join(dir, 'postgres.log');
  const exec = async (binary: string, args: string[]) => {
    const [file, argv] = user ? ['runuser', ['-u', user.name, '--', join(bindir, binary), ...args]] : [join(bindir, binary), args];
    try {
      await run(file, argv, { cwd: dir, env: { ...process.env, LC_ALL: 'C' } });
    } catch (err) {
      throw new Error(`${binary} failed: ${(err as Error).message}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    }
  };
  const password = `pg-${randomBytes(12).toString('hex')}`;
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  await exec('initdb', ['-D', data, '-U', 'kairos', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '--encoding=UTF8', '--no-locale']);
  rmSync(pwfile);
  const port = await freePort();
  const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=300', `-c synchronous_commit=${synchronousCommit}`];
  await exec('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', 'start', '-o', settings.join(' ')]);
  // pg_ctl detaches the server: should this process end without stop(), end it at exit.
  const stopAtExit = () => {
    const [file, argv] = user ? ['runuser', ['-u', user.name, '--', join(bindir, 'pg_ctl'), '-D', data, 'stop', '-m', 'immediate', '-w']] : [join(bindir, 'pg_ctl'), ['-D', data, 'stop', '-m', 'immediate', '-w']];
    spawnSync(file, argv, { cwd: dir, stdio: 'ignore' });
  };
  process.once('exit', stopAtExit);
  const stop = async () => {
    process.removeListener('exit', stopAtExit);
    await exec('pg_ctl', ['-D', data, 'stop', '-m', 'fast', '-w']).catch(() => exec('pg_ctl', ['-D', data, 'stop', '-m', 'immediate', '-w']));
  };
  const url = (db: string) => `postgres://kairos:${password}@127.0.0.1:${port}/${db}`;
  const admin = new Client({ connectionString: url('postgres') });
  let inDatabase: Client | undefined;
  try {
    const database = 'kairos_bench';
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    // The postmaster is every backend's parent.
    const backend = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const postmasterPid = parentPid(backend);
    if (!postmasterPid) throw new Error('cannot find the postmaster');
    // Table statistics are per database: a second connection reads them in the store's.
    const statsClient = new Client({ connectionString: url(database) });
    inDatabase = statsClient;
    await statsClient.connect();
    const counters = async () => {
      const { rows } = await admin.query<{ commits: string; wal: string }>(
        "SELECT xact_commit::text AS commits, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal FROM pg_stat_database WHERE datname = $1",
        [database],
      );
      const tables = await statsClient.query<{ shards: string | null; executions: string | null }>(
        `SELECT sum(n_tup_upd) FILTER (WHERE relname = 'shards')::text AS shards,
                sum(n_tup_ins + n_tup_upd) FILTER (WHERE relname = 'executions')::text AS executions
           FROM pg_stat_user_tables`,
      );
      return { commits: Number(rows[0]!.commits), walBytes: Number(rows[0]!.wal), shardRowUpdates: Number(tables.rows[0]!.shards ?? 0), executionWrites: Number(tables.rows[0]!.executions ?? 0) };
    };
    return {
      url: url(database),
      database,
      postmasterPid,
      settings: ['fsync=on', 'full_page_writes=on', `synchronous_commit=${synchronousCommit}`],
      cpuSeconds: () => treeCpuSeconds(postmasterPid),
      counters,
      async stop() {
        await admin.end().catch(() => {});
        await statsClient.end().catch(() => {});
        await stop();
      },
    };
  } catch (err) {
    await admin.end().catch(() => {});
    await inDatabase?.end().catch(() => {});
    await stop();
    throw err;
  }
}
