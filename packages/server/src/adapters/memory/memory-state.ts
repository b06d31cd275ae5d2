import type {
  AccountRecord,
  DeviceAddress,
  DeviceListRecord,
  DeviceRecord,
  OneTimeKey,
  SignedKey,
  StoredEnvelope,
  VerificationSessionRecord,
} from "../../ports/index.js";
import { addressKey } from "../../ports/index.js";

/** An account and the id its next linked device gets (never decreases, so ids are never reused). */
export interface MemoryAccount {
  record: AccountRecord;
  nextDeviceId: number;
}

/** The public prekeys of one device; Map insertion order is the order keys were added. */
export interface MemoryDeviceKeys {
  signedPreKey: SignedKey | undefined;
  lastResortKey: SignedKey | undefined;
  readonly preKeys: Map<number, OneTimeKey>;
  readonly kyberPreKeys: Map<number, SignedKey>;
}

/**
 * Everything the in-memory stores hold, shared by all four so that an operation spanning them
 * (removing a device drops its keys and envelopes) happens in one synchronous step, which is
 * what makes it atomic: no other store call can run in the middle.
 *
 * Byte arrays in here are private copies; nothing outside the stores holds a reference to them.
 */
export interface MemoryState {
  /** By account id. */
  readonly accounts: Map<string, MemoryAccount>;
  /** By identifierKey(kind, identifier), the account id. */
  readonly accountIdsByIdentifier: Map<string, string>;
  /** By addressKey. */
  readonly devices: Map<string, DeviceRecord>;
  /** By hex token hash. */
  readonly linkTokens: Map<string, { readonly accountId: string; readonly expiresAt: number }>;
  /** By account id. */
  readonly deviceLists: Map<string, DeviceListRecord>;
  /** By addressKey; present exactly when the device exists. */
  readonly keys: Map<string, MemoryDeviceKeys>;
  /** By addressKey; each queue's insertion order is ascending seq. */
  readonly mailboxes: Map<string, Map<number, StoredEnvelope>>;
  /** Hex ids of every queued envelope, for the uniqueness check. */
  readonly envelopeIds: Set<string>;
  /** The last seq handed out. */
  lastSeq: number;
  /** By session id. */
  readonly verificationSessions: Map<string, VerificationSessionRecord>;
}

export function createMemoryState(): MemoryState {
  return {
    accounts: new Map(),
    accountIdsByIdentifier: new Map(),
    devices: new Map(),
    linkTokens: new Map(),
    deviceLists: new Map(),
    keys: new Map(),
    mailboxes: new Map(),
    envelopeIds: new Set(),
    lastSeq: 0,
    verificationSessions: new Map(),
  };
}

export function identifierKey(kind: string, identifier: string): string {
  return `${kind}:${identifier}`;
}

/** A private copy of caller-owned bytes (or of stored bytes handed to a caller). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export function copySignedKey(key: SignedKey): SignedKey {
  return { keyId: key.keyId, publicKey: copyBytes(key.publicKey), signature: copyBytes(key.signature) };
}

export function copyOneTimeKey(key: OneTimeKey): OneTimeKey {
  return { keyId: key.keyId, publicKey: copyBytes(key.publicKey) };
}

export function copyAccount(account: AccountRecord): AccountRecord {
  return { ...account, identityKey: copyBytes(account.identityKey) };
}

export function copyDeviceList(list: DeviceListRecord): DeviceListRecord {
  return { ...list, statement: copyBytes(list.statement), signature: copyBytes(list.signature) };
}

export function copyDevice(device: DeviceRecord): DeviceRecord {
  return { ...device, passwordHash: copyBytes(device.passwordHash), passwordSalt: copyBytes(device.passwordSalt) };
}

export function copyEnvelope(envelope: StoredEnvelope): StoredEnvelope {
  return { ...envelope, id: copyBytes(envelope.id), data: copyBytes(envelope.data) };
}

/** Throws unless the device exists: keys and envelopes of unknown devices are refused. */
export function requireDevice(state: MemoryState, device: DeviceAddress): string {
  const key = addressKey(device);
  if (!state.devices.has(key)) {
    throw new Error(`unknown device ${device.deviceId} of account ${device.accountId}`);
  }
  return key;
}

/** Drops a device with its keys and queued envelopes, in one synchronous step. */
export function dropDevice(state: MemoryState, device: DeviceAddress): boolean {
  const key = addressKey(device);
  const existed = state.devices.delete(key);
  state.keys.delete(key);
  const queue = state.mailboxes.get(key);
  if (queue !== undefined) {
    for (const envelope of queue.values()) state.envelopeIds.delete(hex(envelope.id));
    state.mailboxes.delete(key);
  }
  return existed;
}
