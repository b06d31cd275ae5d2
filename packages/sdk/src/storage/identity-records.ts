// Encodings of the identity records the Signal stores keep: this device's own identity, and what
// it knows of each other account's identity key. Both carry a version so a later format can be
// told apart; a record that does not decode fails with STORE_CORRUPT_RECORD.
import { KeyPair, PrivateKey, PublicKey } from "@parley/signal";
import { toHex } from "../util/bytes.js";
import { StorageError, StorageErrorCode } from "./storage-error.js";

/** This device's long-term identity and the registration id it announced. */
export interface LocalIdentity {
  readonly identityKeyPair: KeyPair;
  readonly registrationId: number;
}

/**
 * How far another account's current identity key is trusted. "first-use": seen first and taken
 * as is (trust on first use); "accepted": the user acknowledged it, or accepted a change;
 * "verified": the user compared safety numbers for this key; "changed": it replaced an earlier
 * key and nobody has accepted it yet (sending to the account is blocked).
 */
export type IdentityStatus = "first-use" | "accepted" | "verified" | "changed";

export interface IdentityRecord {
  readonly publicKey: PublicKey;
  readonly status: IdentityStatus;
  /** When this key was first seen (ms since the epoch). */
  readonly firstSeenAt: number;
  /** When this key replaced a different one; absent for the account's first key. */
  readonly changedAt?: number;
}

const LOCAL_IDENTITY_VERSION = 1;
const LOCAL_IDENTITY_LENGTH = 1 + 4 + 33 + 32;
const IDENTITY_RECORD_VERSION = 1;
const STATUSES: readonly IdentityStatus[] = ["first-use", "accepted", "verified", "changed"];

function corrupt(what: string, cause?: unknown): StorageError {
  return new StorageError(StorageErrorCode.CorruptRecord, `${what} record does not decode`, { cause });
}

/** Version byte, registration id (uint32 big-endian), public key (33 bytes), private key (32). */
export function encodeLocalIdentity(identity: LocalIdentity): Uint8Array {
  const { identityKeyPair, registrationId } = identity;
  if (!Number.isInteger(registrationId) || registrationId < 0 || registrationId > 0xffffffff) {
    throw new RangeError("registration id must be a uint32");
  }
  const out = new Uint8Array(LOCAL_IDENTITY_LENGTH);
  out[0] = LOCAL_IDENTITY_VERSION;
  new DataView(out.buffer).setUint32(1, registrationId);
  out.set(identityKeyPair.publicKey.serialize(), 5);
  out.set(identityKeyPair.privateKey.serialize(), 38);
  return out;
}

export function decodeLocalIdentity(bytes: Uint8Array): LocalIdentity {
  if (bytes.length !== LOCAL_IDENTITY_LENGTH || bytes[0] !== LOCAL_IDENTITY_VERSION) throw corrupt("local identity");
  try {
    const registrationId = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
    const identityKeyPair = new KeyPair(PublicKey.deserialize(bytes.subarray(5, 38)), PrivateKey.deserialize(bytes.subarray(38)));
    return { identityKeyPair, registrationId };
  } catch (cause) {
    throw corrupt("local identity", cause);
  }
}

/** JSON: { version, publicKey (hex of the 33-byte form), status, firstSeenAt, changedAt? }. */
export function encodeIdentityRecord(record: IdentityRecord): Uint8Array {
  const json = {
    version: IDENTITY_RECORD_VERSION,
    publicKey: toHex(record.publicKey.serialize()),
    status: record.status,
    firstSeenAt: record.firstSeenAt,
    ...(record.changedAt === undefined ? {} : { changedAt: record.changedAt }),
  };
  return new TextEncoder().encode(JSON.stringify(json));
}

export function decodeIdentityRecord(bytes: Uint8Array): IdentityRecord {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw corrupt("identity", cause);
  }
  if (typeof value !== "object" || value === null) throw corrupt("identity");
  const fields = value as Record<string, unknown>;
  const { version, publicKey, status, firstSeenAt, changedAt } = fields;
  if (
    version !== IDENTITY_RECORD_VERSION ||
    typeof publicKey !== "string" ||
    !STATUSES.includes(status as IdentityStatus) ||
    !isTime(firstSeenAt) ||
    (changedAt !== undefined && !isTime(changedAt))
  ) {
    throw corrupt("identity");
  }
  let key: PublicKey;
  try {
    key = PublicKey.deserialize(fromHex(publicKey));
  } catch (cause) {
    throw corrupt("identity", cause);
  }
  return { publicKey: key, status: status as IdentityStatus, firstSeenAt, ...(changedAt === undefined ? {} : { changedAt }) };
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new RangeError("not lower-case hex");
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
