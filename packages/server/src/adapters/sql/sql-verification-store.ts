import type { Kysely, Selectable } from "kysely";
import type { IdentifierKind, VerificationSessionRecord, VerificationStore } from "../../ports/index.js";
import type { Database, VerificationSessionsTable } from "./database.js";
import type { SqlExecutor } from "./sql-executor.js";
import { bytes } from "./sql-values.js";

function toSession(row: Selectable<VerificationSessionsTable>): VerificationSessionRecord {
  return {
    id: row.id,
    identifierKind: row.identifier_kind as IdentifierKind,
    identifier: row.identifier,
    codeHash: bytes(row.code_hash),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    attempts: row.attempts,
    verified: row.verified === 1,
  };
}

/**
 * VerificationStore on SQL. The increment and the consumption are single statements with
 * RETURNING, so they are atomic without an interactive transaction. Verification is off the hot
 * path, so statements are compiled per call.
 */
export class SqlVerificationStore implements VerificationStore {
  readonly #executor: SqlExecutor;
  readonly #db: Kysely<Database>;

  constructor(executor: SqlExecutor, db: Kysely<Database>) {
    this.#executor = executor;
    this.#db = db;
  }

  async create(session: VerificationSessionRecord): Promise<void> {
    const row = {
      id: session.id,
      identifier_kind: session.identifierKind,
      identifier: session.identifier,
      code_hash: session.codeHash,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      attempts: session.attempts,
      verified: session.verified ? 1 : 0,
    };
    await this.#executor.batch([this.#db.insertInto("verification_sessions").values(row).compile()]);
  }

  async get(id: string): Promise<VerificationSessionRecord | undefined> {
    const statement = this.#db.selectFrom("verification_sessions").selectAll().where("id", "=", id);
    const [row] = await this.#executor.query(statement.compile());
    return row === undefined ? undefined : toSession(row);
  }

  async recordAttempt(id: string): Promise<VerificationSessionRecord | undefined> {
    const statement = this.#db
      .updateTable("verification_sessions")
      .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
      .where("id", "=", id)
      .returningAll()
      .compile();
    const [result] = await this.#executor.batch([statement]);
    const [row] = result.rows;
    return row === undefined ? undefined : toSession(row);
  }

  async markVerified(id: string): Promise<void> {
    const statement = this.#db.updateTable("verification_sessions").set({ verified: 1 }).where("id", "=", id);
    await this.#executor.batch([statement.compile()]);
  }

  async consume(id: string, now: number): Promise<VerificationSessionRecord | undefined> {
    const statement = this.#db
      .deleteFrom("verification_sessions")
      .where("id", "=", id)
      .where("verified", "=", 1)
      .where("expires_at", ">", now)
      .returningAll()
      .compile();
    const [result] = await this.#executor.batch([statement]);
    const [row] = result.rows;
    return row === undefined ? undefined : toSession(row);
  }

  async deleteExpired(now: number): Promise<number> {
    const statement = this.#db.deleteFrom("verification_sessions").where("expires_at", "<", now).compile();
    const [result] = await this.#executor.batch([statement]);
    return result.changes;
  }
}
