// The counter store under the in-memory rate limiters. rate-limiter-flexible's own memory store
// arms a timer per key to delete it when its window ends; the per-pair send limit creates a key
// for nearly every new sender→recipient pair, so under load that is thousands of timers a second,
// each living a full window, which the garbage collector keeps copying and promoting (measured:
// the relay's p99 at 5,000 msgs/s fell from 45–104 ms to 17–42 ms with the limits off). This store
// keeps the same records and answers the same calls, but treats expired records as absent on
// access and removes them with a sweep over a bounded slice of the keys, run at most once a second
// when a new window starts (no timer: a store nobody uses holds at most what it had).
import { RateLimiterRes } from "rate-limiter-flexible";

interface CounterRecord {
  value: number;
  /** ms since the epoch; undefined: never expires. */
  expiresAt: number | undefined;
}

/** How often a slice of the keys is swept, at most (ms). */
const sweepIntervalMs = 1000;
/** Keys looked at per sweep, at least; more when the store is large, so a full pass takes about ten sweeps. */
const minSweepSlice = 1000;

export class SweptMemoryStorage {
  readonly #records = new Map<string, CounterRecord>();
  readonly #now: () => number;
  #cursor: Iterator<[string, CounterRecord]> | undefined;
  #sweptAt: number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#sweptAt = now();
  }

  /** Records held now, expired ones not yet swept included. */
  get size(): number {
    return this.#records.size;
  }

  /**
   * Adds `value` to the key's count in its current window, or starts a window of `durationSec`
   * (0: without end) at `value`; returns the live record (not to be kept).
   */
  add(key: string, value: number, durationSec: number): Readonly<CounterRecord> {
    const record = this.#live(key);
    if (record !== undefined) {
      record.value += value;
      return record;
    }
    return this.start(key, value, durationSec);
  }

  /** Starts a new window (or block) for the key at `value`, replacing what it had. */
  start(key: string, value: number, durationSec: number): Readonly<CounterRecord> {
    const now = this.#now();
    if (now - this.#sweptAt >= sweepIntervalMs) this.sweep(now);
    const durationMs = durationSec * 1000;
    const record: CounterRecord = { value, expiresAt: durationMs > 0 ? now + durationMs : undefined };
    this.#records.set(key, record);
    return record;
  }

  /** Milliseconds left in the record's window; -1 for a record without end. */
  msLeft(record: Readonly<CounterRecord>): number {
    return record.expiresAt === undefined ? -1 : record.expiresAt - this.#now();
  }

  // The interface rate-limiter-flexible's RateLimiterMemory calls (lib/component/MemoryStorage):
  // incrby, set, get and delete, and for its dump and restore, _storage and _restoreRecord.

  incrby(key: string, value: number, durationSec: number): RateLimiterRes {
    const record = this.#live(key);
    if (record === undefined) return this.set(key, value, durationSec);
    record.value += value;
    return new RateLimiterRes(0, this.msLeft(record), record.value, false);
  }

  set(key: string, value: number, durationSec: number): RateLimiterRes {
    const record = this.start(key, value, durationSec);
    return new RateLimiterRes(0, durationSec > 0 ? durationSec * 1000 : -1, record.value, true);
  }

  get(key: string): RateLimiterRes | null {
    const record = this.#live(key);
    return record === undefined ? null : new RateLimiterRes(0, this.msLeft(record), record.value, false);
  }

  delete(key: string): boolean {
    return this.#records.delete(key);
  }

  /** For the library's `dump`: the live records, as its own store lists them. */
  get _storage(): Iterable<[string, { value: number; expiresAt: number | null }]> {
    const now = this.#now();
    const live: [string, { value: number; expiresAt: number | null }][] = [];
    for (const [key, record] of this.#records) {
      if (record.expiresAt === undefined || record.expiresAt > now) live.push([key, { value: record.value, expiresAt: record.expiresAt ?? null }]);
    }
    return live;
  }

  /** For the library's `restore`: a record with the given end (null: none); one already past is skipped. */
  _restoreRecord(key: string, value: number, expiresAt: number | null): void {
    if (expiresAt !== null && (!Number.isFinite(expiresAt) || expiresAt <= this.#now())) return;
    this.#records.set(key, { value, expiresAt: expiresAt ?? undefined });
  }

  /** Removes expired records among the next slice of keys (public for tests). */
  sweep(now = this.#now()): void {
    this.#sweptAt = now;
    let budget = Math.max(minSweepSlice, Math.ceil(this.#records.size / 10));
    this.#cursor ??= this.#records.entries();
    while (budget-- > 0) {
      const next = this.#cursor.next();
      if (next.done === true) {
        this.#cursor = undefined;
        return;
      }
      const [key, record] = next.value;
      if (record.expiresAt !== undefined && record.expiresAt <= now) this.#records.delete(key);
    }
  }

  #live(key: string): CounterRecord | undefined {
    const record = this.#records.get(key);
    if (record === undefined) return undefined;
    if (record.expiresAt !== undefined && record.expiresAt <= this.#now()) return undefined;
    return record;
  }
}
