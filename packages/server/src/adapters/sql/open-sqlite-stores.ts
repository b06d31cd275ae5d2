import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Stores } from "../../ports/index.js";
import { runMigrations } from "./migration.js";
import { sqliteMigrations } from "./migrations/sqlite/index.js";
import { createSqlStores } from "./sql-stores.js";
import { SqliteExecutor } from "./sqlite-executor.js";
import { createSqliteQueryBuilder } from "./sqlite-query-builder.js";

export interface SqliteStoresOptions {
  /** The database file (its directory is created), or ":memory:" for tests. */
  readonly path: string;
  /** See SqliteExecutorOptions.synchronous; FULL by default. */
  readonly synchronous?: "FULL" | "NORMAL";
  /** See SqliteExecutorOptions.commitIntervalMs; 0 by default. */
  readonly commitIntervalMs?: number;
  /** SQLCipher key: the file is encrypted when given. */
  readonly key?: string;
  /** See SqliteExecutorOptions.exclusive; false by default. */
  readonly exclusive?: boolean;
}

/** The stores of one SQLite file, and what only a file-backed database can do. */
export interface SqliteStores extends Stores {
  /** Writes a consistent copy of the database to `target`; see SqliteExecutor.snapshot. */
  snapshot(target: string): Promise<void>;
}

/**
 * Opens (creating if needed) a SQLite database, brings its schema up to date, returns its stores.
 * Rejects with a StorageError (file untouched) when the key does not open it or another process
 * holds it exclusively.
 */
export async function openSqliteStores(options: SqliteStoresOptions): Promise<SqliteStores> {
  if (options.path !== ":memory:" && !options.path.startsWith("file:")) {
    await mkdir(dirname(options.path), { recursive: true });
  }
  const executor = new SqliteExecutor({
    path: options.path,
    ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.commitIntervalMs === undefined ? {} : { commitIntervalMs: options.commitIntervalMs }),
    ...(options.exclusive === undefined ? {} : { exclusive: options.exclusive }),
  });
  const db = createSqliteQueryBuilder();
  try {
    await runMigrations(executor, db, sqliteMigrations);
  } catch (error) {
    await executor.close();
    throw error;
  }
  return { ...createSqlStores(executor, db), snapshot: (target) => executor.snapshot(target) };
}
