import type { Kysely, Selectable } from "kysely";
import type {
  AccountRecord,
  AccountStore,
  DeviceAddress,
  DeviceListRecord,
  DeviceRecord,
  IdentifierKind,
  LinkInput,
  LinkResult,
  NewDevice,
  PutDeviceListResult,
  RegisterInput,
  RegisterResult,
} from "../../ports/index.js";
import { MAX_DEVICE_ID } from "../../ports/index.js";
import type { AccountsTable, Database, DevicesTable } from "./database.js";
import { keyQueries } from "./sql-key-store.js";
import { accountQueries } from "./account-queries.js";
import type { SqlExecutor, SqlTransaction } from "./sql-executor.js";
import { bytes, sameBytes } from "./sql-values.js";

/**
 * AccountStore on SQL. Registration and linking read before they write, so each is one
 * interactive transaction; storing a device list is one batch (an existence check and a
 * conditional upsert); the rest are single statements. Devices' keys and queued envelopes
 * reference the device with ON DELETE CASCADE, so deleting a device row removes them in the same
 * statement.
 */
export class SqlAccountStore implements AccountStore {
  readonly #executor: SqlExecutor;
  readonly #q: ReturnType<typeof accountQueries>;
  readonly #keys: ReturnType<typeof keyQueries>;

  constructor(executor: SqlExecutor, db: Kysely<Database>) {
    this.#executor = executor;
    this.#q = accountQueries(db);
    this.#keys = keyQueries(db);
  }

  async findAccount(accountId: string): Promise<AccountRecord | undefined> {
    const [row] = await this.#executor.query(this.#q.accountById({ accountId }));
    return row === undefined ? undefined : toAccount(row);
  }

  async findAccountByIdentifier(kind: IdentifierKind, identifier: string): Promise<AccountRecord | undefined> {
    const [row] = await this.#executor.query(this.#q.accountByIdentifier({ kind, identifier }));
    return row === undefined ? undefined : toAccount(row);
  }

  async register(input: RegisterInput): Promise<RegisterResult> {
    return this.#executor.transaction(async (tx) => {
      const lookup = { kind: input.identifierKind, identifier: input.identifier };
      const [existing] = (await tx.execute(this.#q.accountByIdentifier(lookup))).rows;
      let removedDevices: number[] = [];
      let account: AccountRecord;
      if (existing !== undefined) {
        const accountId = existing.id;
        const devices = await tx.execute(this.#q.devicesOf({ accountId }));
        removedDevices = devices.rows.map((row) => row.id);
        await tx.execute(this.#q.deleteDevicesOf({ accountId }));
        // A token issued by the previous registration must not link a device to the new one.
        await tx.execute(this.#q.deleteLinkTokensOf({ accountId }));
        // Signed with the previous identity key, which no longer speaks for the account.
        await tx.execute(this.#q.deleteDeviceListOf({ accountId }));
        await tx.execute(this.#q.setIdentityKey({ accountId, identityKey: input.identityKey }));
        account = { ...toAccount(existing), identityKey: input.identityKey };
      } else {
        account = {
          id: input.newAccountId,
          identifierKind: input.identifierKind,
          identifier: input.identifier,
          identityKey: input.identityKey,
          createdAt: input.primary.createdAt,
        };
        await tx.execute(this.#q.insertAccount(account));
      }
      await this.#installDevice(tx, account.id, 1, input.primary);
      return { account, removedDevices };
    });
  }

  async listDevices(accountId: string): Promise<DeviceRecord[]> {
    const rows = await this.#executor.query(this.#q.devicesOf({ accountId }));
    return rows.map(toDevice);
  }

  async findDevice(device: DeviceAddress): Promise<DeviceRecord | undefined> {
    const [row] = await this.#executor.query(this.#q.device(device));
    return row === undefined ? undefined : toDevice(row);
  }

  async createLinkToken(accountId: string, tokenHash: Uint8Array, expiresAt: number): Promise<void> {
    await this.#executor.batch([this.#q.insertLinkToken({ accountId, tokenHash, expiresAt })]);
  }

  async linkDevice(input: LinkInput): Promise<LinkResult> {
    return this.#executor.transaction(async (tx): Promise<LinkResult> => {
      const [token] = (await tx.execute(this.#q.linkToken({ tokenHash: input.tokenHash }))).rows;
      if (token === undefined) return { ok: false, reason: "token" };
      if (token.expires_at <= input.now) {
        await tx.execute(this.#q.deleteLinkToken({ tokenHash: input.tokenHash }));
        return { ok: false, reason: "token" };
      }
      const accountId = token.account_id;
      const [account] = (await tx.execute(this.#q.accountById({ accountId }))).rows;
      if (account === undefined) return { ok: false, reason: "token" };
      if (!sameBytes(account.identity_key, input.identityKey)) return { ok: false, reason: "identity" };
      const devices = await tx.execute(this.#q.devicesOf({ accountId }));
      if (devices.rows.length >= input.maxDevices || account.next_device_id > MAX_DEVICE_ID) {
        return { ok: false, reason: "limit" };
      }
      const deviceId = account.next_device_id;
      await tx.execute(this.#q.deleteLinkToken({ tokenHash: input.tokenHash }));
      await tx.execute(this.#q.setNextDeviceId({ accountId, nextDeviceId: deviceId + 1 }));
      await this.#installDevice(tx, accountId, deviceId, input.device);
      return { ok: true, accountId, deviceId };
    });
  }

  async removeDevice(device: DeviceAddress): Promise<boolean> {
    if (device.deviceId === 1) return false;
    const [result] = await this.#executor.batch([this.#q.deleteDevice(device)]);
    return result.changes > 0;
  }

  async touchDevice(device: DeviceAddress, at: number): Promise<void> {
    await this.#executor.batch([this.#q.touchDevice({ ...device, at })]);
  }

  async putDeviceList(accountId: string, list: DeviceListRecord): Promise<PutDeviceListResult> {
    const [account, put] = await this.#executor.batch([
      this.#q.accountExists({ accountId }),
      this.#q.putDeviceList({ accountId, ...list }),
    ]);
    if (account.rows.length === 0) return "unknown";
    return put.changes > 0 ? "stored" : "stale";
  }

  async getDeviceList(accountId: string): Promise<DeviceListRecord | undefined> {
    const [row] = await this.#executor.query(this.#q.deviceList({ accountId }));
    if (row === undefined) return undefined;
    return { version: row.version, statement: bytes(row.statement), signature: bytes(row.signature), updatedAt: row.updated_at };
  }

  async #installDevice(tx: SqlTransaction, accountId: string, deviceId: number, device: NewDevice): Promise<void> {
    await tx.execute(this.#q.insertDevice({ ...device, accountId, deviceId }));
    await tx.execute(this.#keys.setSignedPreKey({ accountId, deviceId, ...device.signedPreKey }));
    await tx.execute(this.#keys.setLastResortKey({ accountId, deviceId, ...device.pqLastResortPreKey }));
  }
}

function toAccount(row: Selectable<AccountsTable>): AccountRecord {
  return {
    id: row.id,
    identifierKind: row.identifier_kind as IdentifierKind,
    identifier: row.identifier,
    identityKey: bytes(row.identity_key),
    createdAt: row.created_at,
  };
}

function toDevice(row: Selectable<DevicesTable>): DeviceRecord {
  return {
    accountId: row.account_id,
    id: row.id,
    name: row.name,
    registrationId: row.registration_id,
    passwordHash: bytes(row.password_hash),
    passwordSalt: bytes(row.password_salt),
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  };
}
