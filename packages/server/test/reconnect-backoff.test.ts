import { describe, expect, it } from "vitest";
import { ReconnectBackoff } from "../src/adapters/nats/reconnect-backoff.js";

describe("ReconnectBackoff", () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it("waits the initial delay early in an outage and a quarter of the outage later, up to the maximum", () => {
    const time = clock();
    const backoff = new ReconnectBackoff(250, 10_000, time.now, () => 0);
    expect(backoff.delay()).toBe(250);
    time.advance(500);
    expect(backoff.delay()).toBe(250);
    time.advance(3500);
    expect(backoff.delay()).toBe(1000);
    time.advance(60_000);
    expect(backoff.delay()).toBe(10_000);
  });

  it("gives the same wait however often it is asked at one moment", () => {
    const time = clock();
    const backoff = new ReconnectBackoff(100, 5000, time.now, () => 0);
    time.advance(0);
    backoff.delay();
    time.advance(8000);
    expect([backoff.delay(), backoff.delay(), backoff.delay()]).toEqual([2000, 2000, 2000]);
  });

  it("adds at most a fifth at random", () => {
    const backoff = new ReconnectBackoff(1000, 1000, () => 0, () => 0.999);
    expect(backoff.delay()).toBe(1200);
  });

  it("starts over after a reset", () => {
    const time = clock();
    const backoff = new ReconnectBackoff(250, 10_000, time.now, () => 0);
    backoff.delay();
    time.advance(20_000);
    expect(backoff.delay()).toBe(5000);
    backoff.reset();
    expect(backoff.delay()).toBe(250);
  });

  it("refuses delays that are not 0 < initial <= max", () => {
    expect(() => new ReconnectBackoff(0, 10)).toThrow(RangeError);
    expect(() => new ReconnectBackoff(20, 10)).toThrow(RangeError);
  });
});
