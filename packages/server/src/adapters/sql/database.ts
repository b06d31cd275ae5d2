import type { Generated } from "kysely";
import type { FactorTables } from "./factor-tables.js";

/**
 * The SQL schema as kysely sees it, shared by every dialect; the migrations create it. Times are
 * milliseconds since the epoch; byte columns are BLOB (SQLite) or bytea (PostgreSQL).
 */
export interface Database extends FactorTables {
  migrations: MigrationsTable;
  accounts: AccountsTable;
  devices: DevicesTable;
  link_tokens: LinkTokensTable;
  device_lists: DeviceListsTable;
  signed_prekeys: SignedPrekeysTable;
  one_time_prekeys: OneTimePrekeysTable;
  kyber_prekeys: KyberPrekeysTable;
  mailbox_entries: MailboxEntriesTable;
  mailbox_sequences: MailboxSequencesTable;
  verification_sessions: VerificationSessionsTable;
  oidc_artefacts: OidcArtefactsTable;
  oidc_clients: OidcClientsTable;
  oidc_signing_keys: OidcSigningKeysTable;
  oidc_secrets: OidcSecretsTable;
  oidc_sign_ins: OidcSignInsTable;
}

export interface MigrationsTable {
  id: number;
  name: string;
  applied_at: number;
}

export interface AccountsTable {
  id: string;
  identifier_kind: string;
  identifier: string;
  identity_key: Uint8Array;
  next_device_id: number;
  created_at: number;
}

export interface DevicesTable {
  account_id: string;
  id: number;
  name: string | null;
  registration_id: number;
  password_hash: Uint8Array;
  password_salt: Uint8Array;
  created_at: number;
  last_seen_at: number;
}

export interface LinkTokensTable {
  token_hash: Uint8Array;
  account_id: string;
  expires_at: number;
}

export interface DeviceListsTable {
  account_id: string;
  version: number;
  statement: Uint8Array;
  signature: Uint8Array;
  updated_at: number;
}

/** The kinds of signed key a device has exactly one of. */
export type SignedPrekeyKind = "signed" | "last_resort";

export interface SignedPrekeysTable {
  account_id: string;
  device_id: number;
  kind: SignedPrekeyKind;
  key_id: number;
  public_key: Uint8Array;
  signature: Uint8Array;
}

export interface OneTimePrekeysTable {
  seq: Generated<number>;
  account_id: string;
  device_id: number;
  key_id: number;
  public_key: Uint8Array;
}

export interface KyberPrekeysTable {
  seq: Generated<number>;
  account_id: string;
  device_id: number;
  key_id: number;
  public_key: Uint8Array;
  signature: Uint8Array;
}

export interface MailboxEntriesTable {
  seq: Generated<number>;
  id: Uint8Array;
  account_id: string;
  device_id: number;
  data: Uint8Array;
  received_at: number;
}

/** PostgreSQL only: the last seq handed out per device (see SqlDialect). */
export interface MailboxSequencesTable {
  account_id: string;
  device_id: number;
  last_seq: number;
}

export interface VerificationSessionsTable {
  id: string;
  identifier_kind: string;
  identifier: string;
  code_hash: Uint8Array;
  created_at: number;
  expires_at: number;
  attempts: number;
  /** 0 or 1 (SQLite has no boolean; kept an integer in every dialect). */
  verified: number;
}

export interface OidcArtefactsTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

export interface OidcClientsTable {
  id: string;
  name: string;
  secret_hash: Uint8Array | null;
  /** JSON array. */
  redirect_uris: string;
  subject_type: string;
  created_at: number;
}

export interface OidcSigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export interface OidcSecretsTable {
  name: string;
  value: Uint8Array;
}

export interface OidcSignInsTable {
  code_hash: Uint8Array;
  interaction_uid: string;
  client_id: string;
  client_name: string;
  /** JSON array. */
  scopes: string;
  state: string;
  account_id: string | null;
  created_at: number;
  expires_at: number;
}
