import type Sqlite from "better-sqlite3-multiple-ciphers";
import { RecencyCache } from "../cache/recency-cache.js";

type Statement = Sqlite.Statement<unknown[], unknown>;

/**
 * Prepared statements by SQL text, those unused for a while dropped beyond `capacity`. Hot-path SQL
 * comes from query templates whose text is one string object, so a lookup is a cached-hash Map
 * hit; ad-hoc SQL (batched key inserts of varying size) is what the bound is for.
 */
export class StatementCache {
  readonly #db: Sqlite.Database;
  readonly #statements: RecencyCache<string, Statement>;

  constructor(db: Sqlite.Database, capacity: number) {
    this.#db = db;
    this.#statements = new RecencyCache(Math.max(2, capacity));
  }

  get(sql: string): Statement {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) return cached;
    const statement = this.#db.prepare<unknown[], unknown>(sql);
    this.#statements.set(sql, statement);
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
