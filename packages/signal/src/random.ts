// Randomness is a parameter of every operation that needs it, so tests can seed it. The default
// reads the platform CSPRNG through WebCrypto, present in Node 20 and in every current browser.

/** Returns `length` fresh random bytes. Must be cryptographically secure outside tests. */
export type RandomSource = (length: number) => Uint8Array;

interface WebCryptoRandom {
  getRandomValues<T extends Uint8Array>(array: T): T;
}

const MAX_CHUNK = 65_536; // getRandomValues refuses more per call

export const secureRandom: RandomSource = (length) => {
  const crypto = (globalThis as { crypto?: WebCryptoRandom }).crypto;
  if (!crypto) throw new Error("WebCrypto getRandomValues is not available on this platform");
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += MAX_CHUNK) {
    crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + MAX_CHUNK)));
  }
  return out;
};
