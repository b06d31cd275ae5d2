import type { Kysely, Selectable } from "kysely";
import type {
  AccountFactors,
  AddPasskeyResult,
  AttemptCount,
  AttemptKind,
  ChallengeRecord,
  FactorStore,
  PasskeyRecord,
  PendingTotpRecord,
  PinRecord,
  TotpRecord,
} from "../../ports/index.js";
import type { Database } from "./database.js";
import type { PasskeysTable } from "./factor-tables.js";
import type { SqlExecutor } from "./sql-executor.js";
import { bytes, countOf, sameBytes } from "./sql-values.js";

/**
 * FactorStore on SQL, for SQLite and PostgreSQL alike. Counters, TOTP steps, recovery codes and
 * challenges change in single statements whose WHERE clause carries the condition (an upsert
 * with CASE, UPDATE ... WHERE last_step < step, DELETE ... RETURNING), so they are atomic without
 * a transaction; the read-decide-write steps (confirming TOTP, adding a passkey under the limit)
 * are interactive transactions. Off the hot path: statements are compiled per call.
 */
export class SqlFactorStore implements FactorStore {
  readonly #executor: SqlExecutor;
  readonly #db: Kysely<Database>;

  constructor(executor: SqlExecutor, db: Kysely<Database>) {
    this.#executor = executor;
    this.#db = db;
  }

  async getFactors(accountId: string): Promise<AccountFactors> {
    const db = this.#db;
    const [pins, totps, codes, passkeys] = await Promise.all([
      this.#executor.query(db.selectFrom("account_pins").selectAll().where("account_id", "=", accountId).compile()),
      this.#executor.query(db.selectFrom("account_totp").selectAll().where("account_id", "=", accountId).compile()),
      this.#executor.query(
        db.selectFrom("recovery_codes").select((eb) => eb.fn.countAll<number>().as("n")).where("account_id", "=", accountId).compile(),
      ),
      this.#executor.query(
        db.selectFrom("passkeys").selectAll().where("account_id", "=", accountId).orderBy("created_at").orderBy("id").compile(),
      ),
    ]);
    const [pin] = pins;
    const [totp] = totps;
    return {
      ...(pin === undefined
        ? {}
        : { pin: { verifier: bytes(pin.verifier), salt: bytes(pin.salt), cost: pin.cost, updatedAt: pin.updated_at } }),
      ...(totp === undefined
        ? {}
        : { totp: { secret: bytes(totp.secret), confirmedAt: totp.confirmed_at, lastStep: totp.last_step } }),
      recoveryCodesLeft: countOf(codes[0]?.n ?? 0),
      passkeys: passkeys.map(toPasskey),
    };
  }

  async setPin(accountId: string, pin: PinRecord): Promise<void> {
    const row = { account_id: accountId, verifier: pin.verifier, salt: pin.salt, cost: pin.cost, updated_at: pin.updatedAt };
    const statement = this.#db
      .insertInto("account_pins")
      .values(row)
      .onConflict((oc) =>
        oc.column("account_id").doUpdateSet({ verifier: pin.verifier, salt: pin.salt, cost: pin.cost, updated_at: pin.updatedAt }),
      );
    await this.#executor.batch([statement.compile()]);
  }

  async removePin(accountId: string): Promise<void> {
    await this.#executor.batch([this.#db.deleteFrom("account_pins").where("account_id", "=", accountId).compile()]);
  }

  async setPendingTotp(accountId: string, pending: PendingTotpRecord): Promise<void> {
    const values = { secret: pending.secret, created_at: pending.createdAt, expires_at: pending.expiresAt };
    const statement = this.#db
      .insertInto("pending_totp")
      .values({ account_id: accountId, ...values })
      .onConflict((oc) => oc.column("account_id").doUpdateSet(values));
    await this.#executor.batch([statement.compile()]);
  }

  async getPendingTotp(accountId: string): Promise<PendingTotpRecord | undefined> {
    const [row] = await this.#executor.query(this.#db.selectFrom("pending_totp").selectAll().where("account_id", "=", accountId).compile());
    return row === undefined ? undefined : { secret: bytes(row.secret), createdAt: row.created_at, expiresAt: row.expires_at };
  }

  async confirmTotp(accountId: string, pendingSecret: Uint8Array, totp: TotpRecord, recoveryCodeHashes: readonly Uint8Array[]): Promise<boolean> {
    const db = this.#db;
    const totpValues = { secret: totp.secret, confirmed_at: totp.confirmedAt, last_step: totp.lastStep };
    return this.#executor.transaction(async (tx) => {
      const pending = await tx.execute(db.selectFrom("pending_totp").select("secret").where("account_id", "=", accountId).compile());
      const [row] = pending.rows;
      if (row === undefined || !sameBytes(bytes(row.secret), pendingSecret)) return false;
      await tx.execute(db.deleteFrom("pending_totp").where("account_id", "=", accountId).compile());
      await tx.execute(
        db
          .insertInto("account_totp")
          .values({ account_id: accountId, ...totpValues })
          .onConflict((oc) => oc.column("account_id").doUpdateSet(totpValues))
          .compile(),
      );
      await tx.execute(db.deleteFrom("recovery_codes").where("account_id", "=", accountId).compile());
      if (recoveryCodeHashes.length > 0) {
        const rows = recoveryCodeHashes.map((hash) => ({ account_id: accountId, code_hash: hash }));
        await tx.execute(db.insertInto("recovery_codes").values(rows).compile());
      }
      return true;
    });
  }

  async removeTotp(accountId: string): Promise<void> {
    const db = this.#db;
    await this.#executor.batch([
      db.deleteFrom("account_totp").where("account_id", "=", accountId).compile(),
      db.deleteFrom("pending_totp").where("account_id", "=", accountId).compile(),
      db.deleteFrom("recovery_codes").where("account_id", "=", accountId).compile(),
    ]);
  }

  async advanceTotpStep(accountId: string, step: number): Promise<boolean> {
    const statement = this.#db
      .updateTable("account_totp")
      .set({ last_step: step })
      .where("account_id", "=", accountId)
      .where("last_step", "<", step);
    const [result] = await this.#executor.batch([statement.compile()]);
    return result.changes > 0;
  }

  async useRecoveryCode(accountId: string, codeHash: Uint8Array): Promise<boolean> {
    const statement = this.#db.deleteFrom("recovery_codes").where("account_id", "=", accountId).where("code_hash", "=", codeHash);
    const [result] = await this.#executor.batch([statement.compile()]);
    return result.changes > 0;
  }

  async addPasskey(accountId: string, passkey: PasskeyRecord, max: number): Promise<AddPasskeyResult> {
    const db = this.#db;
    return this.#executor.transaction(async (tx): Promise<AddPasskeyResult> => {
      const taken = await tx.execute(db.selectFrom("passkeys").select("id").where("id", "=", passkey.id).compile());
      if (taken.rows.length > 0) return "duplicate";
      const counted = await tx.execute(
        db.selectFrom("passkeys").select((eb) => eb.fn.countAll<number>().as("n")).where("account_id", "=", accountId).compile(),
      );
      if (countOf(counted.rows[0]?.n ?? 0) >= max) return "limit";
      await tx.execute(
        db
          .insertInto("passkeys")
          .values({
            id: passkey.id,
            account_id: accountId,
            name: passkey.name,
            public_key: passkey.publicKey,
            counter: passkey.counter,
            transports: passkey.transports.join(","),
            created_at: passkey.createdAt,
            last_used_at: passkey.lastUsedAt ?? null,
          })
          .compile(),
      );
      return "added";
    });
  }

  async removePasskey(accountId: string, id: string): Promise<boolean> {
    const statement = this.#db.deleteFrom("passkeys").where("account_id", "=", accountId).where("id", "=", id);
    const [result] = await this.#executor.batch([statement.compile()]);
    return result.changes > 0;
  }

  async recordPasskeyUse(accountId: string, id: string, counter: number, at: number): Promise<void> {
    const statement = this.#db
      .updateTable("passkeys")
      .set({ counter, last_used_at: at })
      .where("account_id", "=", accountId)
      .where("id", "=", id);
    await this.#executor.batch([statement.compile()]);
  }

  async createChallenge(challenge: ChallengeRecord, now: number): Promise<void> {
    const db = this.#db;
    await this.#executor.batch([
      db.deleteFrom("factor_challenges").where("expires_at", "<=", now).compile(),
      db
        .insertInto("factor_challenges")
        .values({ id: challenge.id, account_id: challenge.accountId, purpose: challenge.purpose, expires_at: challenge.expiresAt })
        .compile(),
    ]);
  }

  async takeChallenge(id: string, accountId: string, purpose: ChallengeRecord["purpose"], now: number): Promise<boolean> {
    const statement = this.#db
      .deleteFrom("factor_challenges")
      .where("id", "=", id)
      .where("account_id", "=", accountId)
      .where("purpose", "=", purpose)
      .where("expires_at", ">", now);
    const [result] = await this.#executor.batch([statement.compile()]);
    return result.changes > 0;
  }

  async recordAttempt(accountId: string, kind: AttemptKind, now: number, windowMs: number): Promise<AttemptCount> {
    // One upsert: a window that ended restarts at 1 from now, else the count goes up by one. Both
    // CASEs read the row as it was before this statement.
    const ended = now - windowMs;
    const statement = this.#db
      .insertInto("factor_attempts")
      .values({ account_id: accountId, kind, attempts: 1, window_start: now })
      .onConflict((oc) =>
        oc.columns(["account_id", "kind"]).doUpdateSet((eb) => ({
          attempts: eb
            .case()
            .when("factor_attempts.window_start", "<=", ended)
            .then(eb.lit(1))
            .else(eb("factor_attempts.attempts", "+", eb.lit(1)))
            .end(),
          window_start: eb
            .case()
            .when("factor_attempts.window_start", "<=", ended)
            .then(now)
            .else(eb.ref("factor_attempts.window_start"))
            .end(),
        })),
      )
      .returning(["attempts", "window_start"]);
    const [result] = await this.#executor.batch([statement.compile()]);
    const [row] = result.rows;
    if (row === undefined) throw new Error("the attempt upsert returned no row");
    return { count: countOf(row.attempts), windowStart: countOf(row.window_start) };
  }

  async releaseAttempt(accountId: string, kind: AttemptKind, windowStart: number): Promise<void> {
    const statement = this.#db
      .updateTable("factor_attempts")
      .set((eb) => ({ attempts: eb("attempts", "-", eb.lit(1)) }))
      .where("account_id", "=", accountId)
      .where("kind", "=", kind)
      .where("window_start", "=", windowStart)
      .where("attempts", ">", 0);
    await this.#executor.batch([statement.compile()]);
  }

  async accountOfLinkToken(tokenHash: Uint8Array, now: number): Promise<string | undefined> {
    const statement = this.#db
      .selectFrom("link_tokens")
      .select("account_id")
      .where("token_hash", "=", tokenHash)
      .where("expires_at", ">", now);
    const [row] = await this.#executor.query(statement.compile());
    return row?.account_id;
  }
}

function toPasskey(row: Selectable<PasskeysTable>): PasskeyRecord {
  return {
    id: row.id,
    name: row.name,
    publicKey: bytes(row.public_key),
    counter: countOf(row.counter),
    transports: row.transports === "" ? [] : row.transports.split(","),
    createdAt: row.created_at,
    ...(row.last_used_at === null ? {} : { lastUsedAt: row.last_used_at }),
  };
}
