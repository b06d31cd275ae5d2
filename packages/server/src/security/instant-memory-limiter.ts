// rate-limiter-flexible's memory limiter, on a counter store without a timer per key
// (SweptMemoryStorage), and also answerable at once. Its `consume` returns a promise even though
// its store is a Map in this process; on the send path, where two limits are checked per message,
// those promises (and their microtasks and garbage) cost about as much as the rest of the check.
// `consumeNow` runs the same steps on the same store, synchronously, and allocates nothing when
// the key is under its limit (the common case).
import { RateLimiterMemory } from "rate-limiter-flexible";
import { SweptMemoryStorage } from "./swept-memory-storage.js";

export interface InstantOutcome {
  /** False when the key went over the limit with this consumption. */
  readonly allowed: boolean;
  /** When refused: until the window (or the block) ends, in ms; 0 when allowed. */
  readonly msBeforeNext: number;
}

const allowed: InstantOutcome = { allowed: true, msBeforeNext: 0 };

export class InstantMemoryLimiter extends RateLimiterMemory {
  readonly #storage: SweptMemoryStorage;

  constructor(options: { points: number; duration: number; blockDuration: number }, now?: () => number) {
    super({ ...options, keyPrefix: "" });
    this.#storage = new SweptMemoryStorage(now);
    // The library reaches its counters only through this property (incrby, set, get and delete;
    // _storage and _restoreRecord for dump and restore), which SweptMemoryStorage answers as the
    // library's own store does.
    (this as unknown as { _memoryStorage: unknown })._memoryStorage = this.#storage;
  }

  /**
   * What `consume(key, points)` would settle with, at once: the key's points in the current window
   * grow by `points`; over the limit for the first time, a key with a block duration is blocked.
   */
  consumeNow(key: string, points: number): InstantOutcome {
    const storage = this.#storage;
    const record = storage.add(key, points, this.duration);
    if (record.value <= this.points) return allowed;
    let msBeforeNext = storage.msLeft(record);
    if (this.blockDuration > 0 && record.value <= this.points + points) msBeforeNext = storage.msLeft(storage.start(key, record.value, this.blockDuration));
    return { allowed: false, msBeforeNext };
  }

  /** Keys counted now (expired ones not yet swept included). */
  get keys(): number {
    return this.#storage.size;
  }
}
