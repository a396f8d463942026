import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startBenchPostgres } from './postgres';

const run = promisify(execFile);

export interface CommitCeilingOptions {
  clients: number;
  seconds: number;
  synchronousCommit: 'on' | 'off';
  /** Shard rows for the shard-shaped script (Kairos's default is 4). */
  shards: number;
}

export interface CommitCeiling {
  script: string;
  clients: number;
  commitsPerSecond: number;
}

/**
 * Two pgbench scripts, each a commit per transaction:
 * - `insert`: one single-row INSERT (the store's raw commit rate);
 * - `shard-write`: an execution write as Kairos's PostgreSQL store makes it — the shard row
 *   updated first (task ids and fencing, locked until commit), then events, a task and the
 *   execution row, each its own round trip — so the writes of one shard queue behind each other
 *   and the rate is bounded by shards ÷ the transaction's duration.
 */
const SCRIPTS = (shards: number): Record<string, string> => ({
  insert: 'INSERT INTO bench_rows (v) VALUES (1);\n',
  'shard-write': [
    `\\set shard random(1, ${shards})`,
    '\\set run random(1, 1000000)',
    'BEGIN;',
    'UPDATE bench_shards SET last_task_id = last_task_id + 2 WHERE shard_id = :shard RETURNING last_task_id;',
    "INSERT INTO bench_events (run_id, data) VALUES (:run, repeat('x', 600));",
    "INSERT INTO bench_tasks (shard_id, data) VALUES (:shard, repeat('x', 100));",
    "INSERT INTO bench_executions (run_id, state) VALUES (:run, repeat('x', 1500)) ON CONFLICT (run_id) DO UPDATE SET state = excluded.state;",
    'COMMIT;',
    '',
  ].join('\n'),
});

/** A fresh PostgreSQL (the cluster benchmark's settings), each script run by pgbench for `seconds`. */
export async function measureCommitCeiling(options: CommitCeilingOptions): Promise<{ results: CommitCeiling[]; settings: string[]; loadAverage: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-pg-ceiling-'));
  try {
    const postgres = await startBenchPostgres(dir, options.synchronousCommit);
    try {
      const client = new Client({ connectionString: postgres.url });
      await client.connect();
      try {
        await client.query(`CREATE TABLE bench_rows (id bigserial PRIMARY KEY, v int);
          CREATE TABLE bench_shards (shard_id int PRIMARY KEY, last_task_id bigint NOT NULL);
          INSERT INTO bench_shards SELECT g, 0 FROM generate_series(1, ${options.shards}) g;
          CREATE TABLE bench_events (id bigserial PRIMARY KEY, run_id int, data text);
          CREATE TABLE bench_tasks (id bigserial PRIMARY KEY, shard_id int, data text);
          CREATE TABLE bench_executions (run_id int PRIMARY KEY, state text);`);
      } finally {
        await client.end();
      }
      const url = new URL(postgres.url);
      const results: CommitCeiling[] = [];
      for (const [name, script] of Object.entries(SCRIPTS(options.shards))) {
        const file = join(dir, `${name}.sql`);
        writeFileSync(file, script);
        // The password reaches pgbench in its environment, never on its command line.
        const { stdout } = await run(
          'pgbench',
          ['-n', '-h', url.hostname, '-p', url.port, '-U', url.username, '-c', String(options.clients), '-j', String(Math.min(options.clients, 2)), '-T', String(options.seconds), '-f', file, postgres.database],
          { env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) } },
        );
        const tps = /tps = ([\d.]+)/.exec(stdout);
        if (!tps) throw new Error(`pgbench said:\n${stdout}`);
        results.push({ script: name, clients: options.clients, commitsPerSecond: Math.round(Number(tps[1])) });
      }
      return { results, settings: postgres.settings, loadAverage: loadavg() };
    } finally {
      await postgres.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
