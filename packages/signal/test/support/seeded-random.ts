// A deterministic RandomSource for tests and fixtures: SHA-256 in counter mode over a seed.
// Block i is SHA-256(seed ‖ i as 8 big-endian bytes); the stream is those blocks in order.
// Two sources with the same seed return the same bytes for the same sequence of calls.
// Not secure: the seed is public. Never use outside tests.
import { sha256 } from "@noble/hashes/sha2.js";
import type { RandomSource } from "../../src/random.js";

export function seededRandom(seed: string | Uint8Array): RandomSource {
  const seedBytes = typeof seed === "string" ? new TextEncoder().encode(seed) : seed.slice();
  const input = new Uint8Array(seedBytes.length + 8);
  input.set(seedBytes);
  const counterView = new DataView(input.buffer, seedBytes.length, 8);
  let counter = 0n;
  let block = new Uint8Array(0);
  let used = 0;
  return (length) => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (used === block.length) {
        counterView.setBigUint64(0, counter++);
        block = sha256(input);
        used = 0;
      }
      const take = Math.min(length - filled, block.length - used);
      out.set(block.subarray(used, used + take), filled);
      used += take;
      filled += take;
    }
    return out;
  };
}
