import type {
  AccountRecord,
  AccountStore,
  DeviceListRecord,
  DeviceRecord,
  IdentifierKind,
  LinkInput,
  LinkResult,
  PutDeviceListResult,
  RegisterInput,
  RegisterResult,
} from "../../ports/account-store.js";
import type { DeviceAddress } from "../../ports/device-address.js";
import { RecencyCache } from "./recency-cache.js";

/**
 * Keeps each account's device list in memory, because every send checks the recipient's device
 * set. Correct only when this process makes every change to devices (single-node mode): each
 * write through this decorator drops the account's entry. Bounded; lists unused for a while are
 * dropped first (RecencyCache).
 * Cached lists are shared: callers must not modify them.
 */
export class CachedAccountStore implements AccountStore {
  private readonly devices: RecencyCache<string, DeviceRecord[]>;
  /** Bumped by every invalidation, so a read that raced with a change is not cached. */
  private generation = 0;

  constructor(
    private readonly inner: AccountStore,
    capacity = 50_000,
  ) {
    this.devices = new RecencyCache(capacity);
  }

  async listDevices(accountId: string): Promise<DeviceRecord[]> {
    const cached = this.devices.get(accountId);
    if (cached) return cached;
    const generation = this.generation;
    const list = await this.inner.listDevices(accountId);
    // Unknown accounts are not cached: registering one must not wait for an eviction.
    if (list.length > 0 && generation === this.generation) {
      this.devices.set(accountId, list);
    }
    return list;
  }

  findAccount(accountId: string): Promise<AccountRecord | undefined> {
    return this.inner.findAccount(accountId);
  }

  findAccountByIdentifier(kind: IdentifierKind, identifier: string): Promise<AccountRecord | undefined> {
    return this.inner.findAccountByIdentifier(kind, identifier);
  }

  findDevice(device: DeviceAddress): Promise<DeviceRecord | undefined> {
    return this.inner.findDevice(device);
  }

  createLinkToken(accountId: string, tokenHash: Uint8Array, expiresAt: number): Promise<void> {
    return this.inner.createLinkToken(accountId, tokenHash, expiresAt);
  }

  async register(input: RegisterInput): Promise<RegisterResult> {
    const result = await this.inner.register(input);
    this.forget(result.account.id);
    return result;
  }

  async linkDevice(input: LinkInput): Promise<LinkResult> {
    const result = await this.inner.linkDevice(input);
    if (result.ok) this.forget(result.accountId);
    return result;
  }

  async removeDevice(device: DeviceAddress): Promise<boolean> {
    const removed = await this.inner.removeDevice(device);
    this.forget(device.accountId);
    return removed;
  }

  async touchDevice(device: DeviceAddress, at: number): Promise<void> {
    await this.inner.touchDevice(device, at);
    this.forget(device.accountId);
  }

  // Device lists are not cached: they are fetched rarely, and a stale copy would hide a newer
  // statement from the contacts checking it.
  putDeviceList(accountId: string, list: DeviceListRecord): Promise<PutDeviceListResult> {
    return this.inner.putDeviceList(accountId, list);
  }

  getDeviceList(accountId: string): Promise<DeviceListRecord | undefined> {
    return this.inner.getDeviceList(accountId);
  }

  private forget(accountId: string): void {
    this.generation++;
    this.devices.delete(accountId);
  }
}
