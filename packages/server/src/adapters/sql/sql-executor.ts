import type { CompiledQuery } from "kysely";

/** What one statement did: its rows (SELECT, or RETURNING) and how many rows it changed. */
export interface SqlResult<R> {
  readonly rows: R[];
  /** Rows inserted, updated or deleted; for a statement with RETURNING, the number of rows. */
  readonly changes: number;
  /**
   * For an INSERT (built with kysely, without RETURNING) that inserted rows into a table with an
   * integer primary key: that key of the last row inserted. Backends that cannot tell leave it undefined (their
   * statements use RETURNING instead, which SQLite executes more slowly: it buffers the rows in
   * a temporary table first).
   */
  readonly lastInsertId?: number;
}

/** The results of a batch, one per statement, typed after each statement's row type. */
export type SqlResults<T extends readonly CompiledQuery<unknown>[]> = {
  -readonly [K in keyof T]: T[K] extends CompiledQuery<infer R> ? SqlResult<R> : never;
};

/** The statements of an interactive transaction run through this. */
export interface SqlTransaction {
  execute<R>(statement: CompiledQuery<R>): Promise<SqlResult<R>>;
}

/**
 * Runs compiled statements (kysely builds them; this runs them) against one database.
 *
 * Guarantees:
 * - `query` sees only committed data.
 * - `batch` runs its statements in order as one atomic unit: all take effect or none does; when
 *   it resolves the unit is committed and durable (as durable as the database is configured to
 *   be). The executor may commit several batches together, but a batch that fails rejects only
 *   its own caller.
 * - `transaction` runs `fn` in one transaction, committed when `fn` resolves and rolled back when
 *   it throws. No other transaction runs in between, through any executor on the same database
 *   (schema), so what `fn` reads no other transaction changes before it commits. Batches may
 *   commit in between on an executor with several connections (PostgreSQL; SQLite runs nothing
 *   in between): each is atomic on its own, and callers keep every read-decide-write step in a
 *   transaction, never split across a batch. `fn` must not await anything but its own statements:
 *   other work may wait while it runs.
 * - After `close` resolves, every call rejects; `close` waits for queued writes first.
 */
export interface SqlExecutor {
  query<R>(statement: CompiledQuery<R>): Promise<R[]>;
  batch<const T extends readonly CompiledQuery<unknown>[]>(statements: T): Promise<SqlResults<T>>;
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
