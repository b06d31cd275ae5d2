// Cluster-mode storage. Imported lazily by the composition root (never from ../index.ts), so a
// single-node start never loads the pg client.
export { openPostgresStores, type PostgresStoresOptions, type PostgresPoolSettings } from "./open-postgres-stores.js";
export { PostgresConnectError, postgresTarget, type PostgresTarget } from "./postgres-target.js";
export { PgExecutor, type PgExecutorOptions } from "./pg-executor.js";
export { createPostgresQueryBuilder } from "./postgres-query-builder.js";
export { postgresMigrations } from "../migrations/postgres/index.js";
