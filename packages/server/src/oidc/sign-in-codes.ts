// The codes a browser shows for a device to approve: 8 characters from an alphabet without look-
// alikes (no 0/O, 1/I/L, U), shown as XXXX-XXXX. 30^8 ≈ 6.6e11 codes, 39 bits: with the per-device
// lookup limit and codes living minutes, guessing any one of the pending codes is hopeless.
import { createHash } from "node:crypto";
import type { Random } from "../ports/random.js";

export const SIGN_IN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
const LENGTH = 8;

/** A fresh code, without the dash. Rejection sampling keeps every character equally likely. */
export function newSignInCode(random: Random): string {
  const limit = 256 - (256 % SIGN_IN_ALPHABET.length);
  let code = "";
  while (code.length < LENGTH) {
    for (const byte of random.bytes(LENGTH * 2)) {
      if (byte < limit && code.length < LENGTH) code += SIGN_IN_ALPHABET[byte % SIGN_IN_ALPHABET.length];
    }
  }
  return code;
}

/** XXXX-XXXX, as the page shows it. */
export function displaySignInCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The code as typed (any case, dash and spaces optional), or undefined when it cannot be one. */
export function normalizeSignInCode(typed: string): string | undefined {
  const code = typed.replace(/[\s-]/g, "").toUpperCase();
  if (code.length !== LENGTH || [...code].some((char) => !SIGN_IN_ALPHABET.includes(char))) return undefined;
  return code;
}

/** What the store keeps instead of the code. */
export function hashSignInCode(code: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(`parley-oidc-sign-in:${code}`).digest());
}
