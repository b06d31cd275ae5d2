// Cluster mode: rate-limit counters in PostgreSQL, shared by every node, so a client gets one
// budget however its requests are spread. Imports `pg`: the composition root loads this module
// lazily, in cluster mode only.
//
// Each check is one upsert on a small table of its own (rate-limiter-flexible's layout: key,
// points, expiry). Two things keep the database out of a flood's path: a key over its limit is
// then refused from this node's memory until its window ends, and while PostgreSQL cannot be
// reached each node counts in memory (so limits hold per node instead of failing open).
import { RateLimiterMemory, RateLimiterPostgres } from "rate-limiter-flexible";
import { Pool } from "pg";
import type { RateLimiterFactory } from "./rate-limits.js";

export const RATE_LIMIT_TABLE = "parley_rate_limits";

export interface PostgresRateLimitersOptions {
  /** The cluster's PostgreSQL URL (cluster.postgresUrl); the table goes in its default schema. */
  readonly url: string;
  /** Connections for the counters, apart from the stores' pool (default 4). */
  readonly poolSize?: number;
  /** The schema for the table (default: the first of the server's search_path). */
  readonly schema?: string;
  /** Connections lost while open (the pool opens new ones). */
  readonly onConnectionError?: (error: Error) => void;
}

export interface PostgresRateLimiters {
  readonly factory: RateLimiterFactory;
  close(): Promise<void>;
}

/** Connects, creates the counter table if missing (safely when nodes start together), and returns the factory. */
export async function openPostgresRateLimiters(options: PostgresRateLimitersOptions): Promise<PostgresRateLimiters> {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new TypeError(`invalid PostgreSQL schema name "${options.schema}": use lower-case letters, digits and underscores`);
  }
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 4,
    application_name: "parley-rate-limits",
    keepAlive: true,
    // A database that stalls must not stall requests: after this the limiter counts in memory.
    connectionTimeoutMillis: 2000,
    query_timeout: 2000,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  pool.on("error", options.onConnectionError ?? (() => undefined));
  try {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${RATE_LIMIT_TABLE} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`,
    );
  } catch (error) {
    // Two nodes creating the table at once: the slower one fails on the catalog (a duplicate key,
    // table or type) although IF NOT EXISTS was given; the table is there all the same.
    const code = (error as { code?: string }).code;
    if (code !== "23505" && code !== "42P07" && code !== "42710") {
      await pool.end();
      throw error;
    }
  }
  let first = true;
  const factory: RateLimiterFactory = (name, window, blockSeconds) => {
    const common = { keyPrefix: name, points: window.points, duration: window.seconds, blockDuration: blockSeconds };
    const limiter = new RateLimiterPostgres({
      ...common,
      storeClient: pool,
      storeType: "pool",
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      // One limiter of the shared table deletes expired rows (every five minutes); one is enough.
      clearExpiredByTimeout: first,
      // A lockout must be stored to hold on every node, so that limit is never short-cut in memory.
      ...(blockSeconds > 0 ? {} : { inMemoryBlockOnConsumed: window.points + 1 }),
      insuranceLimiter: new RateLimiterMemory(common),
    });
    first = false;
    return limiter;
  };
  return { factory, close: () => pool.end() };
}
