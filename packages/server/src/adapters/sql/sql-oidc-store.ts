import type { Kysely, Selectable } from "kysely";
import type {
  OidcArtefactRecord,
  OidcClientRecord,
  OidcSignInDecision,
  OidcSignInRecord,
  OidcSignInState,
  OidcSigningKeyRecord,
  OidcStore,
  StoredOidcArtefact,
} from "../../ports/index.js";
import type { Database, OidcClientsTable, OidcSignInsTable, OidcSigningKeysTable } from "./database.js";
import type { SqlExecutor } from "./sql-executor.js";
import { bytes } from "./sql-values.js";

function toClient(row: Selectable<OidcClientsTable>): OidcClientRecord {
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secret_hash === null ? null : bytes(row.secret_hash),
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    subjectType: row.subject_type === "public" ? "public" : "pairwise",
    createdAt: row.created_at,
  };
}

function toKey(row: Selectable<OidcSigningKeysTable>): OidcSigningKeyRecord {
  return { kid: row.kid, alg: row.alg, privateJwk: row.private_jwk, createdAt: row.created_at, retiredAt: row.retired_at };
}

function toSignIn(row: Selectable<OidcSignInsTable>): OidcSignInRecord {
  return {
    codeHash: bytes(row.code_hash),
    interactionUid: row.interaction_uid,
    clientId: row.client_id,
    clientName: row.client_name,
    scopes: JSON.parse(row.scopes) as string[],
    state: row.state as OidcSignInState,
    accountId: row.account_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

function keyRow(key: OidcSigningKeyRecord) {
  return { kid: key.kid, alg: key.alg, private_jwk: key.privateJwk, created_at: key.createdAt, retired_at: key.retiredAt };
}

/**
 * OidcStore on SQL, for SQLite and PostgreSQL alike. Each compare-and-change is one statement
 * (conditional UPDATE, DELETE ... RETURNING) or, where it reads before it writes, one transaction.
 * None of this is on the messaging hot path, so statements are compiled per call.
 */
export class SqlOidcStore implements OidcStore {
  readonly #executor: SqlExecutor;
  readonly #db: Kysely<Database>;

  constructor(executor: SqlExecutor, db: Kysely<Database>) {
    this.#executor = executor;
    this.#db = db;
  }

  async upsertArtefact(record: OidcArtefactRecord): Promise<void> {
    const row = {
      model: record.model,
      id: record.id,
      payload: record.payload,
      grant_id: record.grantId,
      uid: record.uid,
      expires_at: record.expiresAt,
      consumed_at: null,
    };
    const { model: _model, id: _id, ...update } = row;
    const statement = this.#db
      .insertInto("oidc_artefacts")
      .values(row)
      .onConflict((conflict) => conflict.columns(["model", "id"]).doUpdateSet(update))
      .compile();
    await this.#executor.batch([statement]);
  }

  async findArtefact(model: string, id: string, now: number): Promise<StoredOidcArtefact | undefined> {
    const statement = this.#liveArtefacts(now).where("model", "=", model).where("id", "=", id);
    const [row] = await this.#executor.query(statement.compile());
    return row && { payload: row.payload, consumedAt: row.consumed_at };
  }

  async findArtefactByUid(model: string, uid: string, now: number): Promise<StoredOidcArtefact | undefined> {
    const statement = this.#liveArtefacts(now).where("model", "=", model).where("uid", "=", uid).limit(1);
    const [row] = await this.#executor.query(statement.compile());
    return row && { payload: row.payload, consumedAt: row.consumed_at };
  }

  #liveArtefacts(now: number) {
    return this.#db
      .selectFrom("oidc_artefacts")
      .select(["payload", "consumed_at"])
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]));
  }

  async consumeArtefact(model: string, id: string, at: number): Promise<void> {
    const statement = this.#db.updateTable("oidc_artefacts").set({ consumed_at: at }).where("model", "=", model).where("id", "=", id);
    await this.#executor.batch([statement.compile()]);
  }

  async destroyArtefact(model: string, id: string): Promise<void> {
    await this.#executor.batch([this.#db.deleteFrom("oidc_artefacts").where("model", "=", model).where("id", "=", id).compile()]);
  }

  async revokeGrant(grantId: string): Promise<void> {
    await this.#executor.batch([this.#db.deleteFrom("oidc_artefacts").where("grant_id", "=", grantId).compile()]);
  }

  async addClient(client: OidcClientRecord): Promise<void> {
    const row = {
      id: client.id,
      name: client.name,
      secret_hash: client.secretHash,
      redirect_uris: JSON.stringify(client.redirectUris),
      subject_type: client.subjectType,
      created_at: client.createdAt,
    };
    await this.#executor.batch([this.#db.insertInto("oidc_clients").values(row).compile()]);
  }

  async findClient(id: string): Promise<OidcClientRecord | undefined> {
    const [row] = await this.#executor.query(this.#db.selectFrom("oidc_clients").selectAll().where("id", "=", id).compile());
    return row && toClient(row);
  }

  async listClients(): Promise<OidcClientRecord[]> {
    const rows = await this.#executor.query(this.#db.selectFrom("oidc_clients").selectAll().orderBy("created_at").orderBy("id").compile());
    return rows.map(toClient);
  }

  async removeClient(id: string): Promise<boolean> {
    const [result] = await this.#executor.batch([this.#db.deleteFrom("oidc_clients").where("id", "=", id).compile()]);
    return result.changes > 0;
  }

  async listSigningKeys(): Promise<OidcSigningKeyRecord[]> {
    const statement = this.#db.selectFrom("oidc_signing_keys").selectAll().orderBy("created_at", "desc").orderBy("kid", "desc");
    return (await this.#executor.query(statement.compile())).map(toKey);
  }

  async addFirstSigningKey(key: OidcSigningKeyRecord): Promise<boolean> {
    const active = this.#db.selectFrom("oidc_signing_keys").select("kid").where("retired_at", "is", null).limit(1).compile();
    const insert = this.#db.insertInto("oidc_signing_keys").values(keyRow(key)).compile();
    // Read and write in one transaction: nodes starting together add one first key between them.
    return this.#executor.transaction(async (tx) => {
      if ((await tx.execute(active)).rows.length > 0) return false;
      await tx.execute(insert);
      return true;
    });
  }

  async rotateSigningKeys(key: OidcSigningKeyRecord): Promise<void> {
    const retire = this.#db.updateTable("oidc_signing_keys").set({ retired_at: key.createdAt }).where("retired_at", "is", null).compile();
    const insert = this.#db.insertInto("oidc_signing_keys").values({ ...keyRow(key), retired_at: null }).compile();
    await this.#executor.batch([retire, insert]);
  }

  async deleteSigningKeysRetiredBefore(cutoff: number): Promise<number> {
    const statement = this.#db.deleteFrom("oidc_signing_keys").where("retired_at", "is not", null).where("retired_at", "<", cutoff);
    const [result] = await this.#executor.batch([statement.compile()]);
    return result.changes;
  }

  async ensureSecret(name: string, candidate: Uint8Array): Promise<Uint8Array> {
    const insert = this.#db
      .insertInto("oidc_secrets")
      .values({ name, value: candidate })
      .onConflict((conflict) => conflict.column("name").doNothing())
      .compile();
    await this.#executor.batch([insert]);
    const [row] = await this.#executor.query(this.#db.selectFrom("oidc_secrets").select("value").where("name", "=", name).compile());
    if (row === undefined) throw new Error(`the secret ${name} vanished after it was stored`);
    return bytes(row.value);
  }

  async createSignIn(signIn: OidcSignInRecord): Promise<void> {
    const row = {
      code_hash: signIn.codeHash,
      interaction_uid: signIn.interactionUid,
      client_id: signIn.clientId,
      client_name: signIn.clientName,
      scopes: JSON.stringify(signIn.scopes),
      state: signIn.state,
      account_id: signIn.accountId,
      created_at: signIn.createdAt,
      expires_at: signIn.expiresAt,
    };
    await this.#executor.batch([
      this.#db.deleteFrom("oidc_sign_ins").where("interaction_uid", "=", signIn.interactionUid).compile(),
      this.#db.insertInto("oidc_sign_ins").values(row).compile(),
    ]);
  }

  async findPendingSignIn(codeHash: Uint8Array, now: number): Promise<OidcSignInRecord | undefined> {
    const statement = this.#db
      .selectFrom("oidc_sign_ins")
      .selectAll()
      .where("code_hash", "=", codeHash)
      .where("state", "=", "pending")
      .where("expires_at", ">", now);
    const [row] = await this.#executor.query(statement.compile());
    return row && toSignIn(row);
  }

  async findSignInByInteraction(interactionUid: string, now: number): Promise<OidcSignInRecord | undefined> {
    const statement = this.#db.selectFrom("oidc_sign_ins").selectAll().where("interaction_uid", "=", interactionUid).where("expires_at", ">", now);
    const [row] = await this.#executor.query(statement.compile());
    return row && toSignIn(row);
  }

  async decideSignIn(codeHash: Uint8Array, decision: OidcSignInDecision, now: number): Promise<boolean> {
    const change = decision.approve ? { state: "approved", account_id: decision.accountId } : { state: "denied" };
    const statement = this.#db
      .updateTable("oidc_sign_ins")
      .set(change)
      .where("code_hash", "=", codeHash)
      .where("state", "=", "pending")
      .where("expires_at", ">", now);
    const [result] = await this.#executor.batch([statement.compile()]);
    return result.changes > 0;
  }

  async takeApprovedSignIn(interactionUid: string, now: number): Promise<OidcSignInRecord | undefined> {
    const statement = this.#db
      .deleteFrom("oidc_sign_ins")
      .where("interaction_uid", "=", interactionUid)
      .where("state", "=", "approved")
      .where("expires_at", ">", now)
      .returningAll();
    const [result] = await this.#executor.batch([statement.compile()]);
    const [row] = result.rows;
    return row && toSignIn(row);
  }

  async deleteExpired(now: number): Promise<number> {
    const [artefacts, signIns] = await this.#executor.batch([
      this.#db.deleteFrom("oidc_artefacts").where("expires_at", "is not", null).where("expires_at", "<=", now).compile(),
      this.#db.deleteFrom("oidc_sign_ins").where("expires_at", "<=", now).compile(),
    ]);
    return artefacts.changes + signIns.changes;
  }
}
