// Named rate limits: each counts points per key in fixed windows (rate-limiter-flexible), in memory
// on a single node or in a store every node shares (PostgreSQL in cluster mode), so a client cannot
// multiply its budget by spreading requests over nodes. A refused request fails with 429
// RATE_LIMITED, a Retry-After header and the limit's name, and is written to the audit log.
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { ApiError, ErrorCode } from "../domain/api-error.js";
import type { AuditLog } from "./audit-log.js";
import type { ClientAddress } from "./client-address.js";
import { InstantMemoryLimiter } from "./instant-memory-limiter.js";

export const rateLimitNames = [
  "httpRequestsPerIp",
  "verificationSessionsPerIp",
  "verificationSessionsPerIdentifier",
  "codeAttemptsPerIp",
  "registrationsPerIp",
  "authFailuresPerIp",
  "preKeyFetchesPerAccount",
  "preKeyFetchesPerPair",
  "sendsPerPair",
  "bytesPerSender",
  "linkTokensPerAccount",
  "linkAttemptsPerIp",
  "factorChallengesPerIp",
  "lookupsPerAccount",
  "lookupsPerIp",
  "oidcSignInsPerDevice",
] as const;

export type RateLimitName = (typeof rateLimitNames)[number];

/** `points` per key in each window of `seconds`; 0 points turns the limit off. */
export interface RateLimitWindow {
  readonly points: number;
  readonly seconds: number;
}

export interface RateLimitSettings {
  readonly limits: Readonly<Record<RateLimitName, RateLimitWindow>>;
  /** How long an address that used up `authFailuresPerIp` is refused (s). */
  readonly authLockoutSeconds: number;
}

/** Builds one limiter; `blockSeconds` > 0 keeps a key refused that long once it went over. */
export type RateLimiterFactory = (name: RateLimitName, window: RateLimitWindow, blockSeconds: number) => RateLimiterAbstract;

/**
 * Counters in this process's memory (rate-limiter-flexible's memory limiter on a store without
 * per-key timers, SweptMemoryStorage), checked without a promise. Each limiter has a store of its own, so keys need no prefix.
 */
export const memoryRateLimiters: RateLimiterFactory = (_name, window, blockSeconds) =>
  new InstantMemoryLimiter({ points: window.points, duration: window.seconds, blockDuration: blockSeconds });

export interface RateLimitsOptions {
  readonly settings: RateLimitSettings;
  readonly factory: RateLimiterFactory;
  readonly audit: AuditLog;
  /** A store that failed: the request is let through (failing open), and this is told. */
  readonly onStoreError: (error: unknown, limit: RateLimitName) => void;
}

export class RateLimits {
  readonly #limiters = new Map<RateLimitName, RateLimiterAbstract>();

  constructor(private readonly options: RateLimitsOptions) {
    for (const name of rateLimitNames) {
      const window = options.settings.limits[name];
      if (window.points <= 0) continue;
      this.#limiters.set(name, options.factory(name, window, name === "authFailuresPerIp" ? options.settings.authLockoutSeconds : 0));
    }
  }

  /** Whether `name` is in force (configured with more than 0 points). */
  has(name: RateLimitName): boolean {
    return this.#limiters.has(name);
  }

  /**
   * Counts `points` against `key`; fails with 429 RATE_LIMITED (audited) when that goes over the
   * limit. With a store in memory it answers at once (returns, or throws), otherwise with a
   * promise. `account` only names the account in the audit line.
   */
  consume(name: RateLimitName, key: string, client: ClientAddress, points = 1, account?: string): void | Promise<void> {
    const limiter = this.#limiters.get(name);
    if (limiter === undefined || points <= 0) return;
    const outcome = limiter instanceof InstantMemoryLimiter ? limiter.consumeNow(key, points) : undefined;
    if (outcome === undefined) return this.#consume(limiter, name, key, client, points, account);
    if (!outcome.allowed) throw this.#refused(name, client, account, outcome.msBeforeNext);
  }

  async #consume(limiter: RateLimiterAbstract, name: RateLimitName, key: string, client: ClientAddress, points: number, account?: string): Promise<void> {
    try {
      await limiter.consume(key, points);
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) return this.options.onStoreError(outcome, name);
      throw this.#refused(name, client, account, outcome.msBeforeNext);
    }
  }

  #refused(name: RateLimitName, client: ClientAddress, account: string | undefined, msBeforeNext: number): ApiError {
    const retryAfterSeconds = retryAfterOf(msBeforeNext);
    this.options.audit.record({ event: "rate_limited", ip: client.ip, limit: name, ...(account ? { account } : {}), retryAfterSeconds });
    return rateLimited(name, retryAfterSeconds);
  }

  /**
   * Counts one point without refusing anything (for failures, counted after the fact); resolves
   * with the seconds the key is now refused for, 0 while it is under the limit.
   */
  async penalize(name: RateLimitName, key: string): Promise<number> {
    const limiter = this.#limiters.get(name);
    if (limiter === undefined) return 0;
    try {
      await limiter.consume(key, 1);
      return 0;
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) return retryAfterOf(outcome.msBeforeNext);
      this.options.onStoreError(outcome, name);
      return 0;
    }
  }

  /** Throws 429 RATE_LIMITED while `key` is over the limit, without counting anything. */
  async check(name: RateLimitName, key: string, client: ClientAddress): Promise<void> {
    const limiter = this.#limiters.get(name);
    if (limiter === undefined) return;
    let state: RateLimiterRes | null;
    try {
      state = await limiter.get(key);
    } catch (error) {
      return this.options.onStoreError(error, name);
    }
    if (state === null || state.consumedPoints <= limiter.points) return;
    throw this.#refused(name, client, undefined, state.msBeforeNext);
  }
}

function retryAfterOf(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

function rateLimited(limit: RateLimitName, retryAfterSeconds: number): ApiError {
  return new ApiError(ErrorCode.RateLimited, "too many requests; retry later", { limit, retryAfterSeconds }, { "retry-after": String(retryAfterSeconds) });
}
