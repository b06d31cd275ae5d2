// Symmetric primitives of the protocol, from the active crypto backend (active-backend.ts).
import { cryptoBackend } from "./active-backend.js";
import { SignalError, SignalErrorCode } from "./errors.js";

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return cryptoBackend().symmetric.hmacSha256(key, data);
}

/** HKDF-SHA256. An absent salt means HashLen zero bytes (RFC 5869), as in libsignal. */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  return cryptoBackend().symmetric.hkdfSha256(ikm, salt, info, length);
}

export function sha512(data: Uint8Array): Uint8Array {
  return cryptoBackend().symmetric.sha512(data);
}

/** AES-256-CBC with PKCS#7 padding. */
export function aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return cryptoBackend().symmetric.aes256CbcEncrypt(key, iv, plaintext);
}

/** Decrypts AES-256-CBC; bad padding is reported as an invalid message, never as plaintext. */
export function aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw new SignalError(SignalErrorCode.InvalidMessage, "ciphertext is not a whole number of AES blocks");
  }
  try {
    return cryptoBackend().symmetric.aes256CbcDecrypt(key, iv, ciphertext);
  } catch (cause) {
    throw new SignalError(SignalErrorCode.InvalidMessage, "ciphertext has invalid padding", { cause });
  }
}
