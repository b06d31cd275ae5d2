// Symmetric primitives of the protocol, from @noble/hashes and @noble/ciphers. Synchronous: for
// messages of a few KiB these beat WebCrypto's per-call async overhead (see docs/benchmarks.md).
import { cbc } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { SignalError, SignalErrorCode } from "./errors.js";

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, key, data);
}

/** HKDF-SHA256. An absent salt means HashLen zero bytes (RFC 5869), as in libsignal. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  return hkdf(sha256, ikm, salt, info, length);
}

export { sha256, sha512 };

/** AES-256-CBC with PKCS#7 padding. */
export function aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return cbc(key, iv).encrypt(plaintext);
}

/** Decrypts AES-256-CBC; bad padding is reported as an invalid message, never as plaintext. */
export function aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw new SignalError(SignalErrorCode.InvalidMessage, "ciphertext is not a whole number of AES blocks");
  }
  try {
    return cbc(key, iv).decrypt(ciphertext);
  } catch (cause) {
    throw new SignalError(SignalErrorCode.InvalidMessage, "ciphertext has invalid padding", { cause });
  }
}
