// Deterministic bytes for reproducible codec tests: SHA-256 of the seed and a counter. Not
// secure. (@parley/testkit has one too, but loading it brings in the whole server.)
import { createHash } from "node:crypto";
import type { RandomSource } from "@parley/signal";

export function seededRandom(seed: string): RandomSource {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 32) {
      out.set(createHash("sha256").update(`${seed}/${counter++}`).digest().subarray(0, length - i), i);
    }
    return out;
  };
}
