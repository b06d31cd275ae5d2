import type { Random } from "../ports/random.js";

/** A random (version 4) UUID in lower case, from the injected randomness. */
export function randomUuid(random: Random): string {
  const b = random.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(b).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An unguessable URL-safe token of `bytes` random bytes. */
export function randomToken(random: Random, bytes = 24): string {
  return Buffer.from(random.bytes(bytes)).toString("base64url");
}

/** A uniformly random string of decimal digits (rejection sampling, no modulo bias). */
export function randomDigits(random: Random, length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of random.bytes(length)) {
      if (byte < 250 && out.length < length) out += String(byte % 10);
    }
  }
  return out;
}
