import { CompiledQuery, type Kysely } from "kysely";
import type { Database } from "./database.js";
import type { SqlExecutor } from "./sql-executor.js";

/** One schema change of one dialect, applied once, in id order. */
export interface Migration {
  /** Position in the sequence; the NNNN of the file name. */
  readonly id: number;
  readonly name: string;
  /** Run in order, each as one statement (no parameters). */
  readonly statements: readonly string[];
}

/** What a dialect adds to the migration run. */
export interface MigrationHooks {
  /**
   * Run first in the migration transaction, before the `migrations` table is created or read:
   * blocks until no other process is migrating the same schema, and holds that off until this
   * transaction ends. Needed where several servers share one database and may start together
   * (PostgreSQL: pg_advisory_xact_lock); SQLite's write lock already does it.
   */
  readonly lock?: CompiledQuery<unknown>;
}

/**
 * Applies the migrations not yet recorded in the `migrations` table (id: Migration.id, name,
 * applied_at: ms since the epoch), all in one transaction: a failing migration leaves the schema
 * as it was. Idempotent: running it again changes nothing, also when several processes run it at
 * once (given the dialect's lock hook). Refuses a database migrated by a newer version (an id it
 * does not know). Returns the ids it applied.
 */
export async function runMigrations(
  executor: SqlExecutor,
  builder: Kysely<Database>,
  migrations: readonly Migration[],
  now: () => number = Date.now,
  hooks: MigrationHooks = {},
): Promise<number[]> {
  const sorted = [...migrations].sort((a, b) => a.id - b.id);
  const createTable = builder.schema
    .createTable("migrations")
    .ifNotExists()
    .addColumn("id", "integer", (column) => column.primaryKey().notNull())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("applied_at", "bigint", (column) => column.notNull())
    .compile();
  const selectApplied = builder.selectFrom("migrations").select("id").compile();
  return executor.transaction(async (tx) => {
    if (hooks.lock !== undefined) await tx.execute(hooks.lock);
    await tx.execute(createTable);
    const applied = await tx.execute(selectApplied);
    const appliedIds = new Set(applied.rows.map((row) => Number(row.id)));
    const known = new Set(sorted.map((migration) => migration.id));
    const unknown = [...appliedIds].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new Error(`the database has migrations this version does not know: ${unknown.join(", ")}`);
    }
    const ran: number[] = [];
    for (const migration of sorted) {
      if (appliedIds.has(migration.id)) continue;
      for (const statement of migration.statements) await tx.execute(CompiledQuery.raw(statement));
      const record = { id: migration.id, name: migration.name, applied_at: now() };
      await tx.execute(builder.insertInto("migrations").values(record).compile());
      ran.push(migration.id);
    }
    return ran;
  });
}
