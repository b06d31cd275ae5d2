// Managing an account's second factors: any device may list them, only the primary may set or
// remove them (a linked device must not be able to weaken the lock on the account). Factors
// belong to the account and survive re-registration; the new primary manages them from then on.
import type {
  AddPasskey,
  AuthFactors,
  ConfirmTotp,
  Passkey,
  PasskeyCreationOptions,
  RecoveryCodes,
  SetPin,
  TotpEnrolment,
} from "@parley/protocol";
import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import type { AccountStore } from "../ports/account-store.js";
import type { Clock } from "../ports/clock.js";
import type { FactorStore } from "../ports/factor-store.js";
import type { Random } from "../ports/random.js";
import { ApiError, ErrorCode } from "./api-error.js";
import type { DeviceAuth } from "./authenticator.js";
import { MAX_PASSKEYS, type PasskeyCeremonies } from "./passkeys.js";
import { makePinVerifier } from "./pin-verifier.js";
import { generateRecoveryCodes, recoveryCodeHash } from "./recovery-codes.js";
import type { AuthSettings } from "./settings.js";
import { newTotpSecret, totpProvisioning, totpStepOf } from "./totp.js";

export interface FactorServiceDeps {
  readonly accounts: AccountStore;
  readonly factors: FactorStore;
  readonly passkeys: PasskeyCeremonies;
  readonly clock: Clock;
  readonly random: Random;
  readonly settings: AuthSettings;
}

const CHALLENGE_BYTES = 32;

export class FactorService {
  constructor(private readonly deps: FactorServiceDeps) {}

  async list(auth: DeviceAuth): Promise<AuthFactors> {
    const factors = await this.deps.factors.getFactors(auth.accountId);
    return {
      pin: factors.pin ? { enabled: true, updatedAt: factors.pin.updatedAt } : { enabled: false },
      totp: {
        enabled: factors.totp !== undefined,
        ...(factors.totp ? { confirmedAt: factors.totp.confirmedAt } : {}),
        recoveryCodesLeft: factors.recoveryCodesLeft,
      },
      passkeys: factors.passkeys.map((p) => ({
        id: p.id,
        name: p.name,
        createdAt: p.createdAt,
        ...(p.lastUsedAt === undefined ? {} : { lastUsedAt: p.lastUsedAt }),
      })),
    };
  }

  async setPin(auth: DeviceAuth, input: SetPin): Promise<void> {
    requirePrimary(auth);
    const { random, clock, settings } = this.deps;
    await this.deps.factors.setPin(auth.accountId, await makePinVerifier(input.pin, random, settings.pinHashCost, clock.now()));
  }

  async removePin(auth: DeviceAuth): Promise<void> {
    requirePrimary(auth);
    await this.deps.factors.removePin(auth.accountId);
  }

  /** Starts (or restarts) an enrolment; a confirmed TOTP stays in force until this one is confirmed. */
  async startTotp(auth: DeviceAuth): Promise<TotpEnrolment> {
    requirePrimary(auth);
    const { random, clock, settings, factors } = this.deps;
    const now = clock.now();
    const secret = newTotpSecret(random);
    const expiresAt = now + settings.challengeTtlMs;
    await factors.setPendingTotp(auth.accountId, { secret, createdAt: now, expiresAt });
    return { ...totpProvisioning(secret, settings.totpIssuer, await this.label(auth.accountId)), expiresAt };
  }

  /**
   * Confirms the pending enrolment with a code from the app: the secret becomes the account's TOTP
   * and ten new recovery codes replace any old ones. A wrong code here is not counted: the
   * primary device is already signed in, and nothing is guessed by it.
   */
  async confirmTotp(auth: DeviceAuth, input: ConfirmTotp): Promise<RecoveryCodes> {
    requirePrimary(auth);
    const { random, clock, settings, factors } = this.deps;
    const now = clock.now();
    const pending = await factors.getPendingTotp(auth.accountId);
    if (!pending || pending.expiresAt <= now) throw notPending();
    const step = totpStepOf(pending.secret, input.code, now, settings.totpWindow);
    if (step === undefined) throw new ApiError(ErrorCode.SecondFactorIncorrect, "the TOTP code is incorrect");
    const codes = generateRecoveryCodes(random);
    const hashes = codes.map((code) => recoveryCodeHash(code, auth.accountId));
    // The confirming code's step counts as used: it cannot be replayed to register.
    const totp = { secret: pending.secret, confirmedAt: now, lastStep: step };
    if (!(await factors.confirmTotp(auth.accountId, pending.secret, totp, hashes))) throw notPending();
    return { recoveryCodes: codes };
  }

  async removeTotp(auth: DeviceAuth): Promise<void> {
    requirePrimary(auth);
    await this.deps.factors.removeTotp(auth.accountId);
  }

  async passkeyOptions(auth: DeviceAuth): Promise<PasskeyCreationOptions> {
    requirePrimary(auth);
    const { random, clock, settings, factors, passkeys } = this.deps;
    const now = clock.now();
    const existing = (await factors.getFactors(auth.accountId)).passkeys;
    if (existing.length >= MAX_PASSKEYS) throw limitReached();
    const options = await passkeys.creationOptions({
      challenge: random.bytes(CHALLENGE_BYTES),
      accountId: auth.accountId,
      userName: await this.label(auth.accountId),
      existing,
    });
    await factors.createChallenge({ id: options.challenge, accountId: auth.accountId, purpose: "register", expiresAt: now + settings.challengeTtlMs }, now);
    return options as PasskeyCreationOptions;
  }

  async addPasskey(auth: DeviceAuth, input: AddPasskey): Promise<Passkey> {
    requirePrimary(auth);
    const { clock, factors, passkeys } = this.deps;
    const now = clock.now();
    const challenge = passkeys.claimedChallenge(input.response);
    if (challenge === undefined) throw registrationFailed();
    if (!(await factors.takeChallenge(challenge, auth.accountId, "register", now))) {
      throw new ApiError(ErrorCode.ChallengeNotFound, "the passkey challenge is unknown, used or expired");
    }
    const credential = await passkeys.verifyRegistration(input.response as RegistrationResponseJSON, challenge);
    if (credential === undefined) throw registrationFailed();
    const passkey = { ...credential, name: input.name, createdAt: now };
    switch (await factors.addPasskey(auth.accountId, passkey, MAX_PASSKEYS)) {
      case "added":
        return { id: passkey.id, name: passkey.name, createdAt: now };
      case "duplicate":
        throw new ApiError(ErrorCode.PasskeyRegistrationFailed, "this passkey is already registered");
      case "limit":
        throw limitReached();
    }
  }

  async removePasskey(auth: DeviceAuth, passkeyId: string): Promise<void> {
    requirePrimary(auth);
    if (!(await this.deps.factors.removePasskey(auth.accountId, passkeyId))) {
      throw new ApiError(ErrorCode.PasskeyNotFound, "no such passkey");
    }
  }

  /** The name authenticator apps and passkey managers show: the account's identifier. */
  private async label(accountId: string): Promise<string> {
    const account = await this.deps.accounts.findAccount(accountId);
    if (!account) throw new ApiError(ErrorCode.Unauthorized, "missing or invalid device credentials");
    return account.identifier;
  }
}

function requirePrimary(auth: DeviceAuth): void {
  if (!auth.primary) throw new ApiError(ErrorCode.Forbidden, "only the primary device can change the account's factors");
}

function notPending(): ApiError {
  return new ApiError(ErrorCode.TotpNotPending, "no TOTP enrolment is pending; start one first");
}

function registrationFailed(): ApiError {
  return new ApiError(ErrorCode.PasskeyRegistrationFailed, "the passkey registration response does not verify");
}

function limitReached(): ApiError {
  return new ApiError(ErrorCode.PasskeyLimitReached, `an account has at most ${MAX_PASSKEYS} passkeys`, { maxPasskeys: MAX_PASSKEYS });
}
