// The process-wide crypto backend (see crypto-backend.ts for why it is not a parameter). It
// starts as the isomorphic default; useCryptoBackend swaps it, normally once at start-up.
import type { CryptoBackend } from "./crypto-backend.js";
import { nobleSymmetric } from "./noble-symmetric.js";
import { webCryptoCurves } from "./webcrypto-curves.js";

/** WebCrypto for Curve25519 where the platform has it, @noble for everything else. */
export const webCryptoBackend: CryptoBackend = Object.freeze({ name: "webcrypto", curves: webCryptoCurves, symmetric: nobleSymmetric });

const state = { backend: webCryptoBackend, generation: 0 };

/**
 * Installs `backend` for every later operation. Keys imported into the previous backend are
 * imported again on next use, so a swap is safe at any time, if wasteful after start-up.
 */
export function useCryptoBackend(backend: CryptoBackend): void {
  if (backend === state.backend) return;
  state.backend = backend;
  state.generation++;
}

export function cryptoBackend(): CryptoBackend {
  return state.backend;
}

/** Changes whenever the backend does; caches of imported key handles compare it. */
export function backendGeneration(): number {
  return state.generation;
}
