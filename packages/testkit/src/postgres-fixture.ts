import { randomBytes } from "node:crypto";
import { describe, it } from "vitest";
import type { Stores } from "../../server/src/ports/index.js";
import type { StoresFactory } from "./store-fixtures.js";

/** A local server with trust authentication, as CI provides it. */
export const DEFAULT_POSTGRES_TEST_URL = "postgres://postgres@127.0.0.1:5432/test";

/** The test database: PARLEY_TEST_POSTGRES_URL, else DEFAULT_POSTGRES_TEST_URL. */
export function postgresTestUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const url = env["PARLEY_TEST_POSTGRES_URL"]?.trim();
  return url === undefined || url === "" ? DEFAULT_POSTGRES_TEST_URL : url;
}

/** What a test needs from openPostgresStores (passed in, so that testkit does not import it). */
export interface PostgresTestStoresOptions {
  readonly url: string;
  readonly schema: string;
  readonly poolSize: number;
}
export type PostgresStoresOpener = (options: PostgresTestStoresOptions) => Promise<Stores>;

/** A schema of its own for one test, so test files can share a database and run in parallel. */
export interface TestSchema {
  readonly name: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** Connections each opened Stores may keep: tests run several at once against one server. */
const TEST_POOL_SIZE = 4;

/** Runs `work` on a connection of its own to `url`, closed afterwards. `pg` loads only here. */
async function withClient<T>(url: string, work: (query: (sql: string) => Promise<unknown>) => Promise<T>): Promise<T> {
  const { Client } = await import("pg");
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  // A connection lost while idle must not become an uncaught 'error' event.
  client.on("error", () => undefined);
  try {
    await client.connect();
    return await work((sql) => client.query(sql));
  } finally {
    await client.end();
  }
}

/** A database of its own (for server processes, which take a database URL, not a schema). */
export interface TestDatabase {
  readonly name: string;
  /** `adminUrl` with this database in its path. */
  readonly url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** Creates an empty database <prefix>_<random> on the server of `adminUrl`. */
export async function createTestDatabase(adminUrl: string, prefix = "parley_test"): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await withClient(adminUrl, (query) => query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await withClient(adminUrl, (query) => query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Creates an empty schema parley_test_<random>. */
export async function createTestSchema(url: string): Promise<TestSchema> {
  const name = `parley_test_${randomBytes(6).toString("hex")}`;
  await withClient(url, (query) => query(`CREATE SCHEMA ${name}`));
  return {
    name,
    drop: async () => {
      await withClient(url, (query) => query(`DROP SCHEMA IF EXISTS ${name} CASCADE`));
    },
  };
}

/**
 * Stores in a fresh schema for every test (dropped at teardown), with peers: further Stores on
 * the same schema through their own pools, as other server nodes.
 */
export function postgresStoresFactory(url: string, open: PostgresStoresOpener): StoresFactory {
  return async () => {
    const schema = await createTestSchema(url);
    const options = { url, schema: schema.name, poolSize: TEST_POOL_SIZE };
    let stores: Stores;
    try {
      stores = await open(options);
    } catch (error) {
      await schema.drop();
      throw error;
    }
    return {
      stores,
      openPeer: () => open(options),
      teardown: async () => {
        await stores.close();
        await schema.drop();
      },
    };
  };
}

/** Why PostgreSQL at `url` cannot serve the tests, or undefined when it answers. */
export async function postgresUnavailableReason(url: string): Promise<string | undefined> {
  try {
    await withClient(url, (query) => query("SELECT 1"));
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message || error.name : String(error);
    return `PostgreSQL at ${hostOf(url)} is unavailable (${message})`;
  }
}

/**
 * Declares `body`'s suites when PostgreSQL answers at the test URL. Otherwise, in CI (CI=true)
 * the file fails; elsewhere it reports one skipped test whose name says why, and warns.
 */
export async function describeWithPostgres(name: string, body: (url: string) => void): Promise<void> {
  const url = postgresTestUrl();
  const reason = await postgresUnavailableReason(url);
  if (reason === undefined) {
    describe(name, () => body(url));
    return;
  }
  if (process.env["CI"] === "true") throw new Error(`${name}: ${reason}; CI must provide it (PARLEY_TEST_POSTGRES_URL)`);
  console.warn(`skipping ${name}: ${reason} (set PARLEY_TEST_POSTGRES_URL)`);
  describe.skip(name, () => {
    it(`needs PostgreSQL: ${reason}`, () => undefined);
  });
}

/** host:port of a URL, without credentials. */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}`;
  } catch {
    return "an unparsable URL";
  }
}
