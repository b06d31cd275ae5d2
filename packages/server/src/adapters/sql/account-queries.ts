import type { Kysely } from "kysely";
import type { AccountRecord, DeviceAddress, DeviceListRecord, NewDevice } from "../../ports/index.js";
import type { Database } from "./database.js";
import { queryTemplate } from "./query-template.js";

interface AccountArgs {
  readonly accountId: string;
}

/**
 * The statements of the account store, compiled once (see queryTemplate): device lookups run
 * on every authenticated request.
 */
export function accountQueries(db: Kysely<Database>) {
  const deviceColumns = [
    "account_id",
    "id",
    "name",
    "registration_id",
    "password_hash",
    "password_salt",
    "created_at",
    "last_seen_at",
  ] as const;
  return {
    accountById: queryTemplate((a: AccountArgs) => db.selectFrom("accounts").selectAll().where("id", "=", a.accountId)),
    accountByIdentifier: queryTemplate((a: { kind: string; identifier: string }) =>
      db.selectFrom("accounts").selectAll().where("identifier_kind", "=", a.kind).where("identifier", "=", a.identifier),
    ),
    insertAccount: queryTemplate((a: AccountRecord) =>
      db.insertInto("accounts").values({
        id: a.id,
        identifier_kind: a.identifierKind,
        identifier: a.identifier,
        identity_key: a.identityKey,
        next_device_id: 2,
        created_at: a.createdAt,
      }),
    ),
    setIdentityKey: queryTemplate((a: AccountArgs & { identityKey: Uint8Array }) =>
      db.updateTable("accounts").set({ identity_key: a.identityKey }).where("id", "=", a.accountId),
    ),
    setNextDeviceId: queryTemplate((a: AccountArgs & { nextDeviceId: number }) =>
      db.updateTable("accounts").set({ next_device_id: a.nextDeviceId }).where("id", "=", a.accountId),
    ),
    devicesOf: queryTemplate((a: AccountArgs) =>
      db.selectFrom("devices").select(deviceColumns).where("account_id", "=", a.accountId).orderBy("id"),
    ),
    device: queryTemplate((a: DeviceAddress) =>
      db.selectFrom("devices").select(deviceColumns).where("account_id", "=", a.accountId).where("id", "=", a.deviceId),
    ),
    insertDevice: queryTemplate((a: NewDevice & DeviceAddress) =>
      db.insertInto("devices").values({
        account_id: a.accountId,
        id: a.deviceId,
        name: a.name,
        registration_id: a.registrationId,
        password_hash: a.passwordHash,
        password_salt: a.passwordSalt,
        created_at: a.createdAt,
        last_seen_at: a.createdAt,
      }),
    ),
    deleteDevice: queryTemplate((a: DeviceAddress) =>
      db.deleteFrom("devices").where("account_id", "=", a.accountId).where("id", "=", a.deviceId),
    ),
    deleteDevicesOf: queryTemplate((a: AccountArgs) => db.deleteFrom("devices").where("account_id", "=", a.accountId)),
    touchDevice: queryTemplate((a: DeviceAddress & { at: number }) =>
      db
        .updateTable("devices")
        .set({ last_seen_at: a.at })
        .where("account_id", "=", a.accountId)
        .where("id", "=", a.deviceId),
    ),
    insertLinkToken: queryTemplate((a: AccountArgs & { tokenHash: Uint8Array; expiresAt: number }) =>
      db.insertInto("link_tokens").values({ token_hash: a.tokenHash, account_id: a.accountId, expires_at: a.expiresAt }),
    ),
    linkToken: queryTemplate((a: { tokenHash: Uint8Array }) =>
      db.selectFrom("link_tokens").selectAll().where("token_hash", "=", a.tokenHash),
    ),
    deleteLinkToken: queryTemplate((a: { tokenHash: Uint8Array }) =>
      db.deleteFrom("link_tokens").where("token_hash", "=", a.tokenHash),
    ),
    deleteLinkTokensOf: queryTemplate((a: AccountArgs) =>
      db.deleteFrom("link_tokens").where("account_id", "=", a.accountId),
    ),
    accountExists: queryTemplate((a: AccountArgs) => db.selectFrom("accounts").select("id").where("id", "=", a.accountId)),
    deviceList: queryTemplate((a: AccountArgs) =>
      db
        .selectFrom("device_lists")
        .select(["version", "statement", "signature", "updated_at"])
        .where("account_id", "=", a.accountId),
    ),
    // Selecting the row to insert from accounts inserts nothing for an unknown account (instead of
    // failing the foreign key); the conflict clause replaces only a lower version.
    putDeviceList: queryTemplate((a: AccountArgs & DeviceListRecord) =>
      db
        .insertInto("device_lists")
        .columns(["account_id", "version", "statement", "signature", "updated_at"])
        .expression(
          db
            .selectFrom("accounts")
            .select((eb) => [
              "id",
              eb.val(a.version).as("version"),
              eb.val(a.statement).as("statement"),
              eb.val(a.signature).as("signature"),
              eb.val(a.updatedAt).as("updated_at"),
            ])
            .where("id", "=", a.accountId),
        )
        .onConflict((oc) =>
          oc
            .column("account_id")
            .doUpdateSet((eb) => ({
              version: eb.ref("excluded.version"),
              statement: eb.ref("excluded.statement"),
              signature: eb.ref("excluded.signature"),
              updated_at: eb.ref("excluded.updated_at"),
            }))
            .where((eb) => eb("excluded.version", ">", eb.ref("device_lists.version"))),
        ),
    ),
    deleteDeviceListOf: queryTemplate((a: AccountArgs) =>
      db.deleteFrom("device_lists").where("account_id", "=", a.accountId),
    ),
  };
}
