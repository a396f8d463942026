import type { Pool } from 'pg';
// The `timers` module's own function: tests that fake the global timers must not stall the store.
import { setImmediate as realSetImmediate } from 'timers';
import { isRetryable, retryingStatement } from './connection';
import { EXECUTION_SQL, writeExecutionBatch } from './executionStatements';

/** A write kairos_try_write_execution refused, with the fields a pg error has (code, constraint). */
export class BatchedWriteFailure extends Error {
  constructor(
    readonly code: string,
    readonly constraint: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

interface QueuedWrite {
  values: unknown[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of execution writes on PostgreSQL. The writes history issues during one turn of
 * the event loop (each a different run) go to the database as one statement: one round trip and
 * one commit for all of them, where each alone cost both (on this kind of machine, the round
 * trip's system calls are most of what a write costs the history process). Every write is its own
 * subtransaction in that statement (kairos_try_write_execution), so each is made or refused
 * alone, with the error the write alone would have raised. A single write goes as before.
 */
export class ExecutionWriteBatches {
  private queued: QueuedWrite[] = [];
  private scheduled = false;

  constructor(
    private readonly pool: Pool,
    private readonly maxBatch: number,
  ) {}

  /**
   * Makes one execution write (kairos_write_execution's arguments); resolves once it is
   * committed, rejects with its refusal (a pg error or a BatchedWriteFailure of the same code).
   */
  write(values: unknown[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ values, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        realSetImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queued.length > 0) void this.send(this.queued.splice(0, this.maxBatch));
  }

  private async send(batch: QueuedWrite[]): Promise<void> {
    if (batch.length === 1) return this.sendAlone(batch[0]!);
    let answers: Array<string | null>;
    try {
      const result = await this.pool.query<Array<string | null>>({ ...writeExecutionBatch(batch.length), values: batch.flatMap((w) => w.values), rowMode: 'array' });
      answers = result.rows[0]!;
    } catch (err) {
      // Nothing of the statement was kept: a retryable failure runs each write again alone.
      if (isRetryable(err)) for (const write of batch) void this.sendAlone(write);
      else for (const write of batch) write.reject(err);
      return;
    }
    batch.forEach((write, i) => {
      const failure = answers[i];
      if (failure === null || failure === undefined) return write.resolve();
      const [code = '', constraint = '', ...message] = failure.split('\n');
      const error = new BatchedWriteFailure(code, constraint || undefined, message.join('\n'));
      if (isRetryable(error)) void this.sendAlone(write);
      else write.reject(error);
    });
  }

  private async sendAlone(write: QueuedWrite): Promise<void> {
    try {
      await retryingStatement(this.pool, EXECUTION_SQL.writeExecution, write.values);
      write.resolve();
    } catch (err) {
      write.reject(err);
    }
  }
}
