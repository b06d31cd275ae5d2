/**
 * The second-factor tables (migration 0003_auth_factors) as kysely sees them; part of Database.
 * Times are ms since the epoch.
 */
export interface FactorTables {
  account_pins: AccountPinsTable;
  account_totp: AccountTotpTable;
  pending_totp: PendingTotpTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  factor_challenges: FactorChallengesTable;
  factor_attempts: FactorAttemptsTable;
}

export interface AccountPinsTable {
  account_id: string;
  verifier: Uint8Array;
  salt: Uint8Array;
  cost: number;
  updated_at: number;
}

export interface AccountTotpTable {
  account_id: string;
  secret: Uint8Array;
  confirmed_at: number;
  last_step: number;
}

export interface PendingTotpTable {
  account_id: string;
  secret: Uint8Array;
  created_at: number;
  expires_at: number;
}

export interface RecoveryCodesTable {
  account_id: string;
  code_hash: Uint8Array;
}

export interface PasskeysTable {
  id: string;
  account_id: string;
  name: string;
  public_key: Uint8Array;
  counter: number;
  /** Comma-separated; empty for none. */
  transports: string;
  created_at: number;
  last_used_at: number | null;
}

export interface FactorChallengesTable {
  id: string;
  account_id: string;
  purpose: "register" | "authenticate";
  expires_at: number;
}

export interface FactorAttemptsTable {
  account_id: string;
  kind: "pin" | "second_factor";
  attempts: number;
  window_start: number;
}
