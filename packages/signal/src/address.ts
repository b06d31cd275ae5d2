import { SignalError, SignalErrorCode } from "./errors.js";

/** A device of a user: the unit that holds sessions. `name` is the account's stable id. */
export class ProtocolAddress {
  constructor(
    readonly name: string,
    readonly deviceId: number,
  ) {
    if (!Number.isInteger(deviceId) || deviceId < 1 || deviceId > 0x7fffffff) {
      throw new SignalError(SignalErrorCode.InvalidMessage, `device id ${deviceId} out of range`);
    }
  }

  toString(): string {
    return `${this.name}.${this.deviceId}`;
  }
}
