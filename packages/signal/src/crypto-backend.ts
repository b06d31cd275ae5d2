// The primitives this package takes from its platform, behind one interface. The default backend
// is WebCrypto for Curve25519 and @noble for the rest (webcrypto-backend.ts), which runs
// unchanged in Node and in browsers. A platform with faster native primitives may install its
// own backend once at start-up (in Node: @parley/signal-node, docs/adr/0008-crypto-backend-port.md).
//
// Every backend computes the same bytes as the default for the same inputs (signatures
// included), so the choice changes speed only, never what is sent, stored or accepted. That is
// why it is a process-wide setting, like the platform's own `globalThis.crypto`, and not a
// parameter of every operation: nothing a caller observes depends on it.

/** A value, or a promise of it: native backends answer synchronously, WebCrypto asynchronously. */
export type MaybePromise<T> = T | Promise<T>;

/** An opaque handle to a key imported into a backend; meaningful only to the backend that made it. */
export type NativeKey = unknown;

/**
 * Native Curve25519 operations. Each may answer undefined ("not here"), and callers then compute
 * the same result in JS with @noble/curves; none may answer a wrong result.
 */
export interface CurveBackend {
  /** Imports a clamped X25519 private scalar with its public u; undefined when refused. */
  importX25519PrivateKey(scalar: Uint8Array, publicU: Uint8Array): MaybePromise<NativeKey | undefined>;
  /** Imports a 32-byte X25519 public u (any value; low-order ones fail at agreement). */
  importX25519PublicKey(u: Uint8Array): MaybePromise<NativeKey | undefined>;
  /** X25519 of two imported keys. Must throw (or reject) for a low-order public key. */
  x25519(privateKey: NativeKey, publicKey: NativeKey): MaybePromise<Uint8Array>;
  /** Imports a 32-byte Ed25519 public key for verification; undefined when refused. */
  importEd25519PublicKey(publicKey: Uint8Array): MaybePromise<NativeKey | undefined>;
  /** RFC 8032 verification; undefined when the backend fails (the caller checks in JS). */
  ed25519Verify(publicKey: NativeKey, message: Uint8Array, signature: Uint8Array): MaybePromise<boolean | undefined>;
  /**
   * The deterministic RFC 8032 signature of `message` by the key pair whose seed is 32 zero
   * bytes (xeddsa.ts recovers its nonce), or undefined where Ed25519 signing is missing.
   */
  ed25519SignWithPublicKey(message: Uint8Array): MaybePromise<Uint8Array | undefined>;
}

/** Synchronous hashing and symmetric encryption. */
export interface SymmetricBackend {
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA256; an absent salt means 32 zero bytes (RFC 5869). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
  /** AES-256-CBC with PKCS#7 padding. */
  aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws on bad padding; the caller maps any throw to an invalid message. */
  aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

export interface CryptoBackend {
  /** A short name for logs and benchmarks, e.g. "webcrypto" or "node". */
  readonly name: string;
  readonly curves: CurveBackend;
  readonly symmetric: SymmetricBackend;
}
