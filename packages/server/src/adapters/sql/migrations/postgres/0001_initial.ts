import type { Migration } from "../../migration.js";

/**
 * Hash partitions of mailbox_entries. Part of this migration's schema: changing the number means
 * a new migration that moves the rows (docs/operations.md).
 */
const MAILBOX_PARTITIONS = 8;

/**
 * The first schema, mirroring SQLite's 0001 (same tables, columns and meaning). Times are BIGINT
 * ms since the epoch, bytes BYTEA. Foreign keys cascade so that removing a device removes its keys
 * and queued envelopes in the same statement.
 *
 * The mailbox differs (see SqlDialect): seqs are per device, handed out from mailbox_sequences
 * under a row lock so that one device's appends commit in seq order, and mailbox_entries is hash
 * partitioned by device, so that every statement on one device's queue touches one partition and
 * partitions can later move apart (docs/adr/0009).
 */
export const initial: Migration = {
  id: 1,
  name: "initial",
  statements: [
    `CREATE TABLE accounts (
      id TEXT NOT NULL PRIMARY KEY,          -- lower-case UUID, stable across re-registration
      identifier_kind TEXT NOT NULL,         -- 'phone' or 'username'
      identifier TEXT NOT NULL,              -- E.164 number or lower-cased username
      identity_key BYTEA NOT NULL,           -- 0x05 + 32 bytes, shared by all devices
      next_device_id INTEGER NOT NULL,       -- id of the next linked device; only grows, so ids are never reused
      created_at BIGINT NOT NULL,            -- ms since the epoch
      UNIQUE (identifier_kind, identifier)
    )`,
    `CREATE TABLE devices (
      account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
      id INTEGER NOT NULL,                   -- 1 is the primary; linked devices 2..127
      name TEXT,                             -- as the client sent it (client-encrypted), or NULL
      registration_id INTEGER NOT NULL,      -- Signal registration id of the device
      password_hash BYTEA NOT NULL,          -- hash of the device password (never the password)
      password_salt BYTEA NOT NULL,          -- salt of that hash
      created_at BIGINT NOT NULL,            -- ms since the epoch
      last_seen_at BIGINT NOT NULL,          -- ms since the epoch, updated coarsely
      PRIMARY KEY (account_id, id)
    )`,
    `CREATE TABLE link_tokens (
      token_hash BYTEA NOT NULL PRIMARY KEY, -- hash of the single-use token (never the token)
      account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
      expires_at BIGINT NOT NULL             -- ms since the epoch; unusable from then on
    )`,
    `CREATE INDEX link_tokens_account ON link_tokens (account_id)`,
    `CREATE TABLE signed_prekeys (
      account_id TEXT NOT NULL,
      device_id INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('signed', 'last_resort')), -- EC signed prekey or Kyber last-resort key
      key_id INTEGER NOT NULL,               -- id the client chose
      public_key BYTEA NOT NULL,             -- serialized public key
      signature BYTEA NOT NULL,              -- signature by the identity key
      PRIMARY KEY (account_id, device_id, kind),
      FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, id) ON DELETE CASCADE
    )`,
    `CREATE TABLE one_time_prekeys (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- insertion order: keys are claimed oldest first
      account_id TEXT NOT NULL,
      device_id INTEGER NOT NULL,
      key_id INTEGER NOT NULL,               -- id the client chose; re-adding it replaces the key in place
      public_key BYTEA NOT NULL,             -- serialized EC public key
      UNIQUE (account_id, device_id, key_id),
      FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, id) ON DELETE CASCADE
    )`,
    `CREATE INDEX one_time_prekeys_order ON one_time_prekeys (account_id, device_id, seq)`,
    `CREATE TABLE kyber_prekeys (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- insertion order: keys are claimed oldest first
      account_id TEXT NOT NULL,
      device_id INTEGER NOT NULL,
      key_id INTEGER NOT NULL,               -- id the client chose; re-adding it replaces the key in place
      public_key BYTEA NOT NULL,             -- serialized Kyber public key
      signature BYTEA NOT NULL,              -- signature by the identity key
      UNIQUE (account_id, device_id, key_id),
      FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, id) ON DELETE CASCADE
    )`,
    `CREATE INDEX kyber_prekeys_order ON kyber_prekeys (account_id, device_id, seq)`,
    // No foreign key on purpose: the counter outlives its device, so a device re-created with the
    // same id (re-registration of device 1) continues above every seq its predecessor handed out.
    // Every append updates a row; free space in each page lets those be HOT updates (no index
    // change, cheap to vacuum).
    `CREATE TABLE mailbox_sequences (
      account_id TEXT NOT NULL,
      device_id INTEGER NOT NULL,
      last_seq BIGINT NOT NULL,              -- the highest seq handed out to the device; only grows
      PRIMARY KEY (account_id, device_id)
    ) WITH (fillfactor = 70)`,
    // Envelope ids are unique per device: a unique index of a partitioned table must contain the
    // partition key.
    `CREATE TABLE mailbox_entries (
      account_id TEXT NOT NULL,
      device_id INTEGER NOT NULL,
      seq BIGINT NOT NULL,                   -- position in the device's queue, from mailbox_sequences
      id BYTEA NOT NULL CHECK (octet_length(id) = 16), -- envelope id (16 random bytes, also inside data)
      data BYTEA NOT NULL,                   -- the encoded sealed envelope, stored as is
      received_at BIGINT NOT NULL,           -- ms since the epoch; retention counts from here
      PRIMARY KEY (account_id, device_id, seq),
      UNIQUE (account_id, device_id, id),
      FOREIGN KEY (account_id, device_id) REFERENCES devices (account_id, id) ON DELETE CASCADE
    ) PARTITION BY HASH (account_id, device_id)`,
    ...Array.from(
      { length: MAILBOX_PARTITIONS },
      (_, i) =>
        `CREATE TABLE mailbox_entries_p${i} PARTITION OF mailbox_entries
          FOR VALUES WITH (MODULUS ${MAILBOX_PARTITIONS}, REMAINDER ${i})`,
    ),
    `CREATE INDEX mailbox_entries_received ON mailbox_entries (received_at)`,
    `CREATE TABLE verification_sessions (
      id TEXT NOT NULL PRIMARY KEY,          -- random session id
      identifier_kind TEXT NOT NULL,         -- 'phone' or 'username'
      identifier TEXT NOT NULL,              -- the identifier being proven
      code_hash BYTEA NOT NULL,              -- hash of the code sent (never the code)
      created_at BIGINT NOT NULL,            -- ms since the epoch
      expires_at BIGINT NOT NULL,            -- ms since the epoch
      attempts INTEGER NOT NULL,             -- code submissions so far, right or wrong
      verified INTEGER NOT NULL CHECK (verified IN (0, 1)) -- 1 once the right code was submitted
    )`,
    `CREATE INDEX verification_sessions_expiry ON verification_sessions (expires_at)`,
  ],
};
