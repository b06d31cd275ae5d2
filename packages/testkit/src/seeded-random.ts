import { createHash } from "node:crypto";
import type { Random } from "../../server/src/ports/index.js";

/**
 * A deterministic Random for tests: SHA-256 of the seed and a block counter, so the same seed
 * yields the same bytes on every run and platform. Not secure; never use it outside tests.
 */
export function seededRandom(seed: string | number): Random {
  const seedBytes = Buffer.from(String(seed), "utf8");
  let counter = 0;
  let pool = new Uint8Array(0);
  const refill = (): void => {
    const block = Buffer.alloc(8);
    block.writeBigUInt64BE(BigInt(counter));
    counter += 1;
    pool = new Uint8Array(createHash("sha256").update(seedBytes).update(block).digest());
  };
  return {
    bytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        if (pool.length === 0) refill();
        const take = Math.min(pool.length, length - filled);
        out.set(pool.subarray(0, take), filled);
        pool = pool.subarray(take);
        filled += take;
      }
      return out;
    },
  };
}

export { randomUuid } from "../../server/src/domain/ids.js";
