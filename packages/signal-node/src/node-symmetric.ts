// Hashing, HMAC, HKDF and AES-256-CBC from node:crypto (OpenSSL), synchronous.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync } from "node:crypto";
import type { SymmetricBackend } from "@parley/signal/backend";
import { plain } from "./bytes.js";

const NO_SALT = new Uint8Array(32);

function aes(cipher: ReturnType<typeof createCipheriv>, input: Uint8Array): Uint8Array {
  const head = cipher.update(input);
  const tail = cipher.final();
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

export const nodeSymmetric: SymmetricBackend = Object.freeze({
  hmacSha256: (key: Uint8Array, data: Uint8Array) => plain(createHmac("sha256", key).update(data).digest()),
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number) =>
    new Uint8Array(hkdfSync("sha256", ikm, salt ?? NO_SALT, info, length)),
  sha512: (data: Uint8Array) => plain(createHash("sha512").update(data).digest()),
  aes256CbcEncrypt: (key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array) => aes(createCipheriv("aes-256-cbc", key, iv), plaintext),
  aes256CbcDecrypt: (key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array) => aes(createDecipheriv("aes-256-cbc", key, iv), ciphertext),
});
