import type { Migration } from "../../migration.js";

/**
 * Signed device lists, as SQLite's 0002: one per account, replaced only by a higher version. The
 * row goes with its account (ON DELETE CASCADE); re-registration, which keeps the account row,
 * deletes it explicitly.
 */
export const deviceLists: Migration = {
  id: 2,
  name: "device_lists",
  statements: [
    `CREATE TABLE device_lists (
      account_id TEXT NOT NULL PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE, -- one list per account
      version BIGINT NOT NULL,               -- chosen by the primary, at least 1; only grows
      statement BYTEA NOT NULL,              -- the primary's statement naming the devices, opaque to the server
      signature BYTEA NOT NULL,              -- XEdDSA by the identity key over the device-list prefix and the statement
      updated_at BIGINT NOT NULL             -- ms since the epoch, when the server stored it
    )`,
  ],
};
