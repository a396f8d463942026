import { Pool, types, type PoolClient, type QueryConfig, type QueryResult } from 'pg';
import type { Logger } from '@kairos/common/logger';
import { redactUrlCredentials } from '@kairos/common/redact';
import { setting } from '@kairos/common/settings';

/** True for the URLs the PostgreSQL store accepts: `postgres://…` and `postgresql://…`. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL with its password masked (also one given as a `password=` parameter), for messages and logs. */
export function redactPostgresUrl(url: string): string {
  return redactUrlCredentials(url);
}

/** How to describe the database in errors: kind and (redacted) URL. */
export const describePostgres = (url: string): string => `PostgreSQL database ${redactPostgresUrl(url)}`;

/**
 * Why a connection failed, for start-up messages: the driver's message, plus what to check when
 * the server's TLS certificate was not accepted (Node's codes say it tersely, e.g.
 * "unable to verify the first certificate").
 */
export function connectionFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_|^ERR_TLS_/.test(code)) {
    return `${message} (${code}: the server's TLS certificate is not signed by the CA in sslrootcert, or does not name the host of the URL)`;
  }
  return message;
}

/** The command that brings the database's schema to the newest version. */
export const schemaUpdateCommand = (url: string): string => `kairos schema update --store ${redactPostgresUrl(url)}`;

const INT8_OID = 20;

/**
 * bigint columns (ids, versions, milliseconds) as JS numbers, not pg's default strings; a value
 * past 2^53 cannot be represented and is an error rather than a silently rounded id.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`bigint ${text} is outside the safe integer range`);
  return value;
}

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

export interface PostgresPoolOptions {
  /** Connections kept at most (default `store.postgresPoolSize`). */
  max?: number;
  logger?: Logger;
}

/** A connection pool for `url`, its errors on idle connections logged rather than crashing the process. */
export function createPostgresPool(url: string, options: PostgresPoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: url,
    max: options.max ?? setting('store.postgresPoolSize'),
    application_name: 'kairos',
    types: typeParsers,
    // A database that cannot be reached makes calls fail instead of queueing forever.
    connectionTimeoutMillis: setting('store.postgresConnectTimeout'),
    keepAlive: true,
    // A process frozen inside a transaction (paused, swapped out, stuck) would hold its row locks,
    // the shard row among them, and stall every other instance's writes and takeover; the
    // server ends such a session after a few seconds and its locks go. Kairos transactions never
    // wait on anything but the database, so a live one is never idle that long.
    idle_in_transaction_session_timeout: setting('store.postgresIdleInTransactionTimeout'),
  });
  // An idle connection dropped by the server (restart, failover) must not be an uncaught error;
  // the pool replaces it on the next checkout.
  pool.on('error', (err) => options.logger?.warn('PostgreSQL connection lost', { error: err.message }));
  return pool;
}

/**
 * Errors that say the database is out of reach for now (no connection in time, connection lost or
 * refused, server shutting down or out of connections), not that the request is wrong: callers
 * get UNAVAILABLE, which the SDKs retry, instead of INTERNAL.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const state = sqlState(err) ?? '';
  if (state.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '25P03'].includes(state)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(state)) return true;
  const message = err instanceof Error ? err.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/i.test(message);
}

/** SQLSTATEs after which the whole transaction can be run again: it was rolled back, nothing kept. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

/** Whether `err` rolled back all it did and the same statement or transaction can simply run again. */
export function isRetryable(err: unknown): boolean {
  return RETRYABLE.has(sqlState(err) ?? '');
}

/** The SQLSTATE of a pg error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint a pg unique violation (23505) names, if it is one. */
export function uniqueViolation(err: unknown): string | undefined {
  return sqlState(err) === '23505' ? ((err as { constraint?: string }).constraint ?? '') : undefined;
}

/**
 * Runs `fn` in one transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when
 * it throws. A deadlock or serialization failure runs it again from the start.
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    // The server can end the session between statements (idle-in-transaction timeout, shutdown);
    // pg reports that as an 'error' event, fatal to the process unless someone listens. The next
    // statement fails with it anyway, and the connection is then dropped, not pooled.
    const onSessionError = (err: Error) => (broken = err);
    client.on('error', onSessionError);
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      if (attempt < setting('store.postgresTransactionAttempts') && RETRYABLE.has(sqlState(err) ?? '')) continue;
      throw err;
    } finally {
      // A connection that could not even roll back is discarded, not returned to the pool.
      client.off('error', onSessionError);
      client.release(broken);
    }
  }
}

/**
 * One statement outside an explicit transaction (its own transaction, one round trip), run again
 * when the database rolled it back for a deadlock or serialization failure.
 */
export async function retryingStatement(pool: Pool, config: QueryConfig, values: unknown[]): Promise<QueryResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pool.query({ ...config, values });
    } catch (err) {
      if (attempt < setting('store.postgresTransactionAttempts') && RETRYABLE.has(sqlState(err) ?? '')) continue;
      throw err;
    }
  }
}
