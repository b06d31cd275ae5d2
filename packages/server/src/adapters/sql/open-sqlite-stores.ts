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
  /** SQLCipher key: the file is encrypted when given. */
  readonly key?: string;
  /** See SqliteExecutorOptions.exclusive; false by default. */
  readonly exclusive?: boolean;
}

/** Opens (creating if needed) a SQLite database, brings its schema up to date, returns its stores. */
export async function openSqliteStores(options: SqliteStoresOptions): Promise<Stores> {
  if (options.path !== ":memory:" && !options.path.startsWith("file:")) {
    await mkdir(dirname(options.path), { recursive: true });
  }
  const executor = new SqliteExecutor({
    path: options.path,
    ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.exclusive === undefined ? {} : { exclusive: options.exclusive }),
  });
  const db = createSqliteQueryBuilder();
  try {
    await runMigrations(executor, db, sqliteMigrations);
  } catch (error) {
    await executor.close();
    throw error;
  }
  return createSqlStores(executor, db);
}
