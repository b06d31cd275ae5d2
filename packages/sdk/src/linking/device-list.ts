// An account's statement of its devices, signed with the account's identity key, so that a
// contact can tell the devices the account added from devices the server made up. Verifying
// proves who signed and about which account; whether `version` is newer than the last list
// accepted for the account is the caller's check, as only the caller keeps that state.
import type { PrivateKey, PublicKey, RandomSource } from "@parley/signal";
import { accountIdPattern, deviceListSignedMessage } from "@parley/protocol";
import { BinaryReader, BinaryWriter, WireType, expectWireType, isUint, readString, readUint53 } from "../content/wire.js";
import { LinkingError, LinkingErrorCode } from "./linking-error.js";

export interface DeviceListEntry {
  deviceId: number;
  registrationId: number;
}

export interface DeviceListStatement {
  accountId: string;
  /** Grows with every change of the list; a uint53. */
  version: number;
  /** Ascending device id, each once. */
  devices: DeviceListEntry[];
  /** Milliseconds since the epoch. */
  signedAt: number;
}

export interface SignedDeviceList {
  /** The statement's deterministic protobuf encoding, exactly as signed. */
  statement: Uint8Array;
  /** XEdDSA over the domain prefix and `statement`. */
  signature: Uint8Array;
}

const maxDeviceId = 127;
const maxRegistrationId = 0x3fff;
/** Far above the encoding of 127 devices; refused before any work. */
const maxStatementBytes = 4096;

function malformed(message: string, cause?: unknown): LinkingError {
  return new LinkingError(LinkingErrorCode.DeviceListMalformed, message, cause === undefined ? undefined : { cause });
}

function checkStatement(statement: DeviceListStatement): void {
  if (typeof statement.accountId !== "string" || !accountIdPattern.test(statement.accountId)) throw malformed("account id is not an account id");
  if (!isUint(statement.version, Number.MAX_SAFE_INTEGER)) throw malformed("version is not a uint53");
  if (!isUint(statement.signedAt, Number.MAX_SAFE_INTEGER)) throw malformed("signedAt is not a uint53");
  if (!Array.isArray(statement.devices)) throw malformed("devices is not a list");
  let previous = 0;
  for (const device of statement.devices) {
    if (!isUint(device.deviceId, maxDeviceId) || device.deviceId === 0) throw malformed(`device id must be 1 to ${maxDeviceId}`);
    if (device.deviceId <= previous) throw malformed("devices are not in ascending order of id, each once");
    if (!isUint(device.registrationId, maxRegistrationId) || device.registrationId === 0) {
      throw malformed(`registration id must be 1 to ${maxRegistrationId}`);
    }
    previous = device.deviceId;
  }
}

/** Fields in number order, defaults omitted: one encoding per statement. */
function encodeStatement(statement: DeviceListStatement): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).string(statement.accountId);
  if (statement.version !== 0) w.tag(2, WireType.Varint).uint64(statement.version);
  for (const device of statement.devices) {
    w.tag(3, WireType.LengthDelimited).fork();
    w.tag(1, WireType.Varint).uint32(device.deviceId);
    w.tag(2, WireType.Varint).uint32(device.registrationId);
    w.join();
  }
  if (statement.signedAt !== 0) w.tag(4, WireType.Varint).uint64(statement.signedAt);
  return w.finish();
}

function readStatement(bytes: Uint8Array): DeviceListStatement {
  const r = new BinaryReader(bytes);
  const statement: DeviceListStatement = { accountId: "", version: 0, devices: [], signedAt: 0 };
  while (r.pos < r.len) {
    const [fieldNo, wireType] = r.tag();
    switch (fieldNo) {
      case 1:
        expectWireType(wireType, WireType.LengthDelimited, "account id");
        statement.accountId = readString(r);
        break;
      case 2:
        expectWireType(wireType, WireType.Varint, "version");
        statement.version = readUint53(r, "version");
        break;
      case 3:
        expectWireType(wireType, WireType.LengthDelimited, "device");
        statement.devices.push(readEntry(r.bytes()));
        break;
      case 4:
        expectWireType(wireType, WireType.Varint, "signedAt");
        statement.signedAt = readUint53(r, "signedAt");
        break;
      default:
        throw new Error(`unknown field ${fieldNo} in a device list statement`);
    }
  }
  return statement;
}

function readEntry(bytes: Uint8Array): DeviceListEntry {
  const r = new BinaryReader(bytes);
  const entry: DeviceListEntry = { deviceId: 0, registrationId: 0 };
  while (r.pos < r.len) {
    const [fieldNo, wireType] = r.tag();
    expectWireType(wireType, WireType.Varint, "device entry field");
    if (fieldNo === 1) entry.deviceId = r.uint32();
    else if (fieldNo === 2) entry.registrationId = r.uint32();
    else throw new Error(`unknown field ${fieldNo} in a device entry`);
  }
  return entry;
}

/** Throws DEVICE_LIST_MALFORMED when `statement` breaks a rule of the format. */
export async function signDeviceList(statement: DeviceListStatement, identityKey: PrivateKey, random: RandomSource): Promise<SignedDeviceList> {
  checkStatement(statement);
  const bytes = encodeStatement(statement);
  return { statement: bytes, signature: await identityKey.signAsync(deviceListSignedMessage(bytes), random) };
}

/**
 * The statement, once its signature verifies with `identityKey` and it speaks of
 * `expectedAccountId`. The signature is checked before the statement is read. Throws
 * DEVICE_LIST_BAD_SIGNATURE, DEVICE_LIST_MALFORMED (also for a statement in any encoding other
 * than the deterministic one, as a later revision signs under another prefix instead of adding
 * fields) or DEVICE_LIST_WRONG_ACCOUNT.
 */
export async function verifyDeviceList(signed: SignedDeviceList, identityKey: PublicKey, expectedAccountId: string): Promise<DeviceListStatement> {
  if (signed.statement.length > maxStatementBytes) throw malformed("device list statement is too long");
  if (!(await identityKey.verifySignature(deviceListSignedMessage(signed.statement), signed.signature))) {
    throw new LinkingError(LinkingErrorCode.DeviceListBadSignature, "device list signature does not verify");
  }
  let statement: DeviceListStatement;
  try {
    statement = readStatement(signed.statement);
  } catch (cause) {
    throw malformed("malformed device list statement", cause);
  }
  checkStatement(statement);
  const canonical = encodeStatement(statement);
  if (canonical.length !== signed.statement.length || canonical.some((byte, i) => byte !== signed.statement[i])) {
    throw malformed("device list statement is not in its deterministic encoding");
  }
  if (statement.accountId !== expectedAccountId) {
    throw new LinkingError(LinkingErrorCode.DeviceListWrongAccount, "device list is about another account");
  }
  return statement;
}
