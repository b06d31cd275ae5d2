// Key derivations of the Double Ratchet, as libsignal computes them.
import { hkdfSha256, hmacSha256 } from "./crypto.js";
import { utf8 } from "./bytes.js";

const MESSAGE_KEY_SEED = Uint8Array.of(0x01);
const CHAIN_KEY_SEED = Uint8Array.of(0x02);
const INFO_RATCHET = utf8("WhisperRatchet");
const INFO_MESSAGE_KEYS = utf8("WhisperMessageKeys");

/** A chain key and the counter of the next message it will produce keys for. */
export interface ChainKey {
  readonly key: Uint8Array;
  readonly index: number;
}

export interface MessageKeys {
  readonly cipherKey: Uint8Array;
  readonly macKey: Uint8Array;
  readonly iv: Uint8Array;
  readonly counter: number;
}

/** One step of a symmetric hash chain, as both the Double Ratchet and Sender Keys take it. */
export function stepChainKey(key: Uint8Array): Uint8Array {
  return hmacSha256(key, CHAIN_KEY_SEED);
}

/** The message key seed a chain key gives (both the Double Ratchet and Sender Keys). */
export function chainMessageSeed(key: Uint8Array): Uint8Array {
  return hmacSha256(key, MESSAGE_KEY_SEED);
}

export function nextChainKey(chain: ChainKey): ChainKey {
  return { key: stepChainKey(chain.key), index: chain.index + 1 };
}

/** The seed from which a message's keys derive; skipped keys are kept as seeds (32 bytes). */
export function messageKeySeed(chain: ChainKey): Uint8Array {
  return chainMessageSeed(chain.key);
}

export function messageKeysFromSeed(seed: Uint8Array, counter: number): MessageKeys {
  const okm = hkdfSha256(seed, undefined, INFO_MESSAGE_KEYS, 80);
  return { cipherKey: okm.subarray(0, 32), macKey: okm.subarray(32, 64), iv: okm.subarray(64, 80), counter };
}

/**
 * KDF_RK: one DH ratchet step from `rootKey` and the agreement of the two ratchet keys, giving
 * the next root key and a fresh chain. Callers make the agreement, so that independent ones run
 * together.
 */
export function chainFromAgreement(rootKey: Uint8Array, shared: Uint8Array): { rootKey: Uint8Array; chainKey: ChainKey } {
  const okm = hkdfSha256(shared, rootKey, INFO_RATCHET, 64);
  return { rootKey: okm.slice(0, 32), chainKey: { key: okm.slice(32, 64), index: 0 } };
}
