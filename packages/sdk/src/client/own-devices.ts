// The account's own devices, as the primary manages them: it signs the device list that contacts
// check before encrypting to a device. A device enters the list only when it announced itself
// end-to-end encrypted (proving it holds the account's identity key, which only the primary's
// provisioning message hands out) and the server lists it with the same registration id; it
// leaves when it is no longer on the server. The server's own list is never signed blindly.
import { ApiRequestError } from "../errors.js";
import { signDeviceList } from "../linking/device-list.js";
import { toBase64 } from "../util/bytes.js";
import { signalStores, type ClientContext } from "./context.js";
import { getJson, putJson } from "./json-records.js";
import { keys, type ContactRecord, type DeviceListEntry } from "./records.js";

export class OwnDevices {
  constructor(private readonly context: ClientContext) {}

  /** The devices of the last list this account signed (as kept locally). */
  async signedList(): Promise<{ version: number; devices: readonly DeviceListEntry[] } | undefined> {
    const me = this.context.account.accountId;
    return (await this.context.runner.run((tx) => getJson<ContactRecord>(tx, keys.contact(me))))?.deviceList;
  }

  /** Signs and uploads a new list of `devices` (primary only). */
  async publish(devices: readonly DeviceListEntry[]): Promise<number> {
    const { runner, api, account } = this.context;
    const sorted = [...devices].sort((a, b) => a.deviceId - b.deviceId);
    let version = ((await this.signedList())?.version ?? 0) + 1;
    for (let attempt = 0; ; attempt++) {
      const identity = await runner.run((tx) => signalStores(this.context, tx).getIdentityKeyPair());
      const signed = await signDeviceList(
        { accountId: account.accountId, version, devices: sorted.map((d) => ({ ...d })), signedAt: this.context.clock.now() },
        identity.privateKey,
        this.context.random,
      );
      try {
        await api.putDeviceList({ version, statement: toBase64(signed.statement), signature: toBase64(signed.signature) });
        break;
      } catch (error) {
        const current = error instanceof ApiRequestError && error.status === 409 ? error.details?.["currentVersion"] : undefined;
        if (typeof current !== "number" || attempt >= 2) throw error;
        version = current + 1;
      }
    }
    await runner.run(async (tx) => {
      const record = await getJson<ContactRecord>(tx, keys.contact(account.accountId));
      putJson(tx, keys.contact(account.accountId), { ...(record ?? { v: 1, accountId: account.accountId }), deviceList: { version, devices: sorted } });
    });
    return version;
  }

  /** A device announced itself: add it if the server agrees it exists; false if not. */
  async admit(deviceId: number, registrationId: number): Promise<boolean> {
    const server = (await this.context.api.listDevices()).devices;
    if (!server.some((d) => d.id === deviceId && d.registrationId === registrationId)) return false;
    const current = (await this.signedList())?.devices ?? [];
    const kept = current.filter((e) => e.deviceId !== deviceId && server.some((d) => d.id === e.deviceId && d.registrationId === e.registrationId));
    await this.publish([...kept, { deviceId, registrationId }]);
    return true;
  }

  /**
   * Primary only: drops from the signed list the devices the server no longer has (a linked
   * device that removed itself, say). Never adds one. Returns whether a new list was signed.
   */
  async reconcile(): Promise<boolean> {
    if (this.context.account.deviceId !== 1) return false;
    const current = await this.signedList();
    if (!current) return false;
    const server = (await this.context.api.listDevices()).devices;
    const kept = current.devices.filter((e) => server.some((d) => d.id === e.deviceId && d.registrationId === e.registrationId));
    if (kept.length === current.devices.length) return false;
    await this.publish(kept);
    return true;
  }

  /** Removes a linked device on the server and from the signed list. */
  async remove(deviceId: number): Promise<void> {
    await this.context.api.removeDevice(deviceId);
    const current = (await this.signedList())?.devices ?? [];
    if (this.context.account.deviceId === 1) await this.publish(current.filter((e) => e.deviceId !== deviceId));
  }
}
