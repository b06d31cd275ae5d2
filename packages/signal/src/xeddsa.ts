// XEdDSA signatures over Curve25519 keys, in libsignal's variant: the signer does not force the
// sign bit of its Edwards public key A to zero but stores it in the top bit of signature byte 63;
// the verifier reads A's sign from there, masks it off and requires s < 2^253.
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha512 as nobleSha512 } from "@noble/hashes/sha2.js";
import { backendGeneration, cryptoBackend } from "./active-backend.js";
import { concatBytes, bytesEqual } from "./bytes.js";
import type { MaybePromise, NativeKey } from "./crypto-backend.js";
import { sha512 } from "./crypto.js";
import { PUBLIC_ED25519_KEY, PUBLIC_ED25519_SEED } from "./public-signer.js";
import type { RandomSource } from "./random.js";

const Point = ed25519.Point;
// An 8-bit window table for the base point (about 1.6x faster fixed-base multiplication); the
// table lives in noble's per-point cache and is built once, here.
const BASE = Point.BASE.precompute(8, false);
const P = Point.Fp.ORDER; // 2^255 - 19
const L = Point.Fn.ORDER; // order of the base point

const NONCE_PREFIX = new Uint8Array(32).fill(0xff);
NONCE_PREFIX[0] = 0xfe;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Little-endian bytes to a number, through one hex string (several times faster than shifting byte by byte). */
function bytesToNumberLE(bytes: Uint8Array): bigint {
  let hex = "0x0";
  for (let i = bytes.length - 1; i >= 0; i--) hex += HEX[bytes[i]!]!;
  return BigInt(hex);
}

function reduce(hash: Uint8Array): bigint {
  return bytesToNumberLE(hash) % L;
}

/** Writes n < 2^256 as 32 little-endian bytes at `offset`. */
function writeNumberLE(n: bigint, out: Uint8Array, offset: number): void {
  let rest = n;
  for (let i = offset; i < offset + 32; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

/** The secret scalar of the public Ed25519 key (RFC 8032: the clamped first half of SHA-512(seed)). */
const PUBLIC_ED25519_SCALAR = (() => {
  const half = nobleSha512(PUBLIC_ED25519_SEED).subarray(0, 32);
  half[0] = half[0]! & 248;
  half[31] = (half[31]! & 127) | 64;
  return bytesToNumberLE(half) % L;
})();

/** The Edwards form of a Curve25519 private key: scalar a and compressed public A. */
export interface EdwardsKey {
  readonly scalar: bigint;
  readonly publicKey: Uint8Array;
}

/**
 * Derives the Edwards scalar and point from a clamped 32-byte X25519 private key. A `knownPublicKey`
 * (the 32-byte encoding of A, stored with the key) is trusted as given and spares the fixed-base
 * multiplication; a wrong one makes signatures that no verifier accepts, nothing worse.
 */
export function edwardsKeyFromPrivate(privateKey: Uint8Array, knownPublicKey?: Uint8Array): EdwardsKey {
  const scalar = bytesToNumberLE(privateKey) % L;
  return { scalar, publicKey: knownPublicKey ?? BASE.multiply(scalar === 0n ? L : scalar).toBytes() };
}

/**
 * X25519 public key (u) of a clamped private key: a fixed-base Edwards multiplication, then
 * u = (Z + Y) / (Z - Y) from the projective coordinates, with a single inversion.
 */
export function montgomeryPublicKey(privateKey: Uint8Array): Uint8Array {
  const scalar = bytesToNumberLE(privateKey) % L;
  const point = BASE.multiply(scalar === 0n ? L : scalar);
  const Fp = Point.Fp;
  const u = Fp.mul(Fp.add(point.Z, point.Y), Fp.inv(Fp.sub(point.Z, point.Y)));
  const out = new Uint8Array(32);
  writeNumberLE(u, out, 0);
  return out;
}

/** The XEdDSA paper's hash1(a ‖ M ‖ Z), from which the nonce r comes. */
function nonceHash(privateKey: Uint8Array, message: Uint8Array, random64: Uint8Array): Uint8Array {
  return sha512(concatBytes(NONCE_PREFIX, privateKey, message, random64));
}

/** Signs `message`; `random64` must be 64 fresh random bytes (the Z of the XEdDSA paper). */
export function xeddsaSign(privateKey: Uint8Array, edwards: EdwardsKey, message: Uint8Array, random64: Uint8Array): Uint8Array {
  return signWithNonceFromHash(nonceHash(privateKey, message, random64), edwards, message);
}

/** The paper's signature: r = hash1 mod L, and R = r·B by noble's constant-time multiplication. */
function signWithNonceFromHash(hash1: Uint8Array, edwards: EdwardsKey, message: Uint8Array): Uint8Array {
  const r = reduce(hash1);
  return signatureWithNonce(BASE.multiply(r === 0n ? L : r).toBytes(), r, edwards, message);
}

/**
 * Signs as xeddsaSign does, but has the platform compute the nonce point R where the crypto
 * backend can sign with Ed25519 (more than twice as fast as noble), else falls back to xeddsaSign.
 *
 * Native APIs cannot multiply by a scalar of our choosing, but an Ed25519 signature (R, S) by a
 * key whose scalar a0 is known reveals its nonce: R = r·B with r = S − SHA-512(R ‖ A0 ‖ m)·a0
 * mod L. So hash1(a ‖ M ‖ Z) is signed with a key that is public on purpose, and r recovered.
 * That r is the platform's nonce for signing hash1 (RFC 8032: SHA-512(prefix0 ‖ hash1) mod L)
 * rather than hash1 mod L itself, and is just as uniform and as secret: computing it takes hash1,
 * which takes a; S, which would give r away, never leaves this function. A platform that
 * randomizes Ed25519 nonces works the same, since r is recovered, not predicted. The scalar
 * multiplication by the secret r is the platform's, constant-time.
 */
export async function xeddsaSignAsync(privateKey: Uint8Array, edwards: EdwardsKey, message: Uint8Array, random64: Uint8Array): Promise<Uint8Array> {
  const hash1 = nonceHash(privateKey, message, random64);
  const native = await cryptoBackend().curves.ed25519SignWithPublicKey(hash1);
  if (!native) return signWithNonceFromHash(hash1, edwards, message);
  const R = native.subarray(0, 32);
  const h0 = reduce(sha512(concatBytes(R, PUBLIC_ED25519_KEY, hash1)));
  const r = (((bytesToNumberLE(native.subarray(32)) - h0 * PUBLIC_ED25519_SCALAR) % L) + L) % L;
  return signatureWithNonce(R, r, edwards, message);
}

/** R ‖ s with s = r + h·a, and the sign bit of A in the top bit, as libsignal verifies. */
function signatureWithNonce(R: Uint8Array, r: bigint, edwards: EdwardsKey, message: Uint8Array): Uint8Array {
  const signBit = edwards.publicKey[31]! & 0x80;
  const h = reduce(sha512(concatBytes(R, edwards.publicKey, message)));
  const s = (r + h * edwards.scalar) % L;
  const signature = new Uint8Array(64);
  signature.set(R, 0);
  writeNumberLE(s, signature, 32);
  signature[63] = (signature[63]! & 0x7f) | signBit;
  return signature;
}

/**
 * What verification needs of a Montgomery key and a sign bit: the Edwards encoding of A and its
 * import into the crypto backend. Both are pure functions of the public bytes, so they are kept in a small
 * bounded cache (docs/adr/0005-native-key-generation-and-key-caches.md): Sender Key records are
 * parsed afresh for every message, and without it each verification would redo a field
 * inversion (~25 µs) and an import (~35 µs).
 */
interface EdwardsVerifier {
  /** The 32-byte encoding of A (y and the sign bit), or undefined when u maps to no Edwards point. */
  readonly encodedA: Uint8Array | undefined;
  /** A imported for native Ed25519 verification (undefined without support), and the backend generation it belongs to. */
  key: MaybePromise<NativeKey | undefined> | undefined;
  generation: number;
}

const VERIFIER_CACHE_SIZE = 256;
/** Least recently used first; holds only public keys and their platform handles. */
const verifiers = new Map<string, EdwardsVerifier>();

function edwardsVerifier(montgomeryU: Uint8Array, signBit: number): EdwardsVerifier {
  let id = signBit === 0 ? "+" : "-";
  for (let i = 0; i < 32; i++) id += HEX[montgomeryU[i]!]!;
  const cached = verifiers.get(id);
  const generation = backendGeneration();
  if (cached) {
    verifiers.delete(id);
    verifiers.set(id, cached);
    if (cached.generation !== generation && cached.encodedA) {
      cached.key = cryptoBackend().curves.importEd25519PublicKey(cached.encodedA);
      cached.generation = generation;
    }
    return cached;
  }
  const encodedA = edwardsEncodingFromMontgomery(montgomeryU, signBit);
  const verifier: EdwardsVerifier = { encodedA, key: encodedA && cryptoBackend().curves.importEd25519PublicKey(encodedA), generation };
  verifiers.set(id, verifier);
  if (verifiers.size > VERIFIER_CACHE_SIZE) verifiers.delete(verifiers.keys().next().value as string);
  return verifier;
}

/**
 * Verifies an XEdDSA signature against a raw 32-byte Montgomery u-coordinate. Never throws.
 * The signature is first checked natively as a plain Ed25519 signature by A (by the crypto
 * backend, where it can); libsignal accepts a superset of those (any s < 2^253), so a native "no" is re-checked
 * in JS with libsignal's exact rules before it is believed.
 */
export async function xeddsaVerify(montgomeryU: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (montgomeryU.length !== 32 || signature.length !== 64) return false;
  if ((signature[63]! & 0x60) !== 0) return false; // s < 2^253, the sign bit of A aside
  const { encodedA, key } = edwardsVerifier(montgomeryU, signature[63]! & 0x80);
  if (!encodedA) return false;
  const plain = signature.slice(); // R ‖ s, with A's sign bit cleared from s
  plain[63] = plain[63]! & 0x7f;
  const curves = cryptoBackend().curves;
  const imported = key instanceof Promise ? await key : key;
  if (imported !== undefined) {
    const verdict = curves.ed25519Verify(imported, message, plain);
    if ((verdict instanceof Promise ? await verdict : verdict) === true) return true;
  }
  let A: InstanceType<typeof Point>;
  try {
    A = Point.fromBytes(encodedA, true);
  } catch {
    return false;
  }
  const R = plain.subarray(0, 32);
  const h = reduce(sha512(concatBytes(R, A.toBytes(), message)));
  const s = bytesToNumberLE(plain.subarray(32)) % L;
  const check = BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(h));
  return bytesEqual(check.toBytes(), R);
}

/** The Edwards encoding (y and the given sign bit) of the point with Montgomery u, if any. */
function edwardsEncodingFromMontgomery(montgomeryU: Uint8Array, signBit: number): Uint8Array | undefined {
  const u = (bytesToNumberLE(montgomeryU) & ((1n << 255n) - 1n)) % P;
  if (u === P - 1n) return undefined; // maps to no Edwards point
  const y = Point.Fp.mul(Point.Fp.sub(u, 1n), Point.Fp.inv(Point.Fp.add(u, 1n)));
  const yBytes = new Uint8Array(32);
  writeNumberLE(y, yBytes, 0);
  yBytes[31] = (yBytes[31]! & 0x7f) | signBit;
  return yBytes;
}

/** A Curve25519 key pair as key generation makes it. */
export interface GeneratedKey {
  /** 32 clamped bytes, the X25519 private key. */
  readonly privateKey: Uint8Array;
  /** The X25519 public key (Montgomery u, 32 bytes). */
  readonly publicKey: Uint8Array;
  /** The Edwards encoding of A = a·B that XEdDSA signs with. */
  readonly edwardsPublicKey: Uint8Array;
}

const TWO_251 = 1n << 251n;
const TWO_254 = 1n << 254n;
const INVERSE_OF_8 = Point.Fn.inv(8n);
/** The second half of SHA-512(PUBLIC_ED25519_SEED): RFC 8032's nonce prefix for the public key. */
const PUBLIC_ED25519_PREFIX = nobleSha512(PUBLIC_ED25519_SEED).slice(32, 64);

/**
 * Key generation from 32 random bytes M, built so that the platform can do its one scalar
 * multiplication (docs/adr/0005-native-key-generation-and-key-caches.md). The nonce RFC 8032
 * derives for signing M with the public all-zero seed, r = SHA-512(prefix0 ‖ M) mod L, is
 * uniform and as secret as M.
 * The private key is the clamped scalar k (2^254 + 8m, m < 2^251) with k ≡ r or k ≡ -r (mod L):
 * clamped scalars are fewer than L and meet each residue at most once, and for all but a
 * negligible share of r exactly one of r and -r has such a k, so k is uniform over clamped
 * scalars. Since B has order L, k·B = ±r·B = ±R, and the X25519 public key is the u of R either
 * way. Returns undefined for the negligible r that has neither (the caller draws again).
 */
function clampedScalarForNonce(r: bigint): { scalar: bigint; negated: boolean } | undefined {
  if (r === 0n) return undefined;
  for (const [residue, negated] of [
    [r, false],
    [L - r, true],
  ] as const) {
    const m = ((((residue - TWO_254) % L) + L) % L) * INVERSE_OF_8 % L;
    if (m < TWO_251) return { scalar: TWO_254 + 8n * m, negated };
  }
  return undefined;
}

/** The key pair for scalar k ≡ ±r, given the encoding of R = r·B. */
function keyFromNonce(k: { scalar: bigint; negated: boolean }, encodedR: Uint8Array): GeneratedKey {
  const privateKey = new Uint8Array(32);
  writeNumberLE(k.scalar, privateKey, 0);
  const y = bytesToNumberLE(encodedR) & ((1n << 255n) - 1n);
  const Fp = Point.Fp;
  const u = Fp.mul(Fp.add(1n, y), Fp.inv(Fp.sub(1n, y))); // y ≠ 1: R is not the identity, as r ≠ 0
  const publicKey = new Uint8Array(32);
  writeNumberLE(u, publicKey, 0);
  const edwardsPublicKey = encodedR.slice();
  if (k.negated) edwardsPublicKey[31] = edwardsPublicKey[31]! ^ 0x80; // -R: x negated, y kept
  return { privateKey, publicKey, edwardsPublicKey };
}

/** Generates a key pair in JS: R = r·B by noble's constant-time fixed-base multiplication. */
export function generateKey(random: RandomSource): GeneratedKey {
  for (;;) {
    const seed = random(32);
    const r = reduce(sha512(concatBytes(PUBLIC_ED25519_PREFIX, seed)));
    const k = clampedScalarForNonce(r);
    if (k) return keyFromNonce(k, BASE.multiply(r).toBytes());
  }
}

/**
 * Generates the same key pair as generateKey for the same random bytes, with R from the
 * platform's Ed25519 signature of M by the public key (about a third of the time). R is used
 * only after S is checked against the r computed here (S = r + SHA-512(R ‖ A0 ‖ M)·a0 mod L),
 * which holds exactly when the platform signed with RFC 8032's deterministic nonce r, i.e. R =
 * r·B; otherwise R is computed in JS. Without Ed25519 signing it is generateKey.
 */
export async function generateKeyAsync(random: RandomSource): Promise<GeneratedKey> {
  for (;;) {
    const seed = random(32);
    const r = reduce(sha512(concatBytes(PUBLIC_ED25519_PREFIX, seed)));
    const k = clampedScalarForNonce(r);
    if (!k) continue;
    const native = await cryptoBackend().curves.ed25519SignWithPublicKey(seed);
    if (native) {
      const R = native.subarray(0, 32);
      const h0 = reduce(sha512(concatBytes(R, PUBLIC_ED25519_KEY, seed)));
      if (bytesToNumberLE(native.subarray(32)) === (r + h0 * PUBLIC_ED25519_SCALAR) % L) return keyFromNonce(k, R.slice());
    }
    return keyFromNonce(k, BASE.multiply(r).toBytes());
  }
}
