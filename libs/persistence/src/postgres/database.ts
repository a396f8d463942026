import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { persistenceUnavailable } from '@kairos/common/errors';
import { inTransaction, isDatabaseUnavailable } from './connection';

/** A named statement: pg prepares it once per connection and later calls skip parsing and planning. */
export interface Statement {
  name: string;
  text: string;
}

/** Statement names are global per connection: every concern's carry the same prefix. */
export const statement = (name: string, text: string): Statement => ({ name: `kairos_${name}`, text });

export type Queryable = Pool | PoolClient;

/** Runs a named statement with bound parameters (never spliced into the text). */
export function query<R extends QueryResultRow>(db: Queryable, statement: Statement, values: unknown[]): Promise<QueryResult<R>> {
  const config: QueryConfig = { ...statement, values };
  return db.query<R>(config);
}

/** The Store contract's "0 or less means no limit" as SQL: LIMIT NULL is no limit. */
export const sqlLimit = (limit: number): number | null => (limit > 0 ? limit : null);

/** A view of the bytes as a Buffer (pg's bytea parameter type), without copying. */
export const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The pool the concerns of a store share, and how they call it: every call is refused once
 * closing began, waited for by close(), and a database out of reach answers UNAVAILABLE (which
 * the SDKs retry) instead of INTERNAL.
 */
export class PostgresDatabase {
  private closing: Promise<void> | undefined;
  /** Calls issued and not settled: close() lets them finish before ending the pool. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(readonly pool: Pool) {}

  /** Runs one store call, refusing new ones once closing began. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error('the PostgreSQL store is closed'));
    const call = fn().catch((err: unknown) => {
      throw isDatabaseUnavailable(err) ? persistenceUnavailable((err as Error).message) : err;
    });
    this.pending.add(call);
    const forget = () => this.pending.delete(call);
    call.then(forget, forget);
    return call;
  }

  /** One statement outside a transaction; its rows. */
  read<R extends QueryResultRow>(statement: Statement, values: unknown[]): Promise<R[]> {
    return this.run(async () => (await query<R>(this.pool, statement, values)).rows);
  }

  /** `fn` in one transaction on one pooled connection (see inTransaction). */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.run(() => inTransaction(this.pool, fn));
  }

  /** Lets the calls already issued finish, then closes every connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.pending]);
      await this.pool.end();
    })();
    return this.closing;
  }
}
