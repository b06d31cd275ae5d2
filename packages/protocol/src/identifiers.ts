// Shape rules for the identifiers an account registers under. The server additionally checks
// that a phone number is a valid number for its country.

/** Account ids: lower-case UUIDs. */
export const accountIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Usernames: 3 to 32 characters, a lower-case letter first, then letters, digits or "_". */
export const usernamePattern = /^[a-z][a-z0-9_]{2,31}$/;
/** E.164: "+", a country code not starting with 0, at most 15 digits in all. */
export const e164Pattern = /^\+[1-9][0-9]{6,14}$/;

/** Lower-cases a username so lookups ignore case; returns undefined when it breaks the rules. */
export function normalizeUsername(value: string): string | undefined {
  const lower = value.trim().toLowerCase();
  return usernamePattern.test(lower) ? lower : undefined;
}
