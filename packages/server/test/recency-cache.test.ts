import { describe, expect, it } from "vitest";
import { RecencyCache } from "../src/adapters/cache/recency-cache.js";

describe("RecencyCache", () => {
  it("never holds more than its capacity", () => {
    const cache = new RecencyCache<number, string>(10);
    for (let i = 0; i < 1000; i++) {
      cache.set(i, `v${i}`);
      expect(cache.size).toBeLessThanOrEqual(10);
    }
    expect(cache.get(999)).toBe("v999");
  });

  it("keeps an entry used once per generation, and drops one left unused for two", () => {
    const cache = new RecencyCache<string, number>(4);
    cache.set("kept", 1);
    cache.set("dropped", 2);
    for (let i = 0; i < 20; i++) {
      cache.set(`filler${i}`, i);
      expect(cache.get("kept")).toBe(1);
    }
    expect(cache.get("dropped")).toBeUndefined();
  });

  it("replaces a value in place and forgets deleted keys in either generation", () => {
    const cache = new RecencyCache<string, number>(4);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3); // a and b move to the old generation
    cache.set("a", 10);
    expect(cache.get("a")).toBe(10);
    cache.delete("b");
    cache.delete("c");
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("c")).toBeUndefined();
    expect([...cache.values()]).toEqual([10]);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("refuses a capacity below two", () => {
    expect(() => new RecencyCache(1)).toThrow(RangeError);
  });
});
