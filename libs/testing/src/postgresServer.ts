import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

/**
 * A throw-away PostgreSQL server for tests: `initdb` into a temporary directory, `pg_ctl start` on
 * a free loopback port (unix socket in the same directory), stopped and removed by stop() or at
 * process exit. Durability settings are off: tests need speed, not crash safety. TCP connections
 * authenticate with a password (scram-sha-256), a fresh random one per server, as production
 * does: the suites check that it never shows in a log.
 */
export interface PostgresServer {
  readonly port: number;
  /** The superuser `kairos`'s password. */
  readonly password: string;
  /** The server's own log (gone after stop()). */
  readonly logFile: string;
  /**
   * URL of `database` (default `postgres`) as the superuser `kairos`, with its password; with
   * TLS, `?sslmode=verify-full&sslrootcert=CA` too (the server takes no TCP connection without it).
   */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /**
   * Creates an empty schema in a database shared by such calls and returns a URL whose
   * connections use it (search_path): a fresh store in a few milliseconds, where a database
   * takes hundreds.
   */
  createSchema(name?: string): Promise<string>;
  stop(): Promise<void>;
  /**
   * Stops the server at once, as a crash would, keeping every commit (a store outage); `resume()`
   * starts it again on the same port.
   */
  interrupt(): Promise<void>;
  resume(): Promise<void>;
}

const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];
const INSTALL_HINT = 'install PostgreSQL (Debian: apt-get install -y postgresql; scripts/setup.sh does it)';

const run = promisify(execFile);

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Debian keeps each major version's server binaries under /usr/lib/postgresql/<version>/bin; newest first. */
function debianBindirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(root, v, 'bin'));
}

function pgConfigBindir(): string[] {
  try {
    return [execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()];
  } catch {
    return [];
  }
}

/**
 * The directory holding initdb, pg_ctl and postgres: $KAIROS_POSTGRES_BINDIR alone when set,
 * else the first of pg_config's, Debian's layout (newest version first) and PATH that has them.
 */
export function findPostgresBindir(): string {
  const override = process.env.KAIROS_POSTGRES_BINDIR;
  const candidates = override
    ? [override]
    : [...pgConfigBindir(), ...debianBindirs(), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  const found = candidates.find((dir) => SERVER_BINARIES.every((b) => isExecutable(join(dir, b))));
  if (!found) {
    throw new Error(`PostgreSQL server binaries (${SERVER_BINARIES.join(', ')}) not found in ${candidates.join(', ') || 'any directory'}: ${INSTALL_HINT}`);
  }
  return found;
}

/**
 * PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user (the
 * Debian package creates it) or else `nobody`.
 */
function unprivilegedUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

/** A free loopback TCP port (bound and released). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface PostgresServerOptions {
  /**
   * TLS (`ssl=on`) with this server certificate (for 127.0.0.1, signed by the CA at `caFile`),
   * and TCP connections only over TLS (pg_hba `hostssl`).
   */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const bindir = findPostgresBindir();
  const user = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'kairos-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  // As root, each binary runs as the unprivileged user; cwd is the temp dir, which that user can read.
  const command = (binary: string, args: string[]): [string, string[]] =>
    user ? ['runuser', ['-u', user.name, '--', join(bindir, binary), ...args]] : [join(bindir, binary), args];
  const exec = async (binary: string, args: string[]) => {
    const [file, argv] = command(binary, args);
    try {
      await run(file, argv, { cwd: dir, env: { ...process.env, LC_ALL: 'C' } });
    } catch (err) {
      const e = err as Error & { stderr?: string };
      const serverLog = existsSync(log) ? readFileSync(log, 'utf8') : '';
      throw new Error(`${binary} failed: ${e.message}\n${e.stderr ?? ''}\n${serverLog}`);
    }
  };
  const stopNow = () => {
    const [file, argv] = command('pg_ctl', ['-D', data, 'stop', '-m', 'immediate', '-w']);
    spawnSync(file, argv, { cwd: dir, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };

  const port = await freePort();
  const password = `pg-${randomBytes(12).toString('hex')}`;
  let counter = 0;
  let settings: string[] = [];
  const startServer = () => exec('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', 'start', '-o', settings.join(' ')]);
  try {
    // The password goes to initdb in a file (never on a command line), removed right after.
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    await exec('initdb', ['-D', data, '-U', 'kairos', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '--encoding=UTF8', '--no-locale', '--no-sync']);
    rmSync(pwfile);
    const tlsSettings: string[] = [];
    if (options.tls) {
      // The server reads its key only when the key file is its own and private.
      const cert = join(dir, 'server.crt');
      const key = join(dir, 'server.key');
      copyFileSync(options.tls.certFile, cert);
      copyFileSync(options.tls.keyFile, key);
      chmodSync(key, 0o600);
      if (user) for (const f of [cert, key]) chownSync(f, user.uid, user.gid);
      tlsSettings.push('-c ssl=on', `-c ssl_cert_file=${cert}`, `-c ssl_key_file=${key}`);
      // TCP only over TLS: initdb's `host` lines become `hostssl` (the unix socket stays trusted).
      const hba = join(data, 'pg_hba.conf');
      writeFileSync(hba, readFileSync(hba, 'utf8').replace(/^host /gm, 'hostssl '));
    }
    settings = [
      ...tlsSettings,
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=300',
    ];
    await startServer();
  } catch (err) {
    stopNow();
    throw err;
  }
  process.once('exit', stopNow);

  const tlsParameters = options.tls ? `?sslmode=verify-full&sslrootcert=${options.tls.caFile}` : '';
  const url = (database = 'postgres') => `postgres://kairos:${password}@127.0.0.1:${port}/${database}${tlsParameters}`;
  const execute = async (database: string, sql: string) => {
    const client = new Client({ connectionString: url(database) });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const createDatabase = async (name = `kairos_test_${++counter}`) => {
    await execute('postgres', `CREATE DATABASE ${quote(name)}`);
    return name;
  };
  let sharedDatabase: Promise<string> | undefined;
  return {
    port,
    password,
    logFile: log,
    url,
    createDatabase: async (name?: string) => url(await createDatabase(name)),
    async createSchema(name = `kairos_test_${++counter}`) {
      sharedDatabase ??= createDatabase('kairos_schemas');
      const database = await sharedDatabase;
      await execute(database, `CREATE SCHEMA ${quote(name)}`);
      return `${url(database)}${tlsParameters ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${name}`)}`;
    },
    async interrupt() {
      // With synchronous_commit off (for speed) a commit's WAL can still sit in shared memory,
      // which an immediate stop throws away: a namespace registered just before would be gone.
      // A checkpoint first writes it, so the outage keeps what a synchronous server would.
      await execute('postgres', 'CHECKPOINT');
      await exec('pg_ctl', ['-D', data, 'stop', '-m', 'immediate', '-w']);
    },
    resume: startServer,
    async stop() {
      process.removeListener('exit', stopNow);
      try {
        await exec('pg_ctl', ['-D', data, 'stop', '-m', 'fast', '-w']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
