import Sqlite from "better-sqlite3-multiple-ciphers";
import type { CompiledQuery } from "kysely";
import { applySqliteKey, openFailure, proveSqliteKey, sqlString } from "./sqlite-cipher.js";
import type { SqlExecutor, SqlResult, SqlResults, SqlTransaction } from "./sql-executor.js";
import { StatementCache } from "./statement-cache.js";

export interface SqliteExecutorOptions {
  /** A file path, or ":memory:" (tests). The parent directory must exist. */
  readonly path: string;
  /**
   * FULL (default): a commit is on disk when it returns, even after a power cut. NORMAL: a commit
   * survives a process crash but the last ones may be lost on power failure (WAL mode).
   */
  readonly synchronous?: "FULL" | "NORMAL";
  /**
   * SQLCipher passphrase; the database is encrypted when given (./sqlite-cipher.ts). Never logged.
   * A key that does not open the file fails the constructor with a StorageError, file untouched.
   */
  readonly key?: string;
  /** How long a write waits for another process's lock before failing (ms). */
  readonly busyTimeoutMs?: number;
  /**
   * Hold the file lock for the life of the connection (locking_mode=EXCLUSIVE): no other process
   * can open the database meanwhile, and SQLite skips the lock calls it otherwise makes around
   * every statement (and keeps the WAL index in memory). For a server that owns its file.
   */
  readonly exclusive?: boolean;
  /**
   * Group commit spacing (ms): a commit starts at least this long after the previous one started;
   * batches requested meanwhile wait and share it. 0 (default): every turn of the event loop that
   * queued a batch commits it on the next macrotask.
   */
  readonly commitIntervalMs?: number;
  /** Prepared statements kept (those unused for a while dropped). */
  readonly statementCacheSize?: number;
}

interface PendingBatch {
  readonly statements: readonly CompiledQuery<unknown>[];
  readonly resolve: (results: SqlResult<unknown>[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * SqlExecutor on one better-sqlite3 connection (SQLite is one writer anyway).
 *
 * Group commit: `batch` only queues; on the next macrotask (setImmediate) every queued batch runs
 * inside one BEGIN IMMEDIATE ... COMMIT, so one fsync covers them all, and each caller's promise
 * resolves after COMMIT returned. When that combined transaction fails it is rolled back and each
 * batch re-runs alone in its own transaction, so a bad batch fails only its own caller. With
 * `commitIntervalMs`, commits are spaced at least that far apart and a group waits for its turn.
 *
 * Interactive transactions take turns on a promise chain. A flush is synchronous from BEGIN to
 * COMMIT, so it never interleaves with a transaction; flushes and reads that come due while a
 * transaction is open wait for it (reads would otherwise see its uncommitted writes, as they share
 * the connection). Other reads run at once, synchronously.
 */
export class SqliteExecutor implements SqlExecutor {
  readonly #db: Sqlite.Database;
  readonly #statements: StatementCache;
  #queue: PendingBatch[] = [];
  #flushScheduled = false;
  readonly #commitIntervalMs: number;
  /** When the last group commit started (performance.now()). */
  #lastFlushAt = Number.NEGATIVE_INFINITY;
  /** Settles when the last transaction queued so far has ended. */
  #transactions: Promise<void> = Promise.resolve();
  /** Settles when the transaction running now ends; undefined when none runs. */
  #running: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: SqliteExecutorOptions) {
    const db = new Sqlite(options.path);
    try {
      // exec, not pragma(): pragma() prepares a statement object and drops it, and on Node 24
      // better-sqlite3 12 can abort when such a statement is collected outside a JS context.
      if (options.key !== undefined) {
        applySqliteKey(db, options.key);
        // Sorting and temporary tables stay in memory, never in unencrypted temporary files.
        db.exec("PRAGMA temp_store = MEMORY");
      }
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
      proveSqliteKey(db, options.path, options.key !== undefined);
      if (options.exclusive === true) db.exec("PRAGMA locking_mode = EXCLUSIVE");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec(`PRAGMA synchronous = ${options.synchronous ?? "FULL"}`);
      db.exec("PRAGMA foreign_keys = ON");
    } catch (error) {
      db.close();
      throw openFailure(error, options.path, options.key !== undefined);
    }
    this.#db = db;
    this.#commitIntervalMs = Math.max(0, options.commitIntervalMs ?? 0);
    this.#statements = new StatementCache(db, options.statementCacheSize ?? 256);
  }

  async query<R>(statement: CompiledQuery<R>): Promise<R[]> {
    this.#assertOpen();
    while (this.#running !== undefined) await this.#running;
    this.#assertOpen();
    return this.#execute(statement).rows;
  }

  batch<const T extends readonly CompiledQuery<unknown>[]>(statements: T): Promise<SqlResults<T>> {
    if (this.#closed) return Promise.reject(new Error("the database is closed"));
    return new Promise<SqlResult<unknown>[]>((resolve, reject) => {
      this.#queue.push({ statements, resolve, reject });
      this.#scheduleFlush();
    }) as Promise<SqlResults<T>>;
  }

  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    this.#assertOpen();
    const previous = this.#transactions;
    let release = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#transactions = previous.then(() => done);
    await previous;
    this.#running = done;
    let active = true;
    const tx: SqlTransaction = {
      execute: async <R>(statement: CompiledQuery<R>) => {
        if (!active) throw new Error("the transaction has ended");
        return this.#execute(statement);
      },
    };
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      const result = await fn(tx);
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.#db.open && this.#db.inTransaction) this.#db.exec("ROLLBACK");
      throw error;
    } finally {
      active = false;
      this.#running = undefined;
      release();
      if (this.#queue.length > 0) this.#scheduleFlush();
    }
  }

  /**
   * Writes a consistent copy of the database to `target` (VACUUM INTO: a new, compact file in
   * rollback-journal mode, encrypted with this connection's key when it has one) while the
   * connection stays in use. It waits for a running interactive transaction, then copies in one
   * synchronous step, so it sees every commit that has returned and nothing uncommitted; other
   * callers wait meanwhile. `target` must not exist (or be empty).
   */
  async snapshot(target: string): Promise<void> {
    this.#assertOpen();
    while (this.#running !== undefined) await this.#running;
    this.#assertOpen();
    this.#db.exec(`VACUUM INTO ${sqlString(target)}`);
  }

  /** Stops new calls, lets queued transactions and batches finish, then closes the file. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.#transactions;
      this.#flush();
      this.#db.close();
      // Unreferenced statements are collected while the process still runs, not during its
      // teardown, where better-sqlite3 12 on Node 24 aborts in the statement destructor.
      this.#statements.clear();
    })();
    return this.#closing;
  }

  /** Prepared statements held now (for tests and diagnostics). */
  get cachedStatements(): number {
    return this.#statements.size;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("the database is closed");
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    const wait = this.#lastFlushAt + this.#commitIntervalMs - performance.now();
    if (wait >= 1) setTimeout(() => this.#flush(), wait);
    else setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#running !== undefined || this.#queue.length === 0 || !this.#db.open) return;
    this.#lastFlushAt = performance.now();
    const group = this.#queue;
    this.#queue = [];
    let results: SqlResult<unknown>[][];
    try {
      results = this.#inTransaction(() => group.map((batch) => this.#executeAll(batch.statements)));
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
      for (const batch of group) this.#runAlone(batch);
      return;
    }
    group.forEach((batch, i) => batch.resolve(results[i] ?? []));
  }

  #runAlone(batch: PendingBatch): void {
    let results: SqlResult<unknown>[];
    try {
      results = this.#inTransaction(() => this.#executeAll(batch.statements));
    } catch (error) {
      batch.reject(error);
      return;
    }
    batch.resolve(results);
  }

  /** Runs `work` between BEGIN IMMEDIATE and COMMIT; rolls back and rethrows when it throws. */
  #inTransaction<T>(work: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  #executeAll(statements: readonly CompiledQuery<unknown>[]): SqlResult<unknown>[] {
    return statements.map((statement) => this.#execute(statement));
  }

  #execute<R>(statement: CompiledQuery<R>): SqlResult<R> {
    const prepared = this.#statements.get(statement.sql);
    if (prepared.reader) {
      const rows = prepared.all(...statement.parameters) as R[];
      return { rows, changes: rows.length };
    }
    const info = prepared.run(...statement.parameters);
    // better-sqlite3 reports the connection's last rowid whatever the statement: only an INSERT
    // (built with kysely) that inserted rows gives its own.
    if (info.changes === 0 || statement.query.kind !== "InsertQueryNode") return { rows: [], changes: info.changes };
    return { rows: [], changes: info.changes, lastInsertId: Number(info.lastInsertRowid) };
  }
}
