// Registration lock PINs are short and guessable, so the store keeps only a slow-hash verifier:
// scrypt under a random salt per PIN set, with the cost recorded next to it so that raising the
// configured cost later does not break verifiers made before. Online guessing is bounded by the
// attempt counters; the slow hash bounds offline guessing by whoever reads the database.
import { scrypt, timingSafeEqual } from "node:crypto";
import type { PinRecord } from "../ports/factor-store.js";
import type { Random } from "../ports/random.js";

const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** scrypt block size and parallelism: the common interactive-login choice (RFC 7914). */
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

/** The same text typed on different keyboards or platforms gives the same PIN. */
function normalized(pin: string): string {
  return pin.normalize("NFKC");
}

function derive(pin: string, salt: Uint8Array, cost: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128 * N * r bytes; Node refuses above maxmem (32 MiB by default).
    const maxmem = 256 * cost * BLOCK_SIZE;
    scrypt(normalized(pin), salt, KEY_BYTES, { N: cost, r: BLOCK_SIZE, p: PARALLELISM, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

/** A new verifier of `pin` with a fresh salt and the configured cost (a power of two). */
export async function makePinVerifier(pin: string, random: Random, cost: number, now: number): Promise<PinRecord> {
  const salt = random.bytes(SALT_BYTES);
  return { verifier: await derive(pin, salt, cost), salt, cost, updatedAt: now };
}

/** Whether `pin` is the PIN of `record`, compared in constant time. */
export async function pinMatches(pin: string, record: PinRecord): Promise<boolean> {
  const candidate = await derive(pin, record.salt, record.cost);
  return candidate.length === record.verifier.length && timingSafeEqual(candidate, record.verifier);
}
