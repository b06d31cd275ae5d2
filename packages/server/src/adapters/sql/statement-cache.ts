import type Sqlite from "better-sqlite3-multiple-ciphers";

type Statement = Sqlite.Statement<unknown[], unknown>;

/**
 * Prepared statements by SQL text, least recently used dropped beyond `capacity`. Hot-path SQL
 * comes from query templates whose text is one string object, so a lookup is a cached-hash Map
 * hit; ad-hoc SQL (batched key inserts of varying size) is what the bound is for.
 */
export class StatementCache {
  readonly #db: Sqlite.Database;
  readonly #capacity: number;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Sqlite.Database, capacity: number) {
    this.#db = db;
    this.#capacity = capacity;
  }

  get(sql: string): Statement {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      // Re-insert to mark it most recently used.
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = this.#db.prepare<unknown[], unknown>(sql);
    this.#statements.set(sql, statement);
    if (this.#statements.size > this.#capacity) {
      const oldest = this.#statements.keys().next();
      if (oldest.done !== true) this.#statements.delete(oldest.value);
    }
    return statement;
  }

  /** Drops every statement, so they can be collected (call when the database closes). */
  clear(): void {
    this.#statements.clear();
  }

  get size(): number {
    return this.#statements.size;
  }
}
