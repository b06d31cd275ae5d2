// The key layout of the client's KeyValueStore. Keys are ASCII, with "/" between segments and
// numbers zero-padded to a fixed width, so string order is numeric order and every kind of record
// (and every account's records within a kind) is one contiguous prefix range.
//
//   local/identity                                      this device's identity and registration id
//   identity/<accountId>                                another account's identity key and trust
//   session/<accountId>/<deviceId:3>                    Signal session record with one device
//   prekey/<id:8>                                       one-time EC prekey
//   signed-prekey/<id:8>                                signed prekey
//   kyber-prekey/<id:8>                                 one-time Kyber prekey
//   kyber-last-resort/<id:8>                            last-resort Kyber prekey
//   kyber-used/<id:8>/<signedPreKeyId:8>/<baseKeyHex>   a base key seen with a last-resort key
//   sender-key/<distributionId>/<accountId>/<deviceId:3> sender key record of one group sender
//   counter/<name>                                      monotonic counter
//
// Reserved for the SDK's other repositories, which build their own keys under them
// (client/records.ts): contact/  message/  message-id/  outbox/  processed/, and the local/
// records local/account and local/prekeys-rotated-at.
//
// Prekey ids are 24-bit in Signal's formats (8 decimal digits hold them), device ids 1 to 127.

const ID_WIDTH = 8;
const DEVICE_WIDTH = 3;

export const StoragePrefix = {
  identity: "identity/",
  session: "session/",
  preKey: "prekey/",
  signedPreKey: "signed-prekey/",
  kyberPreKey: "kyber-prekey/",
  lastResortKyberPreKey: "kyber-last-resort/",
  kyberUsed: "kyber-used/",
  senderKey: "sender-key/",
  counter: "counter/",
  contact: "contact/",
  message: "message/",
  outbox: "outbox/",
  processed: "processed/",
} as const;

/** Printable ASCII without space and "/", so a segment can neither escape nor extend its prefix. */
const SEGMENT = /^[!-.0-~]+$/;

/** Checks that `value` can be one segment of a key; account ids, names and UUIDs all can. */
export function keySegment(value: string, what: string): string {
  if (!SEGMENT.test(value)) throw new RangeError(`${what} cannot be part of a storage key`);
  return value;
}

/** `value` in decimal, zero-padded to `width` digits. */
export function paddedNumber(value: number, width: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 10 ** width) {
    throw new RangeError(`${what} ${value} does not fit ${width} digits`);
  }
  return value.toString().padStart(width, "0");
}

/** The number in the last segment of `key`, or undefined when it is not a padded number. */
export function trailingNumber(key: string): number | undefined {
  const last = key.slice(key.lastIndexOf("/") + 1);
  return /^\d+$/.test(last) ? Number(last) : undefined;
}

const id = (value: number, what: string) => paddedNumber(value, ID_WIDTH, what);
const device = (value: number) => paddedNumber(value, DEVICE_WIDTH, "device id");
const account = (value: string) => keySegment(value, "account id");

export const storageKeys = {
  localIdentity: (): string => "local/identity",
  identity: (accountId: string): string => `${StoragePrefix.identity}${account(accountId)}`,
  sessionsOf: (accountId: string): string => `${StoragePrefix.session}${account(accountId)}/`,
  session: (accountId: string, deviceId: number): string => `${storageKeys.sessionsOf(accountId)}${device(deviceId)}`,
  preKey: (preKeyId: number): string => `${StoragePrefix.preKey}${id(preKeyId, "prekey id")}`,
  signedPreKey: (signedPreKeyId: number): string => `${StoragePrefix.signedPreKey}${id(signedPreKeyId, "signed prekey id")}`,
  kyberPreKey: (kyberPreKeyId: number): string => `${StoragePrefix.kyberPreKey}${id(kyberPreKeyId, "Kyber prekey id")}`,
  lastResortKyberPreKey: (kyberPreKeyId: number): string =>
    `${StoragePrefix.lastResortKyberPreKey}${id(kyberPreKeyId, "Kyber prekey id")}`,
  kyberUsesOf: (kyberPreKeyId: number): string => `${StoragePrefix.kyberUsed}${id(kyberPreKeyId, "Kyber prekey id")}/`,
  kyberUsed: (kyberPreKeyId: number, signedPreKeyId: number, baseKeyHex: string): string =>
    `${storageKeys.kyberUsesOf(kyberPreKeyId)}${id(signedPreKeyId, "signed prekey id")}/${keySegment(baseKeyHex, "base key")}`,
  senderKeysOf: (distributionId: string): string => `${StoragePrefix.senderKey}${keySegment(distributionId, "distribution id")}/`,
  senderKey: (distributionId: string, accountId: string, deviceId: number): string =>
    `${storageKeys.senderKeysOf(distributionId)}${account(accountId)}/${device(deviceId)}`,
  counter: (name: string): string => `${StoragePrefix.counter}${keySegment(name, "counter name")}`,
} as const;
