// The `@parley/signal/backend` entry point: the crypto backend port, for platforms that bring
// faster primitives than the isomorphic default (see crypto-backend.ts).
export type { CryptoBackend, CurveBackend, MaybePromise, NativeKey, SymmetricBackend } from "./crypto-backend.js";
export { cryptoBackend, useCryptoBackend, webCryptoBackend } from "./active-backend.js";
export { PUBLIC_ED25519_KEY, PUBLIC_ED25519_SEED } from "./public-signer.js";
