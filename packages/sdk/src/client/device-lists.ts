// Signed device lists: before encrypting to a device for the first time, check that the account
// itself (its identity key) lists that device with that registration id. A server cannot then
// slip an extra device into a conversation, nor bring back a removed one with an older list.
// Verified lists are kept in the contact record; a list older than the one kept is refused.
import type { PublicKey } from "@parley/signal";
import type { SignedDeviceListBody } from "../api/server-api.js";
import { ApiRequestError, ParleyError, SdkErrorCode } from "../errors.js";
import { verifyDeviceList } from "../linking/device-list.js";
import { fromBase64 } from "../util/bytes.js";
import type { ClientContext } from "./context.js";
import { getJson, putJson } from "./json-records.js";
import { keys, type ContactRecord, type DeviceListEntry } from "./records.js";

export class DeviceLists {
  constructor(private readonly context: ClientContext) {}

  /**
   * Starts fetching the account's signed list, to overlap with the bundle fetch; pass the result
   * to `check`. Undefined when lists are not required.
   */
  prefetch(accountId: string): Promise<SignedDeviceListBody> | undefined {
    if (!this.context.requireSignedDeviceLists) return undefined;
    const fetching = this.context.api.getDeviceList(accountId);
    fetching.catch(() => undefined);
    return fetching;
  }

  /** Throws DEVICE_UNVERIFIED unless every device is in the account's signed list. */
  async check(accountId: string, identityKey: PublicKey, devices: readonly DeviceListEntry[], prefetched?: Promise<SignedDeviceListBody>): Promise<void> {
    if (!this.context.requireSignedDeviceLists || devices.length === 0) return;
    const known = await this.context.runner.run((tx) => getJson<ContactRecord>(tx, keys.contact(accountId)));
    if (known?.deviceList && covers(known.deviceList.devices, devices)) return;
    const list = await this.fetch(accountId, identityKey, known?.deviceList?.version ?? 0, prefetched);
    if (!covers(list, devices)) {
      const missing = devices.filter((d) => !list.some((e) => e.deviceId === d.deviceId && e.registrationId === d.registrationId));
      throw new ParleyError(
        SdkErrorCode.DeviceUnverified,
        `device ${missing.map((d) => d.deviceId).join(", ")} of ${accountId} is not in the account's signed device list (yet)`,
      );
    }
  }

  /** Fetches, verifies and keeps the account's list; returns its devices. */
  async fetch(accountId: string, identityKey: PublicKey, minimumVersion: number, prefetched?: Promise<SignedDeviceListBody>): Promise<readonly DeviceListEntry[]> {
    let body;
    try {
      body = await (prefetched ?? this.context.api.getDeviceList(accountId));
    } catch (error) {
      if (error instanceof ApiRequestError && error.status === 404) {
        throw new ParleyError(SdkErrorCode.DeviceUnverified, `${accountId} has no signed device list`, { cause: error });
      }
      throw error;
    }
    let statement;
    try {
      statement = await verifyDeviceList({ statement: fromBase64(body.statement), signature: fromBase64(body.signature) }, identityKey, accountId);
    } catch (error) {
      throw new ParleyError(SdkErrorCode.DeviceUnverified, `the device list of ${accountId} does not verify`, { cause: error });
    }
    if (statement.version < minimumVersion) {
      throw new ParleyError(SdkErrorCode.DeviceUnverified, `the device list of ${accountId} is older than one seen before (rollback)`);
    }
    const devices = statement.devices.map((d) => ({ deviceId: d.deviceId, registrationId: d.registrationId }));
    await this.context.runner.run(async (tx) => {
      const current = await getJson<ContactRecord>(tx, keys.contact(accountId));
      if (current?.deviceList && current.deviceList.version > statement.version) return;
      putJson(tx, keys.contact(accountId), { ...(current ?? { v: 1, accountId }), deviceList: { version: statement.version, devices } });
    });
    return devices;
  }
}

function covers(list: readonly DeviceListEntry[], devices: readonly DeviceListEntry[]): boolean {
  return devices.every((d) => list.some((e) => e.deviceId === d.deviceId && e.registrationId === d.registrationId));
}
