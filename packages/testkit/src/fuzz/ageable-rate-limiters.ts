// The single-node rate limiters (counters in memory), with a way to let time pass for them without
// waiting: `age` moves every counter's window, and every lockout, that many seconds towards its
// end, through the limiter's own dump and restore. The limiters read the wall clock, not the
// server's clock, so a fake clock would not move them.
import type { RateLimiterFactory } from "@parley/server";
import { memoryRateLimiters } from "../../../server/src/security/rate-limits.js";

/** The part of rate-limiter-flexible's memory limiter that `age` uses. */
interface DumpableLimiter {
  dump(): { readonly storage: readonly { readonly key: string; readonly value: number; readonly expiresAt: number | null }[] };
  restore(data: { version: 1; storage: { key: string; value: number; expiresAt: number | null }[] }): unknown;
  delete(key: string): Promise<boolean>;
}

export class AgeableRateLimiters {
  readonly #limiters: DumpableLimiter[] = [];

  /** Builds the limiters as a single node does, remembering them. */
  readonly factory: RateLimiterFactory = (name, window, blockSeconds) => {
    const limiter = memoryRateLimiters(name, window, blockSeconds);
    this.#limiters.push(limiter as unknown as DumpableLimiter);
    return limiter;
  };

  /** As if `seconds` had passed: counters whose window (or lockout) ends by then are gone. */
  async age(seconds: number): Promise<void> {
    const ms = seconds * 1000;
    for (const limiter of this.#limiters) {
      const { storage } = limiter.dump();
      for (const entry of storage) await limiter.delete(entry.key);
      // Entries whose end is now past are not restored.
      limiter.restore({ version: 1, storage: storage.map((e) => ({ key: e.key, value: e.value, expiresAt: e.expiresAt === null ? null : e.expiresAt - ms })) });
    }
  }
}
