// Registration: prove control of an identifier with a verification code, then create the account
// (or re-register it) with its primary device and that device's credentials.
import type { CreateVerificationSession, Credentials, Register, SubmitVerificationCode, VerificationSession } from "@parley/protocol";
import type { AccountStore } from "../ports/account-store.js";
import type { Bus } from "../ports/bus.js";
import type { Clock } from "../ports/clock.js";
import type { Random } from "../ports/random.js";
import type { VerificationSender } from "../ports/verification-sender.js";
import type { VerificationSessionRecord, VerificationStore } from "../ports/verification-store.js";
import { ApiError, ErrorCode } from "./api-error.js";
import { constantTimeEqual, hashToken } from "./credentials.js";
import type { FactorCheck } from "./factor-check.js";
import { canonicalIdentifier } from "./identifiers.js";
import { randomDigits, randomToken, randomUuid } from "./ids.js";
import { prepareNewDevice } from "./new-device.js";
import type { DomainSettings } from "./settings.js";

export interface RegistrationDeps {
  readonly accounts: AccountStore;
  readonly verification: VerificationStore;
  readonly sender: VerificationSender;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly random: Random;
  readonly settings: DomainSettings;
  /** The PIN and second factors a re-registration needs; none checked when absent. */
  readonly factorCheck?: FactorCheck;
}

export class RegistrationService {
  constructor(private readonly deps: RegistrationDeps) {}

  /** Starts a verification session and sends its code to the identifier. */
  async createSession(input: CreateVerificationSession): Promise<VerificationSession> {
    const { clock, random, settings, verification, sender } = this.deps;
    const identifier = canonicalIdentifier(input.identifier);
    const now = clock.now();
    const id = randomToken(random, 18);
    const code = randomDigits(random, settings.verification.codeLength);
    const record: VerificationSessionRecord = {
      id,
      identifierKind: identifier.kind,
      identifier: identifier.value,
      codeHash: hashToken(code, id),
      createdAt: now,
      expiresAt: now + settings.verification.codeTtlMs,
      attempts: 0,
      verified: false,
    };
    await verification.create(record);
    try {
      await sender.send({ kind: identifier.kind, identifier: identifier.value, code, expiresAt: record.expiresAt });
    } catch {
      throw new ApiError(ErrorCode.VerificationDeliveryFailed, "the verification code could not be sent; try again");
    }
    return this.view(record);
  }

  /** Checks a code. Every submission counts, right or wrong, so guessing is bounded. */
  async submitCode(sessionId: string, input: SubmitVerificationCode): Promise<VerificationSession> {
    const { clock, settings, verification } = this.deps;
    const session = await verification.get(sessionId);
    if (!session || session.expiresAt <= clock.now()) {
      if (session) throw new ApiError(ErrorCode.VerificationCodeExpired, "the verification code has expired");
      throw new ApiError(ErrorCode.VerificationSessionNotFound, "no such verification session");
    }
    if (session.verified) return this.view(session);
    const counted = await verification.recordAttempt(sessionId);
    if (!counted) throw new ApiError(ErrorCode.VerificationSessionNotFound, "no such verification session");
    if (counted.attempts > settings.verification.maxAttempts) {
      throw new ApiError(ErrorCode.VerificationAttemptsExhausted, "too many wrong codes; start a new verification session");
    }
    if (!constantTimeEqual(hashToken(input.code, sessionId), counted.codeHash)) {
      throw new ApiError(ErrorCode.VerificationCodeIncorrect, "the verification code is incorrect", {
        attemptsLeft: Math.max(0, settings.verification.maxAttempts - counted.attempts),
      });
    }
    await verification.markVerified(sessionId);
    return this.view({ ...counted, verified: true });
  }

  async getSession(sessionId: string): Promise<VerificationSession> {
    const session = await this.deps.verification.get(sessionId);
    if (!session || session.expiresAt <= this.deps.clock.now()) {
      throw new ApiError(ErrorCode.VerificationSessionNotFound, "no such verification session");
    }
    return this.view(session);
  }

  /**
   * Creates the account, or re-registers it when the identifier is taken: the account keeps its
   * id, every old device is removed (their connections close) and the new primary is device 1.
   * Keys are vetted, and the account's factors checked, before the verification session is
   * spent: a refusal leaves the session usable for another try.
   */
  async register(input: Register): Promise<Credentials> {
    const { accounts, verification, bus, clock, random } = this.deps;
    const now = clock.now();
    const prepared = await prepareNewDevice(input, random, now);
    await this.deps.factorCheck?.forSession(input.sessionId, input.factors);
    const session = await verification.consume(input.sessionId, now);
    if (!session) {
      const pending = await verification.get(input.sessionId);
      if (pending && pending.expiresAt > now) throw new ApiError(ErrorCode.VerificationRequired, "submit the verification code first");
      throw new ApiError(ErrorCode.VerificationSessionNotFound, "no such verification session");
    }
    const result = await accounts.register({
      newAccountId: randomUuid(random),
      identifierKind: session.identifierKind,
      identifier: session.identifier,
      identityKey: prepared.identityKey,
      primary: prepared.device,
    });
    for (const deviceId of result.removedDevices) bus.publish({ accountId: result.account.id, deviceId }, { type: "removed" });
    return { accountId: result.account.id, deviceId: 1, password: prepared.password };
  }

  private view(session: VerificationSessionRecord): VerificationSession {
    return {
      sessionId: session.id,
      expiresAt: session.expiresAt,
      verified: session.verified,
      attemptsLeft: Math.max(0, this.deps.settings.verification.maxAttempts - session.attempts),
    };
  }
}
