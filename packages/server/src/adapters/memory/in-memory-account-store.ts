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
import { addressKey, MAX_DEVICE_ID } from "../../ports/index.js";
import {
  bytesEqual,
  copyAccount,
  copyBytes,
  copyDevice,
  copyDeviceList,
  copySignedKey,
  dropDevice,
  hex,
  identifierKey,
  type MemoryState,
} from "./memory-state.js";

/**
 * AccountStore over the shared in-memory state. Each method runs synchronously to completion
 * before its promise settles, which makes it atomic with respect to every other store call.
 */
export class InMemoryAccountStore implements AccountStore {
  readonly #state: MemoryState;

  constructor(state: MemoryState) {
    this.#state = state;
  }

  async findAccount(accountId: string): Promise<AccountRecord | undefined> {
    const account = this.#state.accounts.get(accountId);
    return account === undefined ? undefined : copyAccount(account.record);
  }

  async findAccountByIdentifier(kind: IdentifierKind, identifier: string): Promise<AccountRecord | undefined> {
    const id = this.#state.accountIdsByIdentifier.get(identifierKey(kind, identifier));
    return id === undefined ? undefined : this.findAccount(id);
  }

  async register(input: RegisterInput): Promise<RegisterResult> {
    const state = this.#state;
    const existingId = state.accountIdsByIdentifier.get(identifierKey(input.identifierKind, input.identifier));
    const existing = existingId === undefined ? undefined : state.accounts.get(existingId);
    let removedDevices: number[] = [];
    let account: AccountRecord;
    if (existing !== undefined) {
      const accountId = existing.record.id;
      removedDevices = this.#deviceIds(accountId);
      for (const deviceId of removedDevices) dropDevice(state, { accountId, deviceId });
      // A token issued by the previous registration must not link a device to the new one.
      for (const [tokenKey, token] of state.linkTokens) {
        if (token.accountId === accountId) state.linkTokens.delete(tokenKey);
      }
      // Signed with the previous identity key, which no longer speaks for the account.
      state.deviceLists.delete(accountId);
      account = { ...existing.record, identityKey: copyBytes(input.identityKey) };
      existing.record = account;
    } else {
      account = {
        id: input.newAccountId,
        identifierKind: input.identifierKind,
        identifier: input.identifier,
        identityKey: copyBytes(input.identityKey),
        createdAt: input.primary.createdAt,
      };
      state.accounts.set(account.id, { record: account, nextDeviceId: 2 });
      state.accountIdsByIdentifier.set(identifierKey(input.identifierKind, input.identifier), account.id);
    }
    this.#installDevice(account.id, 1, input.primary);
    return { account: copyAccount(account), removedDevices };
  }

  async listDevices(accountId: string): Promise<DeviceRecord[]> {
    return this.#deviceIds(accountId).map((deviceId) => {
      const device = this.#state.devices.get(addressKey({ accountId, deviceId }));
      if (device === undefined) throw new Error("device index out of step");
      return copyDevice(device);
    });
  }

  async findDevice(device: DeviceAddress): Promise<DeviceRecord | undefined> {
    const record = this.#state.devices.get(addressKey(device));
    return record === undefined ? undefined : copyDevice(record);
  }

  async createLinkToken(accountId: string, tokenHash: Uint8Array, expiresAt: number): Promise<void> {
    if (!this.#state.accounts.has(accountId)) throw new Error(`unknown account ${accountId}`);
    this.#state.linkTokens.set(hex(tokenHash), { accountId, expiresAt });
  }

  async linkDevice(input: LinkInput): Promise<LinkResult> {
    const state = this.#state;
    const tokenKey = hex(input.tokenHash);
    const token = state.linkTokens.get(tokenKey);
    if (token === undefined) return { ok: false, reason: "token" };
    if (token.expiresAt <= input.now) {
      state.linkTokens.delete(tokenKey);
      return { ok: false, reason: "token" };
    }
    const account = state.accounts.get(token.accountId);
    if (account === undefined) return { ok: false, reason: "token" };
    if (!bytesEqual(account.record.identityKey, input.identityKey)) return { ok: false, reason: "identity" };
    if (this.#deviceIds(token.accountId).length >= input.maxDevices || account.nextDeviceId > MAX_DEVICE_ID) {
      return { ok: false, reason: "limit" };
    }
    state.linkTokens.delete(tokenKey);
    const deviceId = account.nextDeviceId;
    account.nextDeviceId += 1;
    this.#installDevice(token.accountId, deviceId, input.device);
    return { ok: true, accountId: token.accountId, deviceId };
  }

  async removeDevice(device: DeviceAddress): Promise<boolean> {
    if (device.deviceId === 1) return false;
    return dropDevice(this.#state, device);
  }

  async touchDevice(device: DeviceAddress, at: number): Promise<void> {
    const key = addressKey(device);
    const record = this.#state.devices.get(key);
    if (record !== undefined) this.#state.devices.set(key, { ...record, lastSeenAt: at });
  }

  async putDeviceList(accountId: string, list: DeviceListRecord): Promise<PutDeviceListResult> {
    if (!this.#state.accounts.has(accountId)) return "unknown";
    const stored = this.#state.deviceLists.get(accountId);
    if (stored !== undefined && stored.version >= list.version) return "stale";
    this.#state.deviceLists.set(accountId, copyDeviceList(list));
    return "stored";
  }

  async getDeviceList(accountId: string): Promise<DeviceListRecord | undefined> {
    const list = this.#state.deviceLists.get(accountId);
    return list === undefined ? undefined : copyDeviceList(list);
  }

  /** Ids of the account's devices, ascending. */
  #deviceIds(accountId: string): number[] {
    const ids: number[] = [];
    for (const device of this.#state.devices.values()) {
      if (device.accountId === accountId) ids.push(device.id);
    }
    return ids.sort((a, b) => a - b);
  }

  #installDevice(accountId: string, deviceId: number, device: NewDevice): void {
    const key = addressKey({ accountId, deviceId });
    this.#state.devices.set(key, {
      accountId,
      id: deviceId,
      name: device.name,
      registrationId: device.registrationId,
      passwordHash: copyBytes(device.passwordHash),
      passwordSalt: copyBytes(device.passwordSalt),
      createdAt: device.createdAt,
      lastSeenAt: device.createdAt,
    });
    this.#state.keys.set(key, {
      signedPreKey: copySignedKey(device.signedPreKey),
      lastResortKey: copySignedKey(device.pqLastResortPreKey),
      preKeys: new Map(),
      kyberPreKeys: new Map(),
    });
  }
}
