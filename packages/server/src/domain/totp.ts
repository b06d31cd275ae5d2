// TOTP (RFC 6238) through the otpauth library, with the parameters every authenticator app
// supports: HMAC-SHA1, 6 digits, 30-second steps, a 160-bit secret (RFC 4226's recommendation).
// Replay protection is the caller's: a code is accepted only for a step later than the last one
// accepted (FactorStore.advanceTotpStep).
import { Secret, TOTP } from "otpauth";
import type { Random } from "../ports/random.js";

const SECRET_BYTES = 20;
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const ALGORITHM = "SHA1";

function secretOf(bytes: Uint8Array): Secret {
  return new Secret({ buffer: new Uint8Array(bytes).buffer });
}

export function newTotpSecret(random: Random): Uint8Array {
  return random.bytes(SECRET_BYTES);
}

/** The secret in base32 (for typing it in) and the otpauth:// URI (for a QR code). */
export function totpProvisioning(secret: Uint8Array, issuer: string, label: string): { secret: string; uri: string } {
  const totp = new TOTP({ issuer, label, secret: secretOf(secret), algorithm: ALGORITHM, digits: DIGITS, period: PERIOD_SECONDS });
  return { secret: totp.secret.base32, uri: totp.toString() };
}

/**
 * The time step whose code `code` is, searching `window` steps either side of the step of `now`
 * (ms); undefined when it is none of them.
 */
export function totpStepOf(secret: Uint8Array, code: string, now: number, window: number): number | undefined {
  const delta = TOTP.validate({
    token: code,
    secret: secretOf(secret),
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_SECONDS,
    timestamp: now,
    window,
  });
  return delta === null ? undefined : TOTP.counter({ period: PERIOD_SECONDS, timestamp: now }) + delta;
}
