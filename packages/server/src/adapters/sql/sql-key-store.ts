import type { Kysely, SelectQueryBuilder } from "kysely";
import type {
  ClaimedKeys,
  DeviceAddress,
  KeyCounts,
  KeyStore,
  OneTimeKey,
  SignedKey,
} from "../../ports/index.js";
import type { Database, SignedPrekeyKind } from "./database.js";
import { queryTemplate } from "./query-template.js";
import type { SqlDialect } from "./sql-dialect.js";
import type { SqlExecutor } from "./sql-executor.js";
import { bytes, countOf } from "./sql-values.js";

interface DeviceArgs {
  readonly accountId: string;
  readonly deviceId: number;
}

type SignedKeyArgs = DeviceArgs & SignedKey;
type OneTimeKeyArgs = DeviceArgs & OneTimeKey;

/** The statements of the key store, compiled once (see queryTemplate). */
export function keyQueries(db: Kysely<Database>, dialect: SqlDialect = "sqlite") {
  const lockOldest = <Q extends SelectQueryBuilder<Database, keyof Database, { seq: number }>>(query: Q): Q =>
    dialect === "postgres" ? (query.forUpdate() as Q) : query;
  const setSigned = (kind: SignedPrekeyKind) =>
    queryTemplate((a: SignedKeyArgs) =>
      db
        .insertInto("signed_prekeys")
        .values({
          account_id: a.accountId,
          device_id: a.deviceId,
          kind,
          key_id: a.keyId,
          public_key: a.publicKey,
          signature: a.signature,
        })
        .onConflict((oc) =>
          oc.columns(["account_id", "device_id", "kind"]).doUpdateSet((eb) => ({
            key_id: eb.ref("excluded.key_id"),
            public_key: eb.ref("excluded.public_key"),
            signature: eb.ref("excluded.signature"),
          })),
        ),
    );
  return {
    setSignedPreKey: setSigned("signed"),
    setLastResortKey: setSigned("last_resort"),
    // Upserts keep the row, hence its seq: a replaced key keeps its place in the claim order.
    addPreKey: queryTemplate((a: OneTimeKeyArgs) =>
      db
        .insertInto("one_time_prekeys")
        .values({ account_id: a.accountId, device_id: a.deviceId, key_id: a.keyId, public_key: a.publicKey })
        .onConflict((oc) =>
          oc.columns(["account_id", "device_id", "key_id"]).doUpdateSet((eb) => ({
            public_key: eb.ref("excluded.public_key"),
          })),
        ),
    ),
    addKyberPreKey: queryTemplate((a: SignedKeyArgs) =>
      db
        .insertInto("kyber_prekeys")
        .values({
          account_id: a.accountId,
          device_id: a.deviceId,
          key_id: a.keyId,
          public_key: a.publicKey,
          signature: a.signature,
        })
        .onConflict((oc) =>
          oc.columns(["account_id", "device_id", "key_id"]).doUpdateSet((eb) => ({
            public_key: eb.ref("excluded.public_key"),
            signature: eb.ref("excluded.signature"),
          })),
        ),
    ),
    signedKeys: queryTemplate((a: DeviceArgs) =>
      db
        .selectFrom("signed_prekeys")
        .select(["kind", "key_id", "public_key", "signature"])
        .where("account_id", "=", a.accountId)
        .where("device_id", "=", a.deviceId),
    ),
    // The oldest key of the device, deleted and returned in one statement (see SqlDialect for the
    // lock PostgreSQL takes on it).
    takePreKey: queryTemplate((a: DeviceArgs) =>
      db
        .deleteFrom("one_time_prekeys")
        .where("seq", "=", (eb) =>
          lockOldest(
            eb
              .selectFrom("one_time_prekeys")
              .select("seq")
              .where("account_id", "=", a.accountId)
              .where("device_id", "=", a.deviceId)
              .orderBy("seq")
              .limit(1),
          ),
        )
        .returning(["key_id", "public_key"]),
    ),
    takeKyberPreKey: queryTemplate((a: DeviceArgs) =>
      db
        .deleteFrom("kyber_prekeys")
        .where("seq", "=", (eb) =>
          lockOldest(
            eb
              .selectFrom("kyber_prekeys")
              .select("seq")
              .where("account_id", "=", a.accountId)
              .where("device_id", "=", a.deviceId)
              .orderBy("seq")
              .limit(1),
          ),
        )
        .returning(["key_id", "public_key", "signature"]),
    ),
    counts: queryTemplate((a: DeviceArgs) =>
      db.selectNoFrom((eb) => [
        eb
          .selectFrom("one_time_prekeys")
          .select((inner) => inner.fn.countAll<number>().as("n"))
          .where("account_id", "=", a.accountId)
          .where("device_id", "=", a.deviceId)
          .as("pre_keys"),
        eb
          .selectFrom("kyber_prekeys")
          .select((inner) => inner.fn.countAll<number>().as("n"))
          .where("account_id", "=", a.accountId)
          .where("device_id", "=", a.deviceId)
          .as("pq_pre_keys"),
      ]),
    ),
  };
}

/**
 * KeyStore on SQL. A claim is one batch: it reads the signed keys and deletes-with-RETURNING the
 * oldest one-time keys, atomically. It needs no guard against taking one-time keys of a device
 * without signed keys: every device gets both signed keys when it is created, they are only ever
 * replaced, and keys cannot exist without their device (foreign keys), so a device without a
 * signed prekey is a device that does not exist and has no one-time keys either.
 */
export class SqlKeyStore implements KeyStore {
  readonly #executor: SqlExecutor;
  readonly #q: ReturnType<typeof keyQueries>;

  constructor(executor: SqlExecutor, db: Kysely<Database>, dialect: SqlDialect = "sqlite") {
    this.#executor = executor;
    this.#q = keyQueries(db, dialect);
  }

  async setSignedPreKey(device: DeviceAddress, key: SignedKey): Promise<void> {
    await this.#executor.batch([this.#q.setSignedPreKey({ ...address(device), ...key })]);
  }

  async setLastResortKey(device: DeviceAddress, key: SignedKey): Promise<void> {
    await this.#executor.batch([this.#q.setLastResortKey({ ...address(device), ...key })]);
  }

  async addPreKeys(device: DeviceAddress, keys: readonly OneTimeKey[]): Promise<void> {
    if (keys.length === 0) return;
    const at = address(device);
    await this.#executor.batch(keys.map((key) => this.#q.addPreKey({ ...at, ...key })));
  }

  async addKyberPreKeys(device: DeviceAddress, keys: readonly SignedKey[]): Promise<void> {
    if (keys.length === 0) return;
    const at = address(device);
    await this.#executor.batch(keys.map((key) => this.#q.addKyberPreKey({ ...at, ...key })));
  }

  async claim(device: DeviceAddress): Promise<ClaimedKeys | undefined> {
    const at = address(device);
    const [signed, preKeys, kyberPreKeys] = await this.#executor.batch([
      this.#q.signedKeys(at),
      this.#q.takePreKey(at),
      this.#q.takeKyberPreKey(at),
    ]);
    const signedRow = signed.rows.find((row) => row.kind === "signed");
    const lastResortRow = signed.rows.find((row) => row.kind === "last_resort");
    const [preKey] = preKeys.rows;
    const [kyberPreKey] = kyberPreKeys.rows;
    const pqRow = kyberPreKey ?? lastResortRow;
    if (signedRow === undefined || pqRow === undefined) return undefined;
    return {
      signedPreKey: toSignedKey(signedRow),
      preKey: preKey === undefined ? undefined : { keyId: preKey.key_id, publicKey: bytes(preKey.public_key) },
      pqPreKey: toSignedKey(pqRow),
      pqLastResort: kyberPreKey === undefined,
    };
  }

  async counts(device: DeviceAddress): Promise<KeyCounts> {
    const [row] = await this.#executor.query(this.#q.counts(address(device)));
    return { preKeys: countOf(row?.pre_keys ?? 0), pqPreKeys: countOf(row?.pq_pre_keys ?? 0) };
  }
}

function address(device: DeviceAddress): DeviceArgs {
  return { accountId: device.accountId, deviceId: device.deviceId };
}

function toSignedKey(row: { key_id: number; public_key: Uint8Array; signature: Uint8Array }): SignedKey {
  return { keyId: row.key_id, publicKey: bytes(row.public_key), signature: bytes(row.signature) };
}
