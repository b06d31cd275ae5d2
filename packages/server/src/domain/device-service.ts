// Listing, removing and linking devices, and the signed device list. Linking: the primary asks
// for a short-lived single-use token, passes it to the new device inside the end-to-end encrypted
// provisioning message, and the new device presents it with its keys to get its own credentials.
// The signed device list lets contacts check which devices the account's owner vouches for; the
// server checks its signature and serves it, but never reads the statement.
import {
  deviceListSignedMessage,
  type Credentials,
  type DeviceList,
  type LinkDevice,
  type LinkToken,
  type SignedDeviceList,
  type UploadDeviceList,
} from "@parley/protocol";
import { verifySignature } from "@parley/signal/verify";
import type { AccountStore } from "../ports/account-store.js";
import type { Bus } from "../ports/bus.js";
import type { Clock } from "../ports/clock.js";
import type { Random } from "../ports/random.js";
import { ApiError, ErrorCode } from "./api-error.js";
import type { DeviceAuth } from "./authenticator.js";
import { decodeBase64, encodeBase64 } from "./base64.js";
import { hashToken } from "./credentials.js";
import type { FactorCheck } from "./factor-check.js";
import { randomToken } from "./ids.js";
import { prepareNewDevice } from "./new-device.js";
import type { DomainSettings } from "./settings.js";

export interface DeviceServiceDeps {
  readonly accounts: AccountStore;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly random: Random;
  readonly settings: DomainSettings;
  /** The PIN and second factors linking needs; none checked when absent. */
  readonly factorCheck?: FactorCheck;
}

export class DeviceService {
  constructor(private readonly deps: DeviceServiceDeps) {}

  async list(auth: DeviceAuth): Promise<DeviceList> {
    const devices = await this.deps.accounts.listDevices(auth.accountId);
    return {
      devices: devices.map((d) => ({
        id: d.id,
        name: d.name,
        registrationId: d.registrationId,
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
      })),
    };
  }

  /** The primary removes any linked device; a linked device may remove itself. */
  async remove(auth: DeviceAuth, deviceId: number): Promise<void> {
    if (deviceId === 1) throw new ApiError(ErrorCode.Forbidden, "the primary device cannot be removed; re-register instead");
    if (!auth.primary && auth.deviceId !== deviceId) {
      throw new ApiError(ErrorCode.Forbidden, "only the primary device can remove other devices");
    }
    const device = { accountId: auth.accountId, deviceId };
    if (!(await this.deps.accounts.removeDevice(device))) throw new ApiError(ErrorCode.DeviceNotFound, "no such device");
    this.deps.bus.publish(device, { type: "removed" });
  }

  async createLinkToken(auth: DeviceAuth): Promise<LinkToken> {
    if (!auth.primary) throw new ApiError(ErrorCode.Forbidden, "only the primary device can link devices");
    const token = randomToken(this.deps.random, 24);
    const expiresAt = this.deps.clock.now() + this.deps.settings.devices.linkTokenTtlMs;
    await this.deps.accounts.createLinkToken(auth.accountId, hashToken(token), expiresAt);
    return { token, expiresAt };
  }

  async link(input: LinkDevice): Promise<Credentials> {
    const { accounts, clock, random, settings } = this.deps;
    const now = clock.now();
    const prepared = await prepareNewDevice(input, random, now);
    // Before the token is spent: a refusal leaves it usable for another try.
    await this.deps.factorCheck?.forLinkToken(input.token, input.factors);
    const result = await accounts.linkDevice({
      tokenHash: hashToken(input.token),
      now,
      identityKey: prepared.identityKey,
      maxDevices: settings.devices.maxDevices,
      device: prepared.device,
    });
    if (!result.ok) {
      switch (result.reason) {
        case "token":
          throw new ApiError(ErrorCode.LinkTokenInvalid, "the linking token is unknown, used or expired");
        case "identity":
          throw new ApiError(ErrorCode.IdentityKeyMismatch, "the identity key is not the account's identity key");
        case "limit":
          throw new ApiError(ErrorCode.DeviceLimitReached, `an account has at most ${settings.devices.maxDevices} devices`, {
            maxDevices: settings.devices.maxDevices,
          });
      }
    }
    return { accountId: result.accountId, deviceId: result.deviceId, password: prepared.password };
  }

  /**
   * Stores the account's signed device list. Only the primary publishes it; the signature must
   * verify with the account's identity key, and the version must exceed the stored list's.
   */
  async putList(auth: DeviceAuth, input: UploadDeviceList): Promise<void> {
    const { accounts, clock } = this.deps;
    if (!auth.primary) throw new ApiError(ErrorCode.Forbidden, "only the primary device can publish the device list");
    const statement = decodeBase64(input.statement, "statement");
    const signature = decodeBase64(input.signature, "signature");
    const account = await accounts.findAccount(auth.accountId);
    if (!account) throw new ApiError(ErrorCode.Unauthorized, "missing or invalid device credentials");
    if (!(await verifySignature(account.identityKey, deviceListSignedMessage(statement), signature))) {
      throw new ApiError(ErrorCode.DeviceListSignatureInvalid, "the signature does not verify with the identity key");
    }
    // A re-registration between the check above and the write can leave a list signed with the
    // previous identity key. Contacts verify against the current key and reject it, and the new
    // primary replaces it with a higher version (the 409 names the version to beat).
    const list = { version: input.version, statement, signature, updatedAt: clock.now() };
    switch (await accounts.putDeviceList(auth.accountId, list)) {
      case "stored":
        return;
      case "stale": {
        // Read after the refusal: the list can change, or go with a re-registration, meanwhile.
        const current = await accounts.getDeviceList(auth.accountId);
        throw new ApiError(ErrorCode.DeviceListStale, "the stored device list has the same or a higher version", {
          currentVersion: current?.version ?? 0,
        });
      }
      case "unknown":
        throw new ApiError(ErrorCode.Unauthorized, "missing or invalid device credentials");
    }
  }

  /** The account's signed device list, as its primary published it. */
  async getList(accountId: string): Promise<SignedDeviceList> {
    const { accounts } = this.deps;
    const list = await accounts.getDeviceList(accountId);
    if (list) {
      return {
        version: list.version,
        statement: encodeBase64(list.statement),
        signature: encodeBase64(list.signature),
        updatedAt: list.updatedAt,
      };
    }
    if (!(await accounts.findAccount(accountId))) throw new ApiError(ErrorCode.AccountNotFound, "no such account");
    throw new ApiError(ErrorCode.DeviceListNotFound, "the account has not published a device list");
  }
}
