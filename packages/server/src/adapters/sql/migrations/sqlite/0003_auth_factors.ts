import type { Migration } from "../../migration.js";

/**
 * Second factors (docs/adr/0013-second-factors.md): registration lock PIN, TOTP with recovery
 * codes, passkeys, passkey challenges and per-account attempt counters. Every row goes with its
 * account (ON DELETE CASCADE); re-registration keeps the account row, so factors survive it.
 */
export const authFactors: Migration = {
  id: 3,
  name: "auth_factors",
  statements: [
    `CREATE TABLE account_pins (
      account_id TEXT NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
      verifier BLOB NOT NULL,                -- scrypt of the PIN (never the PIN)
      salt BLOB NOT NULL,                    -- random, per PIN set
      cost INTEGER NOT NULL,                 -- scrypt N the verifier was made with
      updated_at INTEGER NOT NULL            -- ms since the epoch
    ) STRICT`,
    `CREATE TABLE account_totp (
      account_id TEXT NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
      secret BLOB NOT NULL,                  -- the RFC 6238 shared secret (needed to check codes)
      confirmed_at INTEGER NOT NULL,         -- ms since the epoch
      last_step INTEGER NOT NULL             -- last accepted time step; only later ones are accepted
    ) STRICT`,
    `CREATE TABLE pending_totp (
      account_id TEXT NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
      secret BLOB NOT NULL,                  -- the secret offered, until confirmed with a code
      created_at INTEGER NOT NULL,           -- ms since the epoch
      expires_at INTEGER NOT NULL            -- ms since the epoch; unusable from then on
    ) STRICT`,
    `CREATE TABLE recovery_codes (
      account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
      code_hash BLOB NOT NULL,               -- HMAC-SHA256 of the normalized code (never the code); deleted when used
      PRIMARY KEY (account_id, code_hash)
    ) STRICT`,
    `CREATE TABLE passkeys (
      id TEXT NOT NULL PRIMARY KEY,          -- WebAuthn credential id, base64url; unique across accounts
      account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
      name TEXT NOT NULL,                    -- chosen by the owner
      public_key BLOB NOT NULL,              -- COSE credential public key
      counter INTEGER NOT NULL,              -- authenticator signature counter as last seen
      transports TEXT NOT NULL,              -- comma-separated transport hints, possibly empty
      created_at INTEGER NOT NULL,           -- ms since the epoch
      last_used_at INTEGER                   -- ms since the epoch of the last verified assertion, or NULL
    ) STRICT`,
    `CREATE INDEX passkeys_account ON passkeys (account_id, created_at)`,
    `CREATE TABLE factor_challenges (
      id TEXT NOT NULL PRIMARY KEY,          -- the WebAuthn challenge (base64url of random bytes)
      account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
      purpose TEXT NOT NULL CHECK (purpose IN ('register', 'authenticate')),
      expires_at INTEGER NOT NULL            -- ms since the epoch; single-use until then
    ) STRICT`,
    `CREATE INDEX factor_challenges_expiry ON factor_challenges (expires_at)`,
    `CREATE TABLE factor_attempts (
      account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('pin', 'second_factor')),
      attempts INTEGER NOT NULL,             -- failed (or in-flight) checks in the current window
      window_start INTEGER NOT NULL,         -- ms since the epoch; the window lasts a day from here
      PRIMARY KEY (account_id, kind)
    ) STRICT`,
  ],
};
