import type {
  ClaimedKeys,
  DeviceAddress,
  KeyCounts,
  KeyStore,
  OneTimeKey,
  SignedKey,
} from "../../ports/index.js";
import { addressKey } from "../../ports/index.js";
import { copyOneTimeKey, copySignedKey, requireDevice, type MemoryDeviceKeys, type MemoryState } from "./memory-state.js";

/**
 * KeyStore over the shared in-memory state. One-time keys live in insertion-ordered maps, so the
 * first entry is the oldest key, and replacing an id keeps its place.
 */
export class InMemoryKeyStore implements KeyStore {
  readonly #state: MemoryState;

  constructor(state: MemoryState) {
    this.#state = state;
  }

  async setSignedPreKey(device: DeviceAddress, key: SignedKey): Promise<void> {
    this.#keysOf(device).signedPreKey = copySignedKey(key);
  }

  async setLastResortKey(device: DeviceAddress, key: SignedKey): Promise<void> {
    this.#keysOf(device).lastResortKey = copySignedKey(key);
  }

  async addPreKeys(device: DeviceAddress, keys: readonly OneTimeKey[]): Promise<void> {
    const stored = this.#keysOf(device).preKeys;
    for (const key of keys) stored.set(key.keyId, copyOneTimeKey(key));
  }

  async addKyberPreKeys(device: DeviceAddress, keys: readonly SignedKey[]): Promise<void> {
    const stored = this.#keysOf(device).kyberPreKeys;
    for (const key of keys) stored.set(key.keyId, copySignedKey(key));
  }

  async claim(device: DeviceAddress): Promise<ClaimedKeys | undefined> {
    const keys = this.#state.keys.get(addressKey(device));
    if (keys === undefined || keys.signedPreKey === undefined) return undefined;
    const kyber = takeFirst(keys.kyberPreKeys);
    const pqPreKey = kyber ?? keys.lastResortKey;
    if (pqPreKey === undefined) return undefined;
    const preKey = takeFirst(keys.preKeys);
    return {
      signedPreKey: copySignedKey(keys.signedPreKey),
      preKey: preKey === undefined ? undefined : copyOneTimeKey(preKey),
      pqPreKey: copySignedKey(pqPreKey),
      pqLastResort: kyber === undefined,
    };
  }

  async counts(device: DeviceAddress): Promise<KeyCounts> {
    const keys = this.#state.keys.get(addressKey(device));
    return { preKeys: keys?.preKeys.size ?? 0, pqPreKeys: keys?.kyberPreKeys.size ?? 0 };
  }

  #keysOf(device: DeviceAddress): MemoryDeviceKeys {
    const keys = this.#state.keys.get(requireDevice(this.#state, device));
    if (keys === undefined) throw new Error("device without a key entry");
    return keys;
  }
}

/** Removes and returns the oldest entry of an insertion-ordered map. */
function takeFirst<V>(map: Map<number, V>): V | undefined {
  for (const [id, value] of map) {
    map.delete(id);
    return value;
  }
  return undefined;
}
