// Listing, removing and linking devices. Linking: the primary asks for a short-lived single-use
// token, passes it to the new device inside the end-to-end encrypted provisioning message, and
// the new device presents it with its keys to get its own credentials.
import type { Credentials, DeviceList, LinkDevice, LinkToken } from "@parley/protocol";
import type { AccountStore } from "../ports/account-store.js";
import type { Bus } from "../ports/bus.js";
import type { Clock } from "../ports/clock.js";
import type { Random } from "../ports/random.js";
import { ApiError, ErrorCode } from "./api-error.js";
import type { DeviceAuth } from "./authenticator.js";
import { hashToken } from "./credentials.js";
import { randomToken } from "./ids.js";
import { prepareNewDevice } from "./new-device.js";
import type { DomainSettings } from "./settings.js";

export interface DeviceServiceDeps {
  readonly accounts: AccountStore;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly random: Random;
  readonly settings: DomainSettings;
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
}
