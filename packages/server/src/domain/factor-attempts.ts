// The per-account attempt counters in front of every factor check. Each check first counts an
// attempt (atomically, in the store), refuses when the count is past the limit, and gives the
// attempt back when the factor was right: only failures use up the allowance, and concurrent
// guesses cannot get past it, since each sees its own count.
import type { AttemptKind, FactorStore } from "../ports/factor-store.js";
import type { Clock } from "../ports/clock.js";
import { ApiError, ErrorCode } from "./api-error.js";
import type { AuthSettings } from "./settings.js";

/**
 * A failed or refused factor check. The account id is for the audit log; it is not part of the
 * response (ApiError's code, message, details and headers are).
 */
export class FactorCheckError extends ApiError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly accountId: string,
    details?: Record<string, unknown>,
    headers?: Record<string, string>,
  ) {
    super(code, message, details, headers);
  }
}

/** A failure a check reports: its code and message. */
export interface FactorFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

export class FactorAttempts {
  constructor(
    private readonly store: FactorStore,
    private readonly clock: Clock,
    private readonly settings: AuthSettings,
  ) {}

  /**
   * Runs `check` as one counted attempt of `kind`. Throws FACTOR_ATTEMPTS_EXHAUSTED (with
   * Retry-After) past the limit, without running it; throws its failure with the attempts left.
   */
  async run(accountId: string, kind: AttemptKind, check: () => Promise<FactorFailure | undefined>): Promise<void> {
    const max = kind === "pin" ? this.settings.pinMaxAttemptsPerDay : this.settings.secondFactorMaxFailuresPerDay;
    const windowMs = this.settings.attemptWindowMs;
    const now = this.clock.now();
    const counted = await this.store.recordAttempt(accountId, kind, now, windowMs);
    if (counted.count > max) {
      const retryAfterSeconds = Math.max(1, Math.ceil((counted.windowStart + windowMs - now) / 1000));
      throw new FactorCheckError(
        ErrorCode.FactorAttemptsExhausted,
        kind === "pin" ? "too many wrong PINs; try again later" : "too many wrong second factors; try again later",
        accountId,
        { retryAfterSeconds },
        { "retry-after": String(retryAfterSeconds) },
      );
    }
    const failure = await check();
    if (failure === undefined) {
      await this.store.releaseAttempt(accountId, kind, counted.windowStart);
      return;
    }
    throw new FactorCheckError(failure.code, failure.message, accountId, { attemptsLeft: Math.max(0, max - counted.count) });
  }
}
