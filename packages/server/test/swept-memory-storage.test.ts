// The rate-limit counter store without per-key timers: windows, expiry on access, the sweep, and
// the calls rate-limiter-flexible makes on it.
import { describe, expect, it } from "vitest";
import { InstantMemoryLimiter } from "../src/security/instant-memory-limiter.js";
import { SweptMemoryStorage } from "../src/security/swept-memory-storage.js";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("SweptMemoryStorage", () => {
  it("counts within a window and starts a new one once it has ended", () => {
    const time = clock();
    const store = new SweptMemoryStorage(time.now);
    expect(store.add("k", 2, 10).value).toBe(2);
    time.advance(9_999);
    expect(store.add("k", 3, 10).value).toBe(5);
    expect(store.msLeft(store.add("k", 0, 10))).toBe(1);
    time.advance(1);
    expect(store.get("k")).toBeNull();
    expect(store.add("k", 1, 10).value).toBe(1);
    expect(store.get("k")).toMatchObject({ consumedPoints: 1, msBeforeNext: 10_000 });
  });

  it("answers the library's incrby, set, get and delete as its own store does", () => {
    const time = clock();
    const store = new SweptMemoryStorage(time.now);
    expect(store.incrby("k", 1, 60)).toMatchObject({ consumedPoints: 1, msBeforeNext: 60_000, isFirstInDuration: true });
    time.advance(1_000);
    expect(store.incrby("k", 1, 60)).toMatchObject({ consumedPoints: 2, msBeforeNext: 59_000, isFirstInDuration: false });
    expect(store.set("k", 7, 600)).toMatchObject({ consumedPoints: 7, msBeforeNext: 600_000, isFirstInDuration: true });
    expect(store.set("forever", 1, 0)).toMatchObject({ msBeforeNext: -1 });
    time.advance(10 ** 9);
    expect(store.get("forever")).toMatchObject({ consumedPoints: 1, msBeforeNext: -1 });
    expect(store.delete("forever")).toBe(true);
    expect(store.delete("forever")).toBe(false);
    expect(store.get("forever")).toBeNull();
  });

  it("sweeps expired records away, keeping live ones, when a window starts a second or more after the last sweep", () => {
    const time = clock();
    const store = new SweptMemoryStorage(time.now);
    for (let i = 0; i < 50; i++) store.add(`short${i}`, 1, 1);
    store.add("long", 1, 3600);
    expect(store.size).toBe(51);
    time.advance(2_000);
    store.add("new", 1, 60);
    expect(store.size).toBe(2);
    expect(store.get("long")).toMatchObject({ consumedPoints: 1 });
  });

  it("walks a large store in slices, so one sweep does bounded work", () => {
    const time = clock();
    const store = new SweptMemoryStorage(time.now);
    for (let i = 0; i < 30_000; i++) store.add(`k${i}`, 1, 1);
    time.advance(2_000);
    store.sweep();
    // A slice is the larger of 1,000 keys and a tenth of the store.
    expect(store.size).toBe(27_000);
    for (let i = 0; i < 20; i++) store.sweep();
    expect(store.size).toBe(0);
  });
});

describe("InstantMemoryLimiter on the swept store", () => {
  it("lets a key in again once its window has ended, and forgets a key the library deletes", async () => {
    const time = clock();
    const limiter = new InstantMemoryLimiter({ points: 1, duration: 60, blockDuration: 0 }, time.now);
    expect(limiter.consumeNow("k", 1).allowed).toBe(true);
    expect(limiter.consumeNow("k", 1)).toEqual({ allowed: false, msBeforeNext: 60_000 });
    time.advance(60_000);
    expect(limiter.consumeNow("k", 1).allowed).toBe(true);
    await limiter.delete("k");
    expect(limiter.consumeNow("k", 1).allowed).toBe(true);
    expect(limiter.keys).toBe(1);
  });

  it("dumps and restores its counters through the library, expired ones left out", async () => {
    const limiter = new InstantMemoryLimiter({ points: 5, duration: 60, blockDuration: 0 });
    limiter.consumeNow("a", 2);
    limiter.consumeNow("b", 4);
    const dump = limiter.dump();
    expect(dump.storage.map((e) => [e.key, e.value]).sort()).toEqual([["a", 2], ["b", 4]]);
    const other = new InstantMemoryLimiter({ points: 5, duration: 60, blockDuration: 0 });
    other.restore({ version: 1, storage: dump.storage.map((e) => (e.key === "a" ? { ...e, expiresAt: Date.now() - 1 } : e)) });
    expect(await other.get("a")).toBeNull();
    expect(await other.get("b")).toMatchObject({ consumedPoints: 4 });
    expect(other.consumeNow("b", 2).allowed).toBe(false);
  });
});
