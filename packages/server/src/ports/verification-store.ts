import type { IdentifierKind } from "./account-store.js";

export interface VerificationSessionRecord {
  readonly id: string;
  readonly identifierKind: IdentifierKind;
  readonly identifier: string;
  /** A hash of the code; the code itself is never stored. */
  readonly codeHash: Uint8Array;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Code submissions so far, right or wrong. */
  readonly attempts: number;
  readonly verified: boolean;
}

/**
 * Verification sessions: a code sent to an identifier, proven before registration.
 *
 * Guarantees: `recordAttempt` increments atomically, so concurrent submissions cannot exceed the
 * attempt limit; `consume` returns a verified session at most once.
 */
export interface VerificationStore {
  create(session: VerificationSessionRecord): Promise<void>;
  get(id: string): Promise<VerificationSessionRecord | undefined>;
  /** Counts one submission; returns the session as it is after the increment. */
  recordAttempt(id: string): Promise<VerificationSessionRecord | undefined>;
  markVerified(id: string): Promise<void>;
  /** Deletes the session and returns it if it was verified and unexpired at `now`. */
  consume(id: string, now: number): Promise<VerificationSessionRecord | undefined>;
  /** Deletes sessions that expired before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}
