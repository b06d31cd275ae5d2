import { CompiledQuery } from "kysely";
import type { PoolConfig } from "pg";
import type { Stores } from "../../../ports/index.js";
import { runMigrations } from "../migration.js";
import { postgresMigrations } from "../migrations/postgres/index.js";
import { createSqlStores } from "../sql-stores.js";
import { PgExecutor } from "./pg-executor.js";
import { migrationLock } from "./postgres-locks.js";
import { createPostgresQueryBuilder } from "./postgres-query-builder.js";
import { PostgresConnectError, formatTarget, postgresTarget } from "./postgres-target.js";

/** pg pool settings this adapter leaves to the caller (it sets types, pipelining and options). */
export type PostgresPoolSettings = Omit<
  PoolConfig,
  "connectionString" | "types" | "pipeline" | "options" | "max" | "connectionTimeoutMillis"
>;

export interface PostgresStoresOptions {
  /**
   * postgres://user:password@host:port/database (URL parameters such as sslmode work, except
   * `options`, which would replace the server settings this adapter makes); what it leaves out
   * comes from `pool`, then from the PG* environment variables. Errors never repeat it.
   */
  readonly url?: string;
  /** Connections this node keeps to PostgreSQL, at most (default 10). */
  readonly poolSize?: number;
  /** Further connection settings (host, user, password, ssl, ...); the URL wins where both say. */
  readonly pool?: PostgresPoolSettings;
  /**
   * The schema holding Parley's tables; it must exist. Default: the first schema of the server's
   * search_path (normally public). Lower-case letters, digits and underscores.
   */
  readonly schema?: string;
  /** How long to wait for a connection, in ms (default 10000): at startup, and later for a free one. */
  readonly connectTimeoutMs?: number;
  /** Told about connections lost while open (the pool opens new ones); the default ignores them. */
  readonly onConnectionError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Connects to PostgreSQL, brings the schema up to date (safely when several nodes start at once:
 * migrations take an advisory lock) and returns the stores. Rejects with a PostgresConnectError,
 * naming host and port, when the database cannot be reached, and with a plain Error when the
 * schema does not exist. Imports `pg`: the composition root loads this module only in cluster
 * mode.
 */
export async function openPostgresStores(options: PostgresStoresOptions): Promise<Stores> {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TypeError(`invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and underscores`);
  }
  const target = postgresTarget(options.url, options.pool);
  // Startup options: the search_path decides where every unqualified table name resolves;
  // bytea_output = hex is the only form the type parser reads.
  const serverOptions = [`-c bytea_output=hex`, ...(schema === undefined ? [] : [`-c search_path=${schema}`])];
  const executor = new PgExecutor(
    {
      application_name: "parley",
      keepAlive: true,
      // A node that hangs inside a transaction would hold the transaction lock for every node.
      idle_in_transaction_session_timeout: 60_000,
      ...options.pool,
      ...(options.url === undefined ? {} : { connectionString: options.url }),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      options: serverOptions.join(" "),
    },
    options.onConnectionError === undefined ? {} : { onConnectionError: options.onConnectionError },
  );
  const db = createPostgresQueryBuilder();
  try {
    let rows: { current: string | null }[];
    try {
      rows = await executor.query(CompiledQuery.raw("SELECT current_schema() AS current") as CompiledQuery<{ current: string | null }>);
    } catch (error) {
      throw new PostgresConnectError(target, error);
    }
    const current = rows[0]?.current;
    if (schema !== undefined && current !== schema) {
      throw new Error(`the PostgreSQL schema "${schema}" does not exist at ${formatTarget(target)}`);
    }
    await runMigrations(executor, db, postgresMigrations, Date.now, { lock: migrationLock });
  } catch (error) {
    await executor.close();
    throw error;
  }
  return createSqlStores(executor, db, "postgres");
}
