// The `auth` configuration section: registration lock PIN, TOTP and passkeys (docs/operations.md,
// "Second factors"; docs/adr/0013-second-factors.md). Part of ConfigSchema.
import Type from "typebox";
import type { AuthSettings } from "../domain/settings.js";

const integer = (def: number, description: string, minimum: number, maximum: number) =>
  Type.Integer({ default: def, minimum, maximum, description });

export const AuthConfigSchema = Type.Object(
  {
    pinMaxAttemptsPerDay: integer(10, "Wrong registration lock PINs allowed per account per day; then 429 until the day is over.", 1, 1000),
    registrationLockLapseDays: integer(7, "The PIN is no longer required once no device of the account was online for this many days.", 1, 3650),
    secondFactorMaxFailuresPerDay: integer(10, "Wrong second factors (TOTP, recovery code, passkey) allowed per account per day.", 1, 1000),
    totpWindow: integer(1, "TOTP time steps (30 s each) accepted before and after the current one.", 0, 10),
    totpIssuer: Type.String({ default: "Parley", minLength: 1, maxLength: 64, description: "The issuer name authenticator apps show next to TOTP codes." }),
    challengeTtlSeconds: integer(300, "How long a passkey challenge or a pending TOTP enrolment stays usable, in seconds.", 10, 86_400),
    pinHashCost: integer(2 ** 15, "scrypt cost N of new PIN verifiers: a power of two; higher is slower for guessers and for the server.", 2, 2 ** 20),
    passkeys: Type.Object(
      {
        rpId: Type.String({ default: "localhost", minLength: 1, description: "WebAuthn relying party id: the domain the web app is served from (no scheme, no port)." }),
        rpName: Type.String({ default: "Parley", minLength: 1, description: "Relying party name authenticators show when a passkey is created." }),
        origins: Type.String({
          default: "http://localhost:8080",
          minLength: 1,
          description: "Origins (scheme://host[:port], comma-separated) passkey ceremonies may come from.",
        }),
      },
      { default: {} },
    ),
  },
  { default: {} },
);

interface AuthConfig {
  readonly pinMaxAttemptsPerDay: number;
  readonly registrationLockLapseDays: number;
  readonly secondFactorMaxFailuresPerDay: number;
  readonly totpWindow: number;
  readonly totpIssuer: string;
  readonly challengeTtlSeconds: number;
  readonly pinHashCost: number;
  readonly passkeys: { readonly rpId: string; readonly rpName: string; readonly origins: string };
}

const DAY_MS = 24 * 3600_000;

export function authSettingsOf(auth: AuthConfig): AuthSettings {
  return {
    pinMaxAttemptsPerDay: auth.pinMaxAttemptsPerDay,
    registrationLockLapseMs: auth.registrationLockLapseDays * DAY_MS,
    secondFactorMaxFailuresPerDay: auth.secondFactorMaxFailuresPerDay,
    attemptWindowMs: DAY_MS,
    totpWindow: auth.totpWindow,
    totpIssuer: auth.totpIssuer,
    challengeTtlMs: auth.challengeTtlSeconds * 1000,
    pinHashCost: auth.pinHashCost,
    passkeys: { rpId: auth.passkeys.rpId, rpName: auth.passkeys.rpName, origins: originsOf(auth.passkeys.origins) },
  };
}

function originsOf(list: string): string[] {
  return list
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
}

/** Values the schema cannot express: a power-of-two cost, origins that are origins. */
export function authConfigProblems(auth: AuthConfig): string[] {
  const problems: string[] = [];
  const cost = auth.pinHashCost;
  if (!Number.isInteger(cost) || cost < 2 || (cost & (cost - 1)) !== 0) problems.push("auth.pinHashCost: must be a power of two");
  const origins = originsOf(auth.passkeys.origins);
  if (origins.length === 0) problems.push("auth.passkeys.origins: name at least one origin");
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      problems.push(`auth.passkeys.origins: "${origin}" is not an origin (scheme://host[:port], no path)`);
    }
  }
  if (/[/:]/.test(auth.passkeys.rpId)) problems.push("auth.passkeys.rpId: a domain name, without scheme, port or path");
  return problems;
}
