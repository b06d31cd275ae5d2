import type { Migration } from "../../migration.js";

/**
 * The first schema. Tables are STRICT (types enforced), foreign keys cascade so that removing a
 * device removes its keys and queued envelopes in the same statement.
 */
export const initial: Migration = {
  id: 1,
  name: "initial",
  statements: [
    `CREATE TABLE accounts (
      id TEXT NOT NULL PRIMARY KEY,          -- lower-case UUID, stable across re-registration
      identifier_kind TEXT NOT NULL,         -- 'phone' or 'username'
      identifier TEXT NOT NULL,              -- E.164 number or lower-cased username
      identity_key BLOB NOT NULL,            -- 0x05 + 32 bytes, shared by all devices
      next_device_id INTEGER NOT NULL,       -- id of the next linked device; only grows, so ids are never reused
      created_at INTEGER NOT NULL,           -- ms since the epoch
      UNIQUE (identifier_kind, identifier)
    ) STRICT`,
    `CREATE TABLE devices (
      account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
      id INTEGER NOT NULL,                   -- 1 is the primary; linked devices 2..127
      name TEXT,                             -- as the client sent it (client-encrypted), or NULL
      registration_id INTEGER NOT NULL,      -- Signal registration id of the device
      password_hash BLOB NOT NULL,           -- hash of the device password (never the password)
      password_salt BLOB NOT NULL,           -- salt of that hash
      created_at INTEGER NOT NULL,           -- ms since the epoch
      last_seen_at INTEGER NOT NULL,         -- ms since the epoch, updated coarsely
      PRIMARY KEY (account_id, id)
    ) STRICT`,
    `CREATE TABLE link_tokens (
      token_hash BLOB NOT NULL PRIMARY KEY,  -- hash of the single-use token (never the token)
      account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
      expires_at INTEGER NOT NULL            -- ms since the epoch; unusable from then on
    ) STRICT`,
    `CREATE INDEX link_tokens_account ON link_tokens (account_id)`,
    `CREATE TABLE signed_prekeys (
      account_id TEXT NOT NULL,
      device_id INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('signed', 'last_resort')), -- EC signed prekey or Kyber last-resort key
      key_id INTEGER NOT NULL,               -- id the client chose
      public_key BLOB NOT NULL,              -- serialized public key
      signature BLOB NOT NULL,               -- signature by the identity key
      PRIMARY KEY (account_id, device_id, kind),
      FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, id) ON DELETE CASCADE
    ) STRICT`,
    `CREATE TABLE one_time_prekeys (
      seq INTEGER NOT NULL PRIMARY KEY,      -- insertion order: keys are claimed oldest first
      account_id TEXT NOT NULL,
      device_id INTEGER NOT NULL,
      key_id INTEGER NOT NULL,               -- id the client chose; re-adding it replaces the key in place
      public_key BLOB NOT NULL,              -- serialized EC public key
      UNIQUE (account_id, device_id, key_id),
      FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, id) ON DELETE CASCADE
    ) STRICT`,
    `CREATE INDEX one_time_prekeys_order ON one_time_prekeys (account_id, device_id, seq)`,
    `CREATE TABLE kyber_prekeys (
      seq INTEGER NOT NULL PRIMARY KEY,      -- insertion order: keys are claimed oldest first
      account_id TEXT NOT NULL,
      device_id INTEGER NOT NULL,
      key_id INTEGER NOT NULL,               -- id the client chose; re-adding it replaces the key in place
      public_key BLOB NOT NULL,              -- serialized Kyber public key
      signature BLOB NOT NULL,               -- signature by the identity key
      UNIQUE (account_id, device_id, key_id),
      FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, id) ON DELETE CASCADE
    ) STRICT`,
    `CREATE INDEX kyber_prekeys_order ON kyber_prekeys (account_id, device_id, seq)`,
    // AUTOINCREMENT, unlike a plain rowid, never hands out a seq again after the highest entry is
    // acknowledged, so a reader resuming after a seq cannot miss a later append.
    `CREATE TABLE mailbox_entries (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, -- position: grows with every append, across devices
      id BLOB NOT NULL UNIQUE CHECK (length(id) = 16), -- envelope id (16 random bytes, also inside data)
      account_id TEXT NOT NULL,
      device_id INTEGER NOT NULL,
      data BLOB NOT NULL,                    -- the encoded sealed envelope, stored as is
      received_at INTEGER NOT NULL,          -- ms since the epoch; retention counts from here
      FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, id) ON DELETE CASCADE
    ) STRICT`,
    `CREATE INDEX mailbox_entries_device ON mailbox_entries (account_id, device_id, seq)`,
    `CREATE INDEX mailbox_entries_received ON mailbox_entries (received_at)`,
    `CREATE TABLE verification_sessions (
      id TEXT NOT NULL PRIMARY KEY,          -- random session id
      identifier_kind TEXT NOT NULL,         -- 'phone' or 'username'
      identifier TEXT NOT NULL,              -- the identifier being proven
      code_hash BLOB NOT NULL,               -- hash of the code sent (never the code)
      created_at INTEGER NOT NULL,           -- ms since the epoch
      expires_at INTEGER NOT NULL,           -- ms since the epoch
      attempts INTEGER NOT NULL,             -- code submissions so far, right or wrong
      verified INTEGER NOT NULL CHECK (verified IN (0, 1)) -- 1 once the right code was submitted
    ) STRICT`,
    `CREATE INDEX verification_sessions_expiry ON verification_sessions (expires_at)`,
  ],
};
