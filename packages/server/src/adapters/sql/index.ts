export { openSqliteStores, type SqliteStoresOptions } from "./open-sqlite-stores.js";
export { createSqlStores } from "./sql-stores.js";
export type { SqlExecutor, SqlResult, SqlResults, SqlTransaction } from "./sql-executor.js";
export { SqliteExecutor, type SqliteExecutorOptions } from "./sqlite-executor.js";
export { createSqliteQueryBuilder } from "./sqlite-query-builder.js";
export { runMigrations, type Migration } from "./migration.js";
export { sqliteMigrations } from "./migrations/sqlite/index.js";
export { queryTemplate } from "./query-template.js";
export type { Database } from "./database.js";
