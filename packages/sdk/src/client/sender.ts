// Encrypts one Content for every device of a recipient account (for your own account: your other
// devices) and sends it in one request. The server insists on the exact device set; on 409 it
// names missing and extra devices, on 410 devices re-registered since the session was made, and
// the sender repairs its sessions (new bundles for new devices, verified against the account's
// signed device list) and tries again.
import type { OutgoingMessage, PreKeyBundles } from "@parley/protocol";
import {
  KemPublicKey,
  ProtocolAddress,
  PublicKey,
  SignalErrorCode,
  isSignalError,
  processPreKeyBundle,
  signalEncrypt,
  type PreKeyBundle,
} from "@parley/signal";
import { ApiRequestError, ParleyError, SdkErrorCode } from "../errors.js";
import { encodeContent } from "../content/content-codec.js";
import type { Content } from "../content/content.js";
import { padPlaintext } from "../content/padding.js";
import { fromBase64 } from "../util/bytes.js";
import { signalStores, type ClientContext } from "./context.js";
import { DeviceLists } from "./device-lists.js";

const maxAttempts = 5;
const ownDevicesTtlMs = 30_000;

export interface SendOptions {
  readonly ephemeral?: boolean;
  readonly urgent?: boolean;
}

export class MessageSender {
  readonly deviceLists: DeviceLists;
  #ownDevices: { at: number; others: number[] } | undefined;

  constructor(private readonly context: ClientContext) {
    this.deviceLists = new DeviceLists(context);
  }

  /**
   * Returns the server's timestamp, or undefined when there was no device to send to (your own
   * account with no other device).
   */
  async send(to: string, content: Content, options: SendOptions = {}): Promise<number | undefined> {
    const plaintext = padPlaintext(encodeContent(content));
    const self = to === this.context.account.accountId;
    let devices = await this.sessionDevices(to);
    if (devices.length === 0) {
      if (self) {
        const others = await this.otherOwnDevices();
        if (others.length === 0) return undefined;
        await this.establish(to, others);
      } else {
        await this.establish(to, "*");
      }
      devices = await this.sessionDevices(to);
    }
    for (let attempt = 1; ; attempt++) {
      if (devices.length === 0 && self) return undefined;
      const messages = await this.encrypt(to, devices, plaintext, content.sentAt);
      try {
        const result = await this.context.api.sendMessages(to, {
          timestamp: content.sentAt,
          messages,
          ephemeral: options.ephemeral ?? false,
          urgent: options.urgent ?? !options.ephemeral,
        });
        return result.serverTimestamp;
      } catch (error) {
        if (attempt >= maxAttempts || !(error instanceof ApiRequestError)) throw error;
        if (error.status === 409) {
          const missing = numbers(error.details?.["missingDevices"]);
          const extra = numbers(error.details?.["extraDevices"]);
          await this.dropSessions(to, extra);
          if (missing.length > 0) await this.establish(to, missing);
        } else if (error.status === 410) {
          const stale = numbers(error.details?.["staleDevices"]);
          await this.dropSessions(to, stale);
          if (stale.length > 0) await this.establish(to, stale);
        } else {
          throw error;
        }
        devices = await this.sessionDevices(to);
      }
    }
  }

  /**
   * This account's other devices, when there is no session with any: asked of the server at most
   * every `ownDevicesTtlMs`, as every message sent by a device on its own would otherwise cost an
   * extra request for its (empty) transcript. A device linked in between gets transcripts once
   * the answer is renewed (or at once, after `forgetOwnDevices`).
   */
  private async otherOwnDevices(): Promise<number[]> {
    const now = this.context.clock.now();
    if (this.#ownDevices && now - this.#ownDevices.at < ownDevicesTtlMs) return this.#ownDevices.others;
    const own = await this.context.api.listDevices();
    const others = own.devices.map((d) => d.id).filter((id) => id !== this.context.account.deviceId);
    this.#ownDevices = { at: now, others };
    return others;
  }

  forgetOwnDevices(): void {
    this.#ownDevices = undefined;
  }

  /** Fetches bundles, checks them against the signed device list, and starts sessions. */
  async establish(to: string, deviceIds: readonly number[] | "*"): Promise<void> {
    const { api } = this.context;
    const list = this.deviceLists.prefetch(to);
    const responses: PreKeyBundles[] =
      deviceIds === "*" ? [await api.fetchBundles(to, "*")] : await Promise.all(deviceIds.map((id) => api.fetchBundles(to, id)));
    const bundles: PreKeyBundle[] = [];
    for (const response of responses) {
      const identityKey = PublicKey.deserialize(fromBase64(response.identityKey));
      for (const device of response.devices) {
        if (to === this.context.account.accountId && device.deviceId === this.context.account.deviceId) continue;
        bundles.push({
          registrationId: device.registrationId,
          deviceId: device.deviceId,
          ...(device.preKey ? { preKeyId: device.preKey.keyId, preKeyPublic: PublicKey.deserialize(fromBase64(device.preKey.publicKey)) } : {}),
          signedPreKeyId: device.signedPreKey.keyId,
          signedPreKeyPublic: PublicKey.deserialize(fromBase64(device.signedPreKey.publicKey)),
          signedPreKeySignature: fromBase64(device.signedPreKey.signature),
          identityKey,
          kyberPreKeyId: device.pqPreKey.keyId,
          kyberPreKeyPublic: KemPublicKey.deserialize(fromBase64(device.pqPreKey.publicKey)),
          kyberPreKeySignature: fromBase64(device.pqPreKey.signature),
        });
      }
    }
    if (bundles.length === 0) return;
    await this.checkIdentity(to, bundles[0]!.identityKey);
    await this.deviceLists.check(to, bundles[0]!.identityKey, bundles, list);
    await this.context.runner.run(async (tx) => {
      const stores = signalStores(this.context, tx);
      for (const bundle of bundles) {
        const address = new ProtocolAddress(to, bundle.deviceId);
        await processPreKeyBundle(bundle, address, stores, stores, this.context.random, this.context.clock.now());
      }
    });
  }

  /**
   * A bundle whose identity key differs from the one trusted for the account: record the new key
   * as changed (so the user can see and accept it) and refuse to go on.
   */
  private async checkIdentity(to: string, identityKey: PublicKey): Promise<void> {
    const changed = await this.context.runner.run(async (tx) => {
      const stores = signalStores(this.context, tx);
      const address = new ProtocolAddress(to, 1);
      if (await stores.isTrustedIdentity(address, identityKey, "sending")) return false;
      await stores.saveIdentity(address, identityKey);
      return true;
    });
    if (changed) {
      this.context.events.emit("identity-changed", { accountId: to });
      throw new ParleyError(SdkErrorCode.IdentityUntrusted, `the identity key of ${to} changed; accept it to send again`);
    }
  }

  private async encrypt(to: string, devices: readonly number[], plaintext: Uint8Array, sentAt: number, retried = false): Promise<OutgoingMessage[]> {
    try {
      return await this.context.runner.run(async (tx) => {
        const stores = signalStores(this.context, tx);
        const messages: OutgoingMessage[] = [];
        for (const deviceId of devices) {
          const address = new ProtocolAddress(to, deviceId);
          const record = await stores.loadSession(address);
          const registrationId = record?.remoteRegistrationId() ?? 0;
          const ciphertext = await signalEncrypt(plaintext, address, stores, stores, sentAt);
          messages.push({ deviceId, registrationId, type: ciphertext.type, content: ciphertext.body });
        }
        return messages;
      });
    } catch (error) {
      if (isSignalError(error, SignalErrorCode.UntrustedIdentity)) {
        this.context.events.emit("identity-changed", { accountId: to });
        throw new ParleyError(SdkErrorCode.IdentityUntrusted, `the identity key of ${to} changed; accept it to send again`, { cause: error });
      }
      if (isSignalError(error, SignalErrorCode.NoSession) && !retried) {
        // A session whose first message was never answered for too long: start over.
        await this.dropSessions(to, devices);
        await this.establish(to, devices);
        return this.encrypt(to, devices, plaintext, sentAt, true);
      }
      throw error;
    }
  }

  private sessionDevices(to: string): Promise<number[]> {
    return this.context.runner.run(async (tx) => {
      const devices = await signalStores(this.context, tx).sessionDevices(to);
      return to === this.context.account.accountId ? devices.filter((d) => d !== this.context.account.deviceId) : devices;
    });
  }

  async dropSessions(to: string, deviceIds: readonly number[]): Promise<void> {
    if (deviceIds.length === 0) return;
    await this.context.runner.run(async (tx) => {
      const stores = signalStores(this.context, tx);
      for (const id of deviceIds) await stores.deleteSession(to, id);
    });
  }
}

function numbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((v): v is number => Number.isInteger(v)) : [];
}
