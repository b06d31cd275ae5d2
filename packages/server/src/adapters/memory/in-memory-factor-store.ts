import type {
  AccountFactors,
  AddPasskeyResult,
  AttemptCount,
  AttemptKind,
  ChallengeRecord,
  FactorStore,
  PasskeyRecord,
  PendingTotpRecord,
  PinRecord,
  TotpRecord,
} from "../../ports/index.js";
import { bytesEqual, copyBytes, hex, type MemoryState } from "./memory-state.js";

interface Attempts {
  count: number;
  windowStart: number;
}

/**
 * FactorStore in memory. Each call is one synchronous step after its first await-free line, which
 * makes it atomic. Factors are kept by account id apart from the account maps; the shared state
 * is read only for linking tokens. There is no account deletion in memory, so nothing cascades.
 */
export class InMemoryFactorStore implements FactorStore {
  readonly #state: MemoryState;
  readonly #pins = new Map<string, PinRecord>();
  readonly #totp = new Map<string, TotpRecord>();
  readonly #pending = new Map<string, PendingTotpRecord>();
  /** By account id: hex hashes of unused recovery codes. */
  readonly #recoveryCodes = new Map<string, Set<string>>();
  /** By credential id. */
  readonly #passkeys = new Map<string, { accountId: string; passkey: PasskeyRecord }>();
  readonly #challenges = new Map<string, ChallengeRecord>();
  /** By `${accountId}|${kind}`. */
  readonly #attempts = new Map<string, Attempts>();

  constructor(state: MemoryState) {
    this.#state = state;
  }

  async getFactors(accountId: string): Promise<AccountFactors> {
    const pin = this.#pins.get(accountId);
    const totp = this.#totp.get(accountId);
    return {
      ...(pin === undefined ? {} : { pin: copyPin(pin) }),
      ...(totp === undefined ? {} : { totp: { ...totp, secret: copyBytes(totp.secret) } }),
      recoveryCodesLeft: this.#recoveryCodes.get(accountId)?.size ?? 0,
      passkeys: [...this.#passkeys.values()].filter((entry) => entry.accountId === accountId).map((entry) => copyPasskey(entry.passkey)),
    };
  }

  async setPin(accountId: string, pin: PinRecord): Promise<void> {
    this.#requireAccount(accountId);
    this.#pins.set(accountId, copyPin(pin));
  }

  async removePin(accountId: string): Promise<void> {
    this.#pins.delete(accountId);
  }

  async setPendingTotp(accountId: string, pending: PendingTotpRecord): Promise<void> {
    this.#requireAccount(accountId);
    this.#pending.set(accountId, { ...pending, secret: copyBytes(pending.secret) });
  }

  async getPendingTotp(accountId: string): Promise<PendingTotpRecord | undefined> {
    const pending = this.#pending.get(accountId);
    return pending === undefined ? undefined : { ...pending, secret: copyBytes(pending.secret) };
  }

  async confirmTotp(accountId: string, pendingSecret: Uint8Array, totp: TotpRecord, recoveryCodeHashes: readonly Uint8Array[]): Promise<boolean> {
    const pending = this.#pending.get(accountId);
    if (pending === undefined || !bytesEqual(pending.secret, pendingSecret)) return false;
    this.#pending.delete(accountId);
    this.#totp.set(accountId, { ...totp, secret: copyBytes(totp.secret) });
    this.#recoveryCodes.set(accountId, new Set(recoveryCodeHashes.map(hex)));
    return true;
  }

  async removeTotp(accountId: string): Promise<void> {
    this.#totp.delete(accountId);
    this.#pending.delete(accountId);
    this.#recoveryCodes.delete(accountId);
  }

  async advanceTotpStep(accountId: string, step: number): Promise<boolean> {
    const totp = this.#totp.get(accountId);
    if (totp === undefined || step <= totp.lastStep) return false;
    this.#totp.set(accountId, { ...totp, lastStep: step });
    return true;
  }

  async useRecoveryCode(accountId: string, codeHash: Uint8Array): Promise<boolean> {
    return this.#recoveryCodes.get(accountId)?.delete(hex(codeHash)) ?? false;
  }

  async addPasskey(accountId: string, passkey: PasskeyRecord, max: number): Promise<AddPasskeyResult> {
    this.#requireAccount(accountId);
    if (this.#passkeys.has(passkey.id)) return "duplicate";
    let count = 0;
    for (const entry of this.#passkeys.values()) if (entry.accountId === accountId) count += 1;
    if (count >= max) return "limit";
    this.#passkeys.set(passkey.id, { accountId, passkey: copyPasskey(passkey) });
    return "added";
  }

  async removePasskey(accountId: string, id: string): Promise<boolean> {
    const entry = this.#passkeys.get(id);
    if (entry === undefined || entry.accountId !== accountId) return false;
    return this.#passkeys.delete(id);
  }

  async recordPasskeyUse(accountId: string, id: string, counter: number, at: number): Promise<void> {
    const entry = this.#passkeys.get(id);
    if (entry === undefined || entry.accountId !== accountId) return;
    entry.passkey = { ...entry.passkey, counter, lastUsedAt: at };
  }

  async createChallenge(challenge: ChallengeRecord, now: number): Promise<void> {
    this.#requireAccount(challenge.accountId);
    for (const [id, existing] of this.#challenges) if (existing.expiresAt <= now) this.#challenges.delete(id);
    if (this.#challenges.has(challenge.id)) throw new Error("duplicate challenge id");
    this.#challenges.set(challenge.id, { ...challenge });
  }

  async takeChallenge(id: string, accountId: string, purpose: ChallengeRecord["purpose"], now: number): Promise<boolean> {
    const challenge = this.#challenges.get(id);
    if (challenge === undefined || challenge.accountId !== accountId || challenge.purpose !== purpose || challenge.expiresAt <= now) {
      return false;
    }
    return this.#challenges.delete(id);
  }

  async recordAttempt(accountId: string, kind: AttemptKind, now: number, windowMs: number): Promise<AttemptCount> {
    this.#requireAccount(accountId);
    const key = `${accountId}|${kind}`;
    const current = this.#attempts.get(key);
    const next: Attempts =
      current === undefined || current.windowStart + windowMs <= now
        ? { count: 1, windowStart: now }
        : { count: current.count + 1, windowStart: current.windowStart };
    this.#attempts.set(key, next);
    return { ...next };
  }

  async releaseAttempt(accountId: string, kind: AttemptKind, windowStart: number): Promise<void> {
    const current = this.#attempts.get(`${accountId}|${kind}`);
    if (current !== undefined && current.windowStart === windowStart && current.count > 0) current.count -= 1;
  }

  async accountOfLinkToken(tokenHash: Uint8Array, now: number): Promise<string | undefined> {
    const token = this.#state.linkTokens.get(hex(tokenHash));
    return token === undefined || token.expiresAt <= now ? undefined : token.accountId;
  }

  /** As the SQL foreign keys do: factors of an unknown account are refused. */
  #requireAccount(accountId: string): void {
    if (!this.#state.accounts.has(accountId)) throw new Error(`unknown account ${accountId}`);
  }
}

function copyPin(pin: PinRecord): PinRecord {
  return { ...pin, verifier: copyBytes(pin.verifier), salt: copyBytes(pin.salt) };
}

function copyPasskey(passkey: PasskeyRecord): PasskeyRecord {
  return { ...passkey, publicKey: copyBytes(passkey.publicKey), transports: [...passkey.transports] };
}
