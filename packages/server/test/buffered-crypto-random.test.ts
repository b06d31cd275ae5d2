import { describe, expect, it } from "vitest";
import { BufferedCryptoRandom } from "../src/adapters/random/buffered-crypto-random.js";

describe("BufferedCryptoRandom", () => {
  it("returns fresh arrays of the requested length, small and large", () => {
    const random = new BufferedCryptoRandom(64);
    for (const length of [0, 1, 16, 16, 16, 40, 1000]) {
      const bytes = random.bytes(length);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect(bytes.length).toBe(length);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(length);
    }
  });

  it("never hands out the same bytes twice, across refills of its block", () => {
    const random = new BufferedCryptoRandom(64);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(Buffer.from(random.bytes(16)).toString("hex"));
    expect(seen.size).toBe(200);
  });

  it("keeps a caller's copy unchanged by later calls", () => {
    const random = new BufferedCryptoRandom(32);
    const first = random.bytes(16);
    const kept = Uint8Array.from(first);
    for (let i = 0; i < 10; i++) random.bytes(16);
    expect(first).toEqual(kept);
  });
});
