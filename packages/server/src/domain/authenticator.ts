import type { AccountStore } from "../ports/account-store.js";
import type { DeviceAddress } from "../ports/device-address.js";
import { ApiError, ErrorCode } from "./api-error.js";
import { parseBasicAuthorization, passwordMatches, type BasicCredentials } from "./credentials.js";

/** An authenticated device. `primary` devices may manage the account's other devices. */
export interface DeviceAuth extends DeviceAddress {
  readonly primary: boolean;
  /**
   * When the authenticated device record was created: a device removed and re-created (the
   * account re-registered) has the same address but a later time.
   */
  readonly createdAt?: number;
}

/** Checks device credentials against the store; every failure is the same UNAUTHORIZED. */
export class Authenticator {
  constructor(private readonly accounts: AccountStore) {}

  async authenticateHeader(header: string | undefined): Promise<DeviceAuth> {
    return this.authenticate(parseBasicAuthorization(header));
  }

  async authenticate(credentials: BasicCredentials | undefined): Promise<DeviceAuth> {
    if (!credentials) throw unauthorized();
    const device = await this.accounts.findDevice(credentials);
    if (!device || !passwordMatches(credentials.password, { hash: device.passwordHash, salt: device.passwordSalt })) {
      throw unauthorized();
    }
    return { accountId: device.accountId, deviceId: device.id, primary: device.id === 1, createdAt: device.createdAt };
  }
}

function unauthorized(): ApiError {
  return new ApiError(ErrorCode.Unauthorized, "missing or invalid device credentials");
}
