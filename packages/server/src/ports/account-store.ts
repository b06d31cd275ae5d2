import type { DeviceAddress } from "./device-address.js";
import type { SignedKey } from "./key-store.js";

export type IdentifierKind = "phone" | "username";

/** The highest device id an account hands out (7 bits in Signal addresses); then linking fails. */
export const MAX_DEVICE_ID = 127;

export interface AccountRecord {
  readonly id: string;
  readonly identifierKind: IdentifierKind;
  /** E.164 for phones, the lower-cased name for usernames. Unique per kind. */
  readonly identifier: string;
  /** The account's identity key (0x05 + 32 bytes), shared by all its devices. */
  readonly identityKey: Uint8Array;
  readonly createdAt: number;
}

export interface DeviceRecord {
  readonly accountId: string;
  /** 1 is the primary; linked devices get ids from 2 up, never reused within an account. */
  readonly id: number;
  readonly name: string | null;
  readonly registrationId: number;
  /** A hash of the device's password; the password itself is never stored. */
  readonly passwordHash: Uint8Array;
  readonly passwordSalt: Uint8Array;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}

/** A device to create, with the keys it cannot work without. */
export interface NewDevice {
  readonly name: string | null;
  readonly registrationId: number;
  readonly passwordHash: Uint8Array;
  readonly passwordSalt: Uint8Array;
  readonly createdAt: number;
  readonly signedPreKey: SignedKey;
  readonly pqLastResortPreKey: SignedKey;
}

export interface RegisterInput {
  /** Used only when no account has this identifier yet. */
  readonly newAccountId: string;
  readonly identifierKind: IdentifierKind;
  readonly identifier: string;
  readonly identityKey: Uint8Array;
  readonly primary: NewDevice;
}

export interface RegisterResult {
  readonly account: AccountRecord;
  /** Device ids that existed before a re-registration and are gone now (empty for a new account). */
  readonly removedDevices: readonly number[];
}

export interface LinkInput {
  readonly tokenHash: Uint8Array;
  readonly now: number;
  readonly identityKey: Uint8Array;
  readonly device: NewDevice;
  /** Refuse when the account already has this many devices. */
  readonly maxDevices: number;
}

export type LinkResult =
  | { readonly ok: true; readonly accountId: string; readonly deviceId: number }
  | { readonly ok: false; readonly reason: "token" | "identity" | "limit" };

/**
 * The account's signed device list: a statement by the primary device naming the account's
 * devices, signed with the identity key. The statement is opaque to the server; the signature is
 * checked before the list reaches the store.
 */
export interface DeviceListRecord {
  /** Chosen by the primary, at least 1; each stored list has a higher version than the last. */
  readonly version: number;
  readonly statement: Uint8Array;
  /** XEdDSA by the account's identity key over the device-list prefix and the statement. */
  readonly signature: Uint8Array;
  /** When the server stored it (ms). */
  readonly updatedAt: number;
}

/**
 * "stored" when the list replaced the account's list (or was its first); "stale" when the stored
 * list's version is greater than or equal to the new one; "unknown" when there is no such account.
 */
export type PutDeviceListResult = "stored" | "stale" | "unknown";

/**
 * Accounts and their devices, which change together.
 *
 * Guarantees: every method is atomic. `register` and `removeDevice` delete the removed devices'
 * keys and queued envelopes in the same atomic step, so a re-registered device never receives
 * envelopes sealed for its predecessor. Link tokens are single-use: of two concurrent links with
 * one token, at most one succeeds.
 *
 * An account has at most one device list, durable once `putDeviceList` resolves "stored". Its
 * version only grows: `putDeviceList` compares and stores in one atomic step, so of two concurrent puts with the same version at most one is
 * stored, and a list is never replaced by an older one. Re-registration deletes the list in the
 * same step that replaces the identity key (the list was signed with the old key), so no reader
 * sees the new key with the old list. Linking and removing devices leave the list alone: it is
 * the primary's statement, which only the primary replaces.
 */
export interface AccountStore {
  findAccount(accountId: string): Promise<AccountRecord | undefined>;
  findAccountByIdentifier(kind: IdentifierKind, identifier: string): Promise<AccountRecord | undefined>;
  /**
   * Creates the account with `primary` as device 1, or, when the identifier is taken,
   * re-registers it: same account id, the new identity key, every device removed, its link
   * tokens voided, its device list deleted and `primary` installed as device 1.
   */
  register(input: RegisterInput): Promise<RegisterResult>;
  /** The account's devices in ascending id order (empty for an unknown account). */
  listDevices(accountId: string): Promise<DeviceRecord[]>;
  findDevice(device: DeviceAddress): Promise<DeviceRecord | undefined>;
  /** Stores the hash of a single-use linking token for the account. */
  createLinkToken(accountId: string, tokenHash: Uint8Array, expiresAt: number): Promise<void>;
  /**
   * Consumes the token (unexpired at `now`) and adds the device to the token's account, if the
   * identity key matches the account's and the account has fewer than `maxDevices` devices.
   * Nothing changes when it fails, except that an expired token is deleted.
   */
  linkDevice(input: LinkInput): Promise<LinkResult>;
  /** Removes a linked device (never the primary); false when it did not exist. */
  removeDevice(device: DeviceAddress): Promise<boolean>;
  /** Records that the device was seen at `at` (ms); callers update this coarsely. */
  touchDevice(device: DeviceAddress, at: number): Promise<void>;
  /**
   * Stores the account's device list if its version is greater than the stored list's (any
   * version when none is stored); otherwise changes nothing.
   */
  putDeviceList(accountId: string, list: DeviceListRecord): Promise<PutDeviceListResult>;
  /** The account's device list, or undefined when none is stored (or the account is unknown). */
  getDeviceList(accountId: string): Promise<DeviceListRecord | undefined>;
}
