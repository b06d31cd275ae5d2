// The default backend's Curve25519 operations, through the platform's WebCrypto (native code in
// Node 20+ and in current browsers), about ten times faster than pure JS. Every function returns
// undefined when the platform lacks the algorithm, and callers then fall back to @noble/curves,
// which computes the same results. Imported keys are cached by the caller that owns the key
// bytes (PrivateKey, PublicKey), or for verification in xeddsa.ts's bounded cache.
import type { CurveBackend, NativeKey } from "./crypto-backend.js";
import { PUBLIC_ED25519_KEY, PUBLIC_ED25519_SEED } from "./public-signer.js";

interface SubtleLike {
  importKey(format: string, keyData: Uint8Array | object, algorithm: { name: string }, extractable: boolean, usages: string[]): Promise<unknown>;
  deriveBits(algorithm: { name: string; public: unknown }, baseKey: unknown, length: number): Promise<ArrayBuffer>;
  verify(algorithm: { name: string }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
  sign(algorithm: { name: string }, key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
}

interface Support {
  subtle: SubtleLike;
  /** The public signing key below, imported; undefined where Ed25519 signing is missing. */
  publicSigner: NativeKey | undefined;
}

const X25519 = { name: "X25519" };
const ED25519 = { name: "Ed25519" };

function subtle(): SubtleLike | undefined {
  return (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
}

/**
 * Probes once whether X25519 and Ed25519 work here, and imports the public signing key. The
 * probe's promise is the only state kept, and it never changes once settled.
 */
let support: Promise<Support | undefined> | undefined;
function available(): Promise<Support | undefined> {
  support ??= (async () => {
    const s = subtle();
    if (!s) return undefined;
    try {
      const base = new Uint8Array(32);
      base[0] = 9;
      await s.importKey("raw", base, X25519, false, []);
      const jwk = { kty: "OKP", crv: "Ed25519", d: base64Url(PUBLIC_ED25519_SEED), x: base64Url(PUBLIC_ED25519_KEY) };
      const publicSigner = await s.importKey("jwk", jwk, ED25519, false, ["sign"]).catch(() => undefined);
      return { subtle: s, publicSigner };
    } catch {
      return undefined;
    }
  })();
  return support;
}

/**
 * Imports a private key with its public key as a JWK: several times faster than PKCS#8 in
 * Node. Platforms check that the two match; when the import fails (a stored public half that
 * does not match, a platform that refuses JWK), the caller takes the JS path instead.
 */
async function importX25519PrivateKey(scalar: Uint8Array, publicU: Uint8Array): Promise<NativeKey | undefined> {
  const s = (await available())?.subtle;
  if (!s) return undefined;
  const jwk = { kty: "OKP", crv: "X25519", d: base64Url(scalar), x: base64Url(publicU) };
  try {
    return await s.importKey("jwk", jwk, X25519, false, ["deriveBits"]);
  } catch {
    return undefined;
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
function base64Url(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += B64[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** Imports a raw 32-byte X25519 public key (any u; low-order ones fail at agreement). */
async function importX25519PublicKey(u: Uint8Array): Promise<NativeKey | undefined> {
  const s = (await available())?.subtle;
  if (!s) return undefined;
  try {
    return await s.importKey("raw", u, X25519, false, []);
  } catch {
    return undefined;
  }
}

/**
 * X25519 between an imported private key and an imported public key. Rejects (throws) for a
 * low-order public key, as the all-zero output is refused.
 */
async function x25519(privateKey: NativeKey, publicKey: NativeKey): Promise<Uint8Array> {
  const s = (await available())!.subtle;
  return new Uint8Array(await s.deriveBits({ name: "X25519", public: publicKey }, privateKey, 256));
}

/** Imports a 32-byte Ed25519 public key for verification, or undefined without support or when refused. */
async function importEd25519PublicKey(publicKey: Uint8Array): Promise<NativeKey | undefined> {
  const s = (await available())?.subtle;
  if (!s) return undefined;
  try {
    return await s.importKey("raw", publicKey, ED25519, false, ["verify"]);
  } catch {
    return undefined;
  }
}

/** Standard Ed25519 verification (RFC 8032, cofactorless) with an imported key; undefined when the platform fails. */
async function ed25519Verify(publicKey: NativeKey, message: Uint8Array, signature: Uint8Array): Promise<boolean | undefined> {
  const s = (await available())!.subtle;
  try {
    return await s.verify(ED25519, publicKey, signature, message);
  } catch {
    return undefined;
  }
}

/**
 * An Ed25519 signature (R ‖ S) of `message` by the public key pair PUBLIC_ED25519_SEED /
 * PUBLIC_ED25519_KEY, or undefined where the platform cannot sign with Ed25519.
 */
async function ed25519SignWithPublicKey(message: Uint8Array): Promise<Uint8Array | undefined> {
  const found = await available();
  if (!found?.publicSigner) return undefined;
  try {
    const signature = new Uint8Array(await found.subtle.sign(ED25519, found.publicSigner, message));
    return signature.length === 64 ? signature : undefined;
  } catch {
    return undefined;
  }
}

export const webCryptoCurves: CurveBackend = Object.freeze({
  importX25519PrivateKey,
  importX25519PublicKey,
  x25519,
  importEd25519PublicKey,
  ed25519Verify,
  ed25519SignWithPublicKey,
});
