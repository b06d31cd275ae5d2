/** Which per-account attempt counter: wrong PINs, or wrong second factors of any kind. */
export type AttemptKind = "pin" | "second_factor";

/** A registration lock PIN as stored: a slow-hash verifier, never the PIN. */
export interface PinRecord {
  /** scrypt(PIN, salt, cost) */
  readonly verifier: Uint8Array;
  /** Random per PIN set, so equal PINs of two accounts have unrelated verifiers. */
  readonly salt: Uint8Array;
  /** scrypt N the verifier was made with (settings may change later). */
  readonly cost: number;
  readonly updatedAt: number;
}

/** A confirmed TOTP (RFC 6238) secret. */
export interface TotpRecord {
  /** The shared secret; the server must read it to check codes. */
  readonly secret: Uint8Array;
  readonly confirmedAt: number;
  /** The last accepted time step (Unix time / 30 s); only later steps are accepted. */
  readonly lastStep: number;
}

/** A TOTP enrolment started by the primary and not yet confirmed with a code. */
export interface PendingTotpRecord {
  readonly secret: Uint8Array;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface PasskeyRecord {
  /** The WebAuthn credential id, base64url; unique across all accounts. */
  readonly id: string;
  readonly name: string;
  /** The COSE-encoded credential public key. */
  readonly publicKey: Uint8Array;
  /** The authenticator's signature counter as last seen (0 for authenticators without one). */
  readonly counter: number;
  readonly transports: readonly string[];
  readonly createdAt: number;
  readonly lastUsedAt?: number;
}

/** A WebAuthn challenge handed out for one ceremony of one account. */
export interface ChallengeRecord {
  /** The challenge itself (base64url of random bytes), also its id. */
  readonly id: string;
  readonly accountId: string;
  /** "register": adding a passkey; "authenticate": a passkey assertion as a second factor. */
  readonly purpose: "register" | "authenticate";
  readonly expiresAt: number;
}

/** An attempt counter after an increment. */
export interface AttemptCount {
  /** Attempts in the current window, this one included. */
  readonly count: number;
  /** When the current window began (ms); it ends `windowMs` later. */
  readonly windowStart: number;
}

/** Every factor of one account, as GET /v1/auth/factors and the factor check need them. */
export interface AccountFactors {
  readonly pin?: PinRecord;
  readonly totp?: TotpRecord;
  /** Unused recovery codes. */
  readonly recoveryCodesLeft: number;
  /** In creation order. */
  readonly passkeys: readonly PasskeyRecord[];
}

export type AddPasskeyResult = "added" | "duplicate" | "limit";

/**
 * The second factors of accounts: registration lock PIN, TOTP with recovery codes, passkeys,
 * passkey challenges and the per-account attempt counters.
 *
 * Factors belong to the account, not to a device: they survive re-registration (which keeps the
 * account row) and go with the account when it is deleted. Every method is atomic. Guarantees:
 * - `recordAttempt` increments atomically: of n concurrent calls each sees a different count, so
 *   a limit checked on its result holds under concurrency. A call at or after the end of the
 *   window starts a new one with count 1. `releaseAttempt` takes one back only within the same
 *   window (it never goes below 0), so a successful check does not use up the allowance.
 * - `advanceTotpStep` only moves forward: it stores `step` and returns true only if it exceeds
 *   the stored step, so a TOTP code is accepted at most once, also by concurrent requests.
 * - `useRecoveryCode` and `takeChallenge` delete what they match: each code and each challenge
 *   serves at most one caller.
 * - `confirmTotp` replaces the TOTP secret and every recovery code in one step, and only while
 *   the pending enrolment is the one the caller checked the code against.
 * - `createChallenge` also drops every challenge expired at `now`; an expired challenge is never
 *   taken.
 * Secrets are stored as given (the PIN and recovery codes arrive hashed); nothing else is lost.
 */
export interface FactorStore {
  /** The account's factors (none for an unknown account). */
  getFactors(accountId: string): Promise<AccountFactors>;

  setPin(accountId: string, pin: PinRecord): Promise<void>;
  removePin(accountId: string): Promise<void>;

  /** Replaces any pending enrolment; a confirmed TOTP stays as it is. */
  setPendingTotp(accountId: string, pending: PendingTotpRecord): Promise<void>;
  getPendingTotp(accountId: string): Promise<PendingTotpRecord | undefined>;
  /**
   * If the pending enrolment's secret is `pendingSecret`: deletes it, stores `totp` as the
   * account's TOTP (replacing any) and replaces all recovery codes with `recoveryCodeHashes`;
   * returns true. Otherwise changes nothing and returns false.
   */
  confirmTotp(accountId: string, pendingSecret: Uint8Array, totp: TotpRecord, recoveryCodeHashes: readonly Uint8Array[]): Promise<boolean>;
  /** Deletes the TOTP secret, any pending enrolment and every recovery code. */
  removeTotp(accountId: string): Promise<void>;
  /** Stores `step` as the last accepted one if it is greater; false otherwise (or without TOTP). */
  advanceTotpStep(accountId: string, step: number): Promise<boolean>;
  /** Deletes the recovery code with this hash; false when the account has none such. */
  useRecoveryCode(accountId: string, codeHash: Uint8Array): Promise<boolean>;

  /** Adds the passkey unless its id is taken (by any account) or the account has `max` already. */
  addPasskey(accountId: string, passkey: PasskeyRecord, max: number): Promise<AddPasskeyResult>;
  /** False when the account has no passkey with this id. */
  removePasskey(accountId: string, id: string): Promise<boolean>;
  /** Records a verified assertion: the new signature counter and when. */
  recordPasskeyUse(accountId: string, id: string, counter: number, at: number): Promise<void>;

  createChallenge(challenge: ChallengeRecord, now: number): Promise<void>;
  /** Deletes the challenge and returns true if it matches all three and is unexpired at `now`. */
  takeChallenge(id: string, accountId: string, purpose: ChallengeRecord["purpose"], now: number): Promise<boolean>;

  /** Counts one attempt of `kind` for the account, in windows of `windowMs` starting at the first. */
  recordAttempt(accountId: string, kind: AttemptKind, now: number, windowMs: number): Promise<AttemptCount>;
  /** Takes back one attempt counted in the window that began at `windowStart`. */
  releaseAttempt(accountId: string, kind: AttemptKind, windowStart: number): Promise<void>;

  /**
   * The account a linking token (by hash) belongs to, if unexpired at `now`; reads, never
   * consumes. The token itself is the AccountStore's: this only tells whose factors a link needs.
   */
  accountOfLinkToken(tokenHash: Uint8Array, now: number): Promise<string | undefined>;
}
