import type { DeviceAddress } from "../../ports/device-address.js";

// Letters, digits, "_" and "-" only: never ".", whitespace or the wildcards "*" and ">", so a
// subject built from tokens is always one literal subject.
const subjectToken = /^[A-Za-z0-9_-]+$/;

/** Returns `prefix` if it is one or more "."-separated subject tokens; throws a TypeError otherwise. */
export function checkSubjectPrefix(prefix: string): string {
  if (!prefix.split(".").every((token) => subjectToken.test(token))) {
    throw new TypeError(`NATS subject prefix ${JSON.stringify(prefix)}: use tokens of letters, digits, "_" and "-", separated by "."`);
  }
  return prefix;
}

/**
 * `<prefix>.device.<accountId>.<deviceId>`: the one subject that carries a device's events. Throws
 * a TypeError for an address that would not make a literal subject (it could otherwise subscribe
 * to a wildcard).
 */
export function deviceSubject(prefix: string, device: DeviceAddress): string {
  if (!subjectToken.test(device.accountId) || !Number.isSafeInteger(device.deviceId) || device.deviceId < 0) {
    throw new TypeError("a device address that cannot name a NATS subject");
  }
  return `${prefix}.device.${device.accountId}.${device.deviceId}`;
}
