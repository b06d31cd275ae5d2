import { randomFillSync } from "node:crypto";
import type { Random } from "../../ports/random.js";

/**
 * Random on the operating system's CSPRNG, drawn a block at a time: one `randomFillSync` call
 * serves many small requests (a 16-byte envelope id per message on the send path), instead of
 * one native call and two allocations each.
 *
 * Every byte is handed out once: each call gets a fresh copy, and the bytes it took are zeroed
 * in the block at once, so no secret stays in memory beyond its caller's copy. Requests larger
 * than a quarter block bypass it.
 */
export class BufferedCryptoRandom implements Random {
  readonly #block: Uint8Array;
  #offset: number;

  constructor(blockSize = 4096) {
    this.#block = new Uint8Array(blockSize);
    this.#offset = blockSize;
  }

  bytes(length: number): Uint8Array {
    const block = this.#block;
    if (length > block.length / 4) return randomFillSync(new Uint8Array(length));
    if (this.#offset + length > block.length) {
      randomFillSync(block);
      this.#offset = 0;
    }
    const start = this.#offset;
    const end = start + length;
    this.#offset = end;
    const out = block.slice(start, end);
    block.fill(0, start, end);
    return out;
  }
}
