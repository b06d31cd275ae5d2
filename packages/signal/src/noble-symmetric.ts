// Hashing and symmetric encryption in JS, from @noble/hashes and @noble/ciphers: synchronous, and
// for messages of a few KiB faster than WebCrypto's per-call async overhead (docs/adr/0003).
import { cbc } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import type { SymmetricBackend } from "./crypto-backend.js";

export const nobleSymmetric: SymmetricBackend = Object.freeze({
  hmacSha256: (key: Uint8Array, data: Uint8Array) => hmac(sha256, key, data),
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number) => hkdf(sha256, ikm, salt, info, length),
  sha512: (data: Uint8Array) => sha512(data),
  aes256CbcEncrypt: (key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array) => cbc(key, iv).encrypt(plaintext),
  aes256CbcDecrypt: (key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array) => cbc(key, iv).decrypt(ciphertext),
});
