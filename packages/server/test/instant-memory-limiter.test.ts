// The memory limiter answered at once counts in the same store, by the same rules, as
// rate-limiter-flexible's own promise-based consume.
import { RateLimiterRes } from "rate-limiter-flexible";
import { describe, expect, it } from "vitest";
import { InstantMemoryLimiter } from "../src/security/instant-memory-limiter.js";

describe("instant memory limiter", () => {
  it("works against the installed rate-limiter-flexible store", () => {
    expect(new InstantMemoryLimiter({ points: 1, duration: 60, blockDuration: 0 }).consumeNow("k", 1)).toBeDefined();
  });

  it("shares its counts with consume and refuses past the points of a window", async () => {
    const limiter = new InstantMemoryLimiter({ points: 3, duration: 60, blockDuration: 0 });
    expect(limiter.consumeNow("alice", 1)).toMatchObject({ allowed: true });
    await limiter.consume("alice", 1);
    expect(limiter.consumeNow("alice", 1)).toMatchObject({ allowed: true });
    const refused = limiter.consumeNow("alice", 1)!;
    expect(refused.allowed).toBe(false);
    expect(refused.msBeforeNext).toBeGreaterThan(59_000);
    await expect(limiter.consume("alice", 1)).rejects.toBeInstanceOf(RateLimiterRes);
    expect(limiter.consumeNow("bob", 3)).toMatchObject({ allowed: true });
  });

  it("blocks a key for the block duration once it goes over", async () => {
    const limiter = new InstantMemoryLimiter({ points: 2, duration: 10, blockDuration: 600 });
    limiter.consumeNow("mallory", 2);
    const first = limiter.consumeNow("mallory", 1)!;
    expect(first.allowed).toBe(false);
    expect(first.msBeforeNext).toBeGreaterThan(599_000);
    expect((await limiter.get("mallory"))!.msBeforeNext).toBeGreaterThan(599_000);
  });
});
