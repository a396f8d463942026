import { Client } from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startPostgresServer, type PostgresServer } from '@kairos/testing';
import { migratePostgres } from '../../src/postgres/migrate';

/**
 * A real PostgreSQL server for the test file (initdb + pg_ctl in a temporary directory), started
 * before its tests and stopped after them; each store gets a schema of its own, the
 * schema-versioning tests a database. Missing PostgreSQL binaries fail every test.
 */
export function usePostgresServer() {
  let starting: Promise<PostgresServer>;
  beforeAll(async () => {
    starting = startPostgresServer();
    // A server that cannot start fails each test (with the reason), rather than leaving them skipped.
    await starting.catch(() => undefined);
  }, 120_000);
  afterAll(async () => {
    await (await starting.catch(() => undefined))?.stop();
  });
  /** The test server (each test awaits it, so a missing PostgreSQL fails every test). */
  const pg = () => starting;

  /** A new, empty place for a store (a schema of its own in a shared database), migrated to the newest schema. */
  async function migratedDatabase(): Promise<string> {
    const url = await (await pg()).createSchema();
    await migratePostgres(url);
    return url;
  }

  return { pg, migratedDatabase };
}

/** Runs `fn` with one plain connection to `url`. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}
