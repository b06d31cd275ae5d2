import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from "kysely";
import type { Database } from "./database.js";

/**
 * A kysely instance that only compiles SQLite statements; it has no connection (DummyDriver), as
 * statements run through a SqlExecutor. Its PostgreSQL twin (postgres/postgres-query-builder.ts)
 * swaps the adapter and compiler.
 */
export function createSqliteQueryBuilder(): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
}
