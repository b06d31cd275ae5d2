import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import type { Database } from "../database.js";

/**
 * A kysely instance that only compiles PostgreSQL statements ($1 placeholders, RETURNING, FOR
 * UPDATE); it has no connection (DummyDriver), as statements run through a PgExecutor. The twin of
 * createSqliteQueryBuilder: the SQL stores take either.
 */
export function createPostgresQueryBuilder(): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}
