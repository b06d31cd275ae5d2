// The factor check in front of registering a new primary (re-registration of a taken identifier)
// and linking a device: the PIN when one is set and has not lapsed, and one second factor when
// the account has TOTP or a passkey (docs/adr/0013-second-factors.md). It runs before the
// verification session or the linking token is spent, and a failure changes nothing but the
// attempt counters (and spends the passkey challenge it named, which is single-use), so the
// client can retry with the same session or token.
import type { FactorChallenge, Factors, PasskeyRequestOptions, SecondFactorKind } from "@parley/protocol";
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import type { AccountStore } from "../ports/account-store.js";
import type { Clock } from "../ports/clock.js";
import type { AccountFactors, FactorStore } from "../ports/factor-store.js";
import type { Random } from "../ports/random.js";
import type { VerificationStore } from "../ports/verification-store.js";
import { ApiError, ErrorCode } from "./api-error.js";
import { hashToken } from "./credentials.js";
import { FactorAttempts, FactorCheckError, type FactorFailure } from "./factor-attempts.js";
import { randomToken } from "./ids.js";
import type { PasskeyCeremonies } from "./passkeys.js";
import { pinMatches } from "./pin-verifier.js";
import { recoveryCodeHash } from "./recovery-codes.js";
import type { AuthSettings } from "./settings.js";
import { totpStepOf } from "./totp.js";

export interface FactorCheckDeps {
  readonly accounts: AccountStore;
  readonly verification: VerificationStore;
  readonly factors: FactorStore;
  readonly passkeys: PasskeyCeremonies;
  readonly clock: Clock;
  readonly random: Random;
  readonly settings: AuthSettings;
}

/** What an account asks of a new primary or a new device. */
export interface FactorRequirements {
  readonly pinRequired: boolean;
  /** Any one of these; empty when no second factor is needed. */
  readonly secondFactors: readonly SecondFactorKind[];
  readonly factors: AccountFactors;
}

const CHALLENGE_BYTES = 32;

export class FactorCheck {
  private readonly attempts: FactorAttempts;

  constructor(private readonly deps: FactorCheckDeps) {
    this.attempts = new FactorAttempts(deps.factors, deps.clock, deps.settings);
  }

  async requirements(accountId: string): Promise<FactorRequirements> {
    const factors = await this.deps.factors.getFactors(accountId);
    const secondFactors: SecondFactorKind[] = [];
    if (factors.totp) secondFactors.push("totp");
    if (factors.totp && factors.recoveryCodesLeft > 0) secondFactors.push("recoveryCode");
    if (factors.passkeys.length > 0) secondFactors.push("passkey");
    const pinRequired = factors.pin !== undefined && !(await this.lockLapsed(accountId));
    return { pinRequired, secondFactors, factors };
  }

  /**
   * Checks the factors a registration of the session's identifier needs. Does nothing when the
   * session is not verified and unexpired (registration then refuses it as before) or names no
   * account yet (a new account has no factors).
   */
  async forSession(sessionId: string, given: Factors | undefined): Promise<void> {
    const accountId = await this.accountOfSession(sessionId, false);
    if (accountId !== undefined) await this.verify(accountId, given);
  }

  /** Checks the factors linking with this token needs; nothing for an invalid token (linking refuses it). */
  async forLinkToken(token: string, given: Factors | undefined): Promise<void> {
    const accountId = await this.deps.factors.accountOfLinkToken(hashToken(token), this.deps.clock.now());
    if (accountId !== undefined) await this.verify(accountId, given);
  }

  /**
   * What a registration (verified session) or link (valid token) will need, with a passkey
   * challenge when the account has passkeys. Spends neither the session nor the token.
   */
  async challenge(input: { readonly sessionId: string } | { readonly linkToken: string }): Promise<FactorChallenge> {
    const { factors, clock, random, passkeys, settings } = this.deps;
    const now = clock.now();
    let accountId: string | undefined;
    if ("sessionId" in input) {
      accountId = await this.accountOfSession(input.sessionId, true);
    } else {
      accountId = await factors.accountOfLinkToken(hashToken(input.linkToken), now);
      if (accountId === undefined) throw new ApiError(ErrorCode.LinkTokenInvalid, "the linking token is unknown, used or expired");
    }
    // Without an account (or without passkeys) the id names no stored challenge: there is
    // nothing to assert. It is returned all the same, so the response has one shape.
    if (accountId === undefined) return { challengeId: randomToken(random, CHALLENGE_BYTES), pinRequired: false, secondFactors: [] };
    const required = await this.requirements(accountId);
    const base = { pinRequired: required.pinRequired, secondFactors: [...required.secondFactors] };
    if (required.factors.passkeys.length === 0) return { challengeId: randomToken(random, CHALLENGE_BYTES), ...base };
    const options = await passkeys.requestOptions(random.bytes(CHALLENGE_BYTES), required.factors.passkeys);
    await factors.createChallenge({ id: options.challenge, accountId, purpose: "authenticate", expiresAt: now + settings.challengeTtlMs }, now);
    return { challengeId: options.challenge, ...base, passkeyOptions: options as PasskeyRequestOptions };
  }

  /** Refuses with 423 when a needed factor is missing; then checks the PIN, then the second factor. */
  async verify(accountId: string, given: Factors | undefined): Promise<void> {
    const required = await this.requirements(accountId);
    const second = chosenSecondFactor(required.secondFactors, given);
    const pinMissing = required.pinRequired && given?.pin === undefined;
    if (pinMissing || (required.secondFactors.length > 0 && second === undefined)) {
      throw new FactorCheckError(ErrorCode.RegistrationLocked, "the account needs further factors to register or link a device", accountId, {
        pinRequired: required.pinRequired,
        secondFactors: [...required.secondFactors],
      });
    }
    const pin = required.factors.pin;
    const givenPin = given?.pin;
    if (required.pinRequired && pin !== undefined && givenPin !== undefined) {
      await this.attempts.run(accountId, "pin", async () =>
        (await pinMatches(givenPin, pin)) ? undefined : { code: ErrorCode.PinIncorrect, message: "the PIN is incorrect" },
      );
    }
    if (second !== undefined && given !== undefined) {
      await this.attempts.run(accountId, "second_factor", () => this.checkSecondFactor(accountId, second, given, required.factors));
    }
  }

  private async checkSecondFactor(
    accountId: string,
    kind: SecondFactorKind,
    given: Factors,
    factors: AccountFactors,
  ): Promise<FactorFailure | undefined> {
    const store = this.deps.factors;
    const now = this.deps.clock.now();
    if (kind === "totp" && factors.totp && given.totp !== undefined) {
      const step = totpStepOf(factors.totp.secret, given.totp, now, this.deps.settings.totpWindow);
      if (step === undefined) return incorrect;
      if (step <= factors.totp.lastStep || !(await store.advanceTotpStep(accountId, step))) return reused;
      return undefined;
    }
    if (kind === "recoveryCode" && given.recoveryCode !== undefined) {
      return (await store.useRecoveryCode(accountId, recoveryCodeHash(given.recoveryCode, accountId))) ? undefined : incorrect;
    }
    if (kind === "passkey" && given.passkey !== undefined) {
      const { challengeId, response } = given.passkey;
      if (!(await store.takeChallenge(challengeId, accountId, "authenticate", now))) return challengeNotFound;
      const passkey = factors.passkeys.find((candidate) => candidate.id === response.id);
      if (passkey === undefined) return incorrect;
      const counter = await this.deps.passkeys.verifyAssertion(response as AuthenticationResponseJSON, challengeId, passkey);
      if (counter === undefined) return incorrect;
      await store.recordPasskeyUse(accountId, passkey.id, counter, now);
      return undefined;
    }
    return incorrect;
  }

  /** The PIN lock lapses once no device of the account was seen for the configured period. */
  private async lockLapsed(accountId: string): Promise<boolean> {
    const devices = await this.deps.accounts.listDevices(accountId);
    const lastSeen = devices.reduce((latest, device) => Math.max(latest, device.lastSeenAt), 0);
    return this.deps.clock.now() >= lastSeen + this.deps.settings.registrationLockLapseMs;
  }

  /**
   * The account registered under the session's identifier. `strict`: refuses an unknown, expired
   * or unverified session as registration would; otherwise such a session names no account.
   */
  private async accountOfSession(sessionId: string, strict: boolean): Promise<string | undefined> {
    const session = await this.deps.verification.get(sessionId);
    if (!session || session.expiresAt <= this.deps.clock.now()) {
      if (strict) throw new ApiError(ErrorCode.VerificationSessionNotFound, "no such verification session");
      return undefined;
    }
    if (!session.verified) {
      if (strict) throw new ApiError(ErrorCode.VerificationRequired, "submit the verification code first");
      return undefined;
    }
    const account = await this.deps.accounts.findAccountByIdentifier(session.identifierKind, session.identifier);
    return account?.id;
  }
}

const incorrect: FactorFailure = { code: ErrorCode.SecondFactorIncorrect, message: "the second factor is incorrect" };
const reused: FactorFailure = { code: ErrorCode.TotpCodeReused, message: "this TOTP code was already used; wait for the next one" };
const challengeNotFound: FactorFailure = { code: ErrorCode.ChallengeNotFound, message: "the passkey challenge is unknown, used or expired" };

/** The first second factor given that the account has: a TOTP code, a recovery code, a passkey. */
function chosenSecondFactor(available: readonly SecondFactorKind[], given: Factors | undefined): SecondFactorKind | undefined {
  if (given === undefined) return undefined;
  if (available.includes("totp") && given.totp !== undefined) return "totp";
  if (available.includes("recoveryCode") && given.recoveryCode !== undefined) return "recoveryCode";
  if (available.includes("passkey") && given.passkey !== undefined) return "passkey";
  return undefined;
}
