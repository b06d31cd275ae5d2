// Recovery codes: the way back in when the TOTP device is lost. Ten per enrolment, shown once,
// each single-use. A code has 60 random bits (12 symbols of Crockford's base32, grouped
// xxxx-xxxx-xxxx), too many to guess even offline, so a fast keyed hash (as for device passwords)
// is enough for the stored copy; the account id salts it.
import type { Random } from "../ports/random.js";
import { hashToken } from "./credentials.js";

export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32 in lower case: no i, l, o or u, so codes read back without confusion. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const SYMBOLS = 12;

export function generateRecoveryCodes(random: Random, count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    // 32 symbols: the low five bits of a byte pick one without bias.
    const symbols = [...random.bytes(SYMBOLS)].map((byte) => ALPHABET[byte & 31] ?? "0").join("");
    return `${symbols.slice(0, 4)}-${symbols.slice(4, 8)}-${symbols.slice(8)}`;
  });
}

/** The code as typed, reduced to its symbols: case, spaces and dashes do not matter, nor do i/l/o for 1/1/0. */
function normalized(code: string): string {
  return code
    .toLowerCase()
    .replace(/[^0-9a-z]/g, "")
    .replace(/[il]/g, "1")
    .replace(/o/g, "0");
}

export function recoveryCodeHash(code: string, accountId: string): Uint8Array {
  return hashToken(normalized(code), `recovery-code:${accountId}`);
}
