// rate-limiter-flexible's memory limiter, also answerable at once. Its `consume` returns a promise
// even though its store is a Map in this process; on the send path, where two limits are checked
// per message, those promises (and their microtasks and garbage) cost about as much as the rest
// of the check. `consumeNow` runs the same steps on the same store, synchronously.
import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";

/** The part of the library's MemoryStorage that `consume` uses (lib/component/MemoryStorage). */
interface MemoryStorage {
  incrby(key: string, value: number, durationSec: number): RateLimiterRes;
  set(key: string, value: number, durationSec: number): RateLimiterRes;
}

export interface InstantOutcome {
  /** False when the key went over the limit with this consumption. */
  readonly allowed: boolean;
  /** Until the window (or the block) ends, in ms. */
  readonly msBeforeNext: number;
}

export class InstantMemoryLimiter extends RateLimiterMemory {
  readonly #storage: MemoryStorage | undefined;

  constructor(options: { points: number; duration: number; blockDuration: number }) {
    super({ ...options, keyPrefix: "" });
    const storage = (this as unknown as { _memoryStorage?: Partial<MemoryStorage> })._memoryStorage;
    this.#storage = typeof storage?.incrby === "function" && typeof storage.set === "function" ? (storage as MemoryStorage) : undefined;
  }

  /**
   * What `consume(key, points)` would settle with, at once: the key's points in the current window
   * grow by `points`; over the limit for the first time, a key with a block duration is blocked.
   * Undefined when the library's store is not the one this was written against (then use
   * `consume`).
   */
  consumeNow(key: string, points: number): InstantOutcome | undefined {
    const storage = this.#storage;
    if (storage === undefined) return undefined;
    let res = storage.incrby(key, points, this.duration);
    if (res.consumedPoints <= this.points) return { allowed: true, msBeforeNext: res.msBeforeNext };
    if (this.blockDuration > 0 && res.consumedPoints <= this.points + points) res = storage.set(key, res.consumedPoints, this.blockDuration);
    return { allowed: false, msBeforeNext: res.msBeforeNext };
  }
}
