import type { CompiledQuery } from "kysely";
import { Pool, type PoolClient, type PoolConfig, type QueryConfig, type QueryResult } from "pg";
import type { SqlExecutor, SqlResult, SqlResults, SqlTransaction } from "../sql-executor.js";
import { transactionLock } from "./postgres-locks.js";
import { pgTypeParsers } from "./pg-type-parsers.js";

export interface PgExecutorOptions {
  /**
   * Distinct statements (by SQL text) run as named prepared statements, at most (default 256):
   * each connection parses and plans them once. Later ones are parsed on every run.
   */
  readonly preparedStatements?: number;
  /** Told about connection failures (the pool replaces the connection); the default ignores them. */
  readonly onConnectionError?: (error: Error) => void;
}

/**
 * SqlExecutor on a pool of PostgreSQL connections (`pg`), in pipeline mode: the messages of a
 * batch go out together and cost one round trip.
 *
 * - `query` runs on any idle connection, outside a transaction: it sees committed data only.
 * - `batch` of one statement runs it alone (PostgreSQL makes a single statement its own
 *   transaction); of several, BEGIN, the statements and COMMIT, pipelined. It resolves once COMMIT
 *   has returned, which with synchronous_commit = on (PostgreSQL's default) is after the commit
 *   record was flushed. When a statement fails the server aborts the transaction, the statements
 *   after it fail too and COMMIT turns into a rollback: the batch rejects with the first error and
 *   nothing of it stays. Concurrent batches run on separate connections in separate transactions,
 *   so one batch's failure never touches another; PostgreSQL itself shares one WAL flush among
 *   commits that come due together.
 * - `transaction` takes a connection, BEGIN and a transaction-scoped advisory lock
 *   (postgres-locks.ts), so interactive transactions run one at a time across every node on the
 *   schema (queued here first, so they hold at most one pooled connection while they wait).
 *   Batches are not held back meanwhile; see the SqlExecutor contract.
 * - Parameters are checked before anything is sent: a value `pg` cannot serialize would fail on
 *   the client while the rest of a pipelined batch ran and committed.
 */
export class PgExecutor implements SqlExecutor {
  readonly #pool: Pool;
  readonly #statementNames = new Map<string, string>();
  readonly #maxPrepared: number;
  /** Work under way, which `close` waits for. */
  readonly #running = new Set<Promise<unknown>>();
  /** Settles when the last interactive transaction queued so far has ended. */
  #transactions: Promise<void> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;

  /** `config` is passed to pg's Pool, with pipeline mode on and this adapter's type parsers. */
  constructor(config: PoolConfig, options: PgExecutorOptions = {}) {
    const onError = options.onConnectionError ?? (() => undefined);
    this.#pool = new Pool({ ...config, pipeline: true, types: pgTypeParsers() });
    // Without listeners, a connection lost while idle (pool) or checked out (client) would be an
    // uncaught 'error' event and end the process.
    this.#pool.on("error", onError);
    this.#pool.on("connect", (client) => client.on("error", onError));
    this.#maxPrepared = options.preparedStatements ?? 256;
  }

  query<R>(statement: CompiledQuery<R>): Promise<R[]> {
    return this.#track(async () => {
      const result = await this.#pool.query(this.#config(statement));
      return result.rows as R[];
    });
  }

  batch<const T extends readonly CompiledQuery<unknown>[]>(statements: T): Promise<SqlResults<T>> {
    return this.#track(() => this.#batch(statements)) as Promise<SqlResults<T>>;
  }

  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.#track(async () => {
      const previous = this.#transactions;
      let done = (): void => undefined;
      this.#transactions = new Promise<void>((resolve) => {
        done = resolve;
      });
      try {
        await previous;
        return await this.#transaction(fn);
      } finally {
        done();
      }
    });
  }

  /** Stops new calls, waits for the work under way, then closes every connection. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await Promise.allSettled([...this.#running]);
      await this.#pool.end();
    })();
    return this.#closing;
  }

  #track<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("the database is closed"));
    const promise = work();
    this.#running.add(promise);
    const forget = (): void => void this.#running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  async #batch(statements: readonly CompiledQuery<unknown>[]): Promise<SqlResult<unknown>[]> {
    if (statements.length === 0) return [];
    const configs = statements.map((statement) => this.#config(statement));
    const client = await this.#pool.connect();
    try {
      const [single] = configs;
      if (configs.length === 1 && single !== undefined) return [toResult(await client.query(single))];
      const sent = [client.query("BEGIN"), ...configs.map((config) => client.query(config)), client.query("COMMIT")];
      const outcomes = await Promise.allSettled(sent);
      const results: QueryResult[] = [];
      for (const outcome of outcomes) {
        if (outcome.status === "rejected") throw outcome.reason;
        results.push(outcome.value);
      }
      if (results.at(-1)?.command !== "COMMIT") throw new Error("the batch was rolled back");
      return results.slice(1, -1).map(toResult);
    } finally {
      release(client);
    }
  }

  async #transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      const begun = await Promise.allSettled([client.query("BEGIN"), client.query(this.#config(transactionLock))]);
      for (const outcome of begun) if (outcome.status === "rejected") throw outcome.reason;
      let active = true;
      const tx: SqlTransaction = {
        execute: async <R>(statement: CompiledQuery<R>) => {
          if (!active) throw new Error("the transaction has ended");
          return toResult(await client.query(this.#config(statement))) as SqlResult<R>;
        },
      };
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        active = false;
        // A failed ROLLBACK leaves the connection in a transaction; release() then discards it.
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      active = false;
      const commit = await client.query("COMMIT");
      // COMMIT of a transaction in which a statement failed rolls back instead.
      if (commit.command !== "COMMIT") throw new Error("the transaction was rolled back: one of its statements failed");
      return result;
    } finally {
      release(client);
    }
  }

  #config(statement: CompiledQuery<unknown>): QueryConfig {
    const values = statement.parameters;
    values.forEach(checkParameter);
    if (values.length === 0) return { text: statement.sql };
    let name = this.#statementNames.get(statement.sql);
    if (name === undefined && this.#statementNames.size < this.#maxPrepared) {
      name = `parley_${this.#statementNames.size}`;
      this.#statementNames.set(statement.sql, name);
    }
    return { name, text: statement.sql, values: [...values] };
  }
}

function toResult(result: QueryResult): SqlResult<unknown> {
  return { rows: result.rows, changes: result.rowCount ?? 0 };
}

/** Back to the pool, or closed when it is not idle outside a transaction (or broken). */
function release(client: PoolClient): void {
  client.release(client.getTransactionStatus() !== "I");
}

/** The values `pg` sends without running code of theirs that could throw. */
function checkParameter(value: unknown): void {
  if (value === null || value === undefined || value instanceof Uint8Array) return;
  switch (typeof value) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
      return;
  }
  if (Array.isArray(value)) {
    value.forEach(checkParameter);
    return;
  }
  throw new TypeError(`a statement parameter cannot be a ${typeof value}`);
}
