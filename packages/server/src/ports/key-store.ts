import type { DeviceAddress } from "./device-address.js";

/** A prekey with its signature by the identity key (signed EC prekeys and Kyber prekeys). */
export interface SignedKey {
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

export interface OneTimeKey {
  readonly keyId: number;
  readonly publicKey: Uint8Array;
}

export interface ClaimedKeys {
  readonly signedPreKey: SignedKey;
  readonly preKey: OneTimeKey | undefined;
  readonly pqPreKey: SignedKey;
  /** True when `pqPreKey` is the last-resort key because the one-time Kyber keys ran out. */
  readonly pqLastResort: boolean;
}

export interface KeyCounts {
  readonly preKeys: number;
  readonly pqPreKeys: number;
}

/**
 * The public prekeys of each device.
 *
 * Guarantees: `claim` is atomic: it removes the one-time keys it returns, so two claims never
 * return the same one-time key; one-time keys are handed out in the order they were added. Adding
 * a key whose id the device already has replaces it (keeping its place in that order). Keys of a
 * device go when the device goes (see AccountStore); writes for a device that does not exist
 * reject.
 */
export interface KeyStore {
  setSignedPreKey(device: DeviceAddress, key: SignedKey): Promise<void>;
  setLastResortKey(device: DeviceAddress, key: SignedKey): Promise<void>;
  addPreKeys(device: DeviceAddress, keys: readonly OneTimeKey[]): Promise<void>;
  addKyberPreKeys(device: DeviceAddress, keys: readonly SignedKey[]): Promise<void>;
  /**
   * Takes one one-time EC prekey (if any) and one one-time Kyber prekey (else the last-resort
   * key). Undefined when the device has no signed prekey or no Kyber key at all.
   */
  claim(device: DeviceAddress): Promise<ClaimedKeys | undefined>;
  counts(device: DeviceAddress): Promise<KeyCounts>;
}
