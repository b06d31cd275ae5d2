// Curve25519 keys in libsignal's encodings: a public key is the type byte 0x05 followed by the
// 32-byte X25519 u-coordinate; a private key is 32 clamped bytes. Signatures are XEdDSA.
import { x25519 } from "@noble/curves/ed25519.js";
import { bytesEqual, concatBytes } from "./bytes.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import type { RandomSource } from "./random.js";
import { backendGeneration, cryptoBackend } from "./active-backend.js";
import type { MaybePromise, NativeKey } from "./crypto-backend.js";
import {
  edwardsKeyFromPrivate,
  generateKey,
  generateKeyAsync,
  montgomeryPublicKey,
  xeddsaSign,
  xeddsaSignAsync,
  xeddsaVerify,
  type EdwardsKey,
  type GeneratedKey,
} from "./xeddsa.js";

export const DJB_TYPE = 0x05;
export const PUBLIC_KEY_LENGTH = 33;
export const PRIVATE_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

/** A key imported into the crypto backend of one generation (active-backend.ts). */
interface ImportedKey {
  readonly generation: number;
  readonly key: MaybePromise<NativeKey | undefined>;
}

function importedFor(cached: ImportedKey | undefined, load: () => MaybePromise<NativeKey | undefined>): ImportedKey {
  const generation = backendGeneration();
  return cached?.generation === generation ? cached : { generation, key: load() };
}

export class PublicKey {
  /** The key imported into the backend for agreement, once per object and backend (not enumerable). */
  #imported: ImportedKey | undefined;

  private constructor(
    /** The raw 32-byte u-coordinate, without the type byte. */
    readonly raw: Uint8Array,
  ) {}

  /** Parses the 33-byte form. Throws INVALID_KEY on a wrong length or type byte. */
  static deserialize(bytes: Uint8Array): PublicKey {
    if (bytes.length !== PUBLIC_KEY_LENGTH) {
      throw new SignalError(SignalErrorCode.InvalidKey, `public key must be ${PUBLIC_KEY_LENGTH} bytes, got ${bytes.length}`);
    }
    if (bytes[0] !== DJB_TYPE) throw new SignalError(SignalErrorCode.InvalidKey, `unknown public key type ${bytes[0]}`);
    return new PublicKey(bytes.slice(1));
  }

  static fromRaw(raw: Uint8Array): PublicKey {
    if (raw.length !== 32) throw new SignalError(SignalErrorCode.InvalidKey, "raw public key must be 32 bytes");
    return new PublicKey(raw.slice());
  }

  serialize(): Uint8Array {
    return concatBytes(Uint8Array.of(DJB_TYPE), this.raw);
  }

  equals(other: PublicKey): boolean {
    return bytesEqual(this.raw, other.raw);
  }

  /**
   * libsignal accepts as a base key only the canonical encoding: u < 2^255 - 19 and the top bit
   * clear. Bob rejects a PreKey message whose base key is not canonical.
   */
  isCanonical(): boolean {
    const top = this.raw[31]!;
    if ((top & 0x80) !== 0) return false;
    // u >= p iff bytes are 0xed..0xff, 0xff x30, 0x7f (p = 2^255 - 19).
    if (top !== 0x7f) return true;
    for (let i = 30; i >= 1; i--) if (this.raw[i] !== 0xff) return true;
    return this.raw[0]! < 0xed;
  }

  /** The key imported for native X25519, once per object and backend; undefined without support. */
  nativeKey(): MaybePromise<NativeKey | undefined> {
    this.#imported = importedFor(this.#imported, () => cryptoBackend().curves.importX25519PublicKey(this.raw));
    return this.#imported.key;
  }

  /** XEdDSA verification with libsignal's acceptance rules. Never throws. */
  verifySignature(message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return xeddsaVerify(this.raw, message, signature);
  }
}

function clamp(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[0] = out[0]! & 248;
  out[31] = (out[31]! & 127) | 64;
  return out;
}

export class PrivateKey {
  private edwards: EdwardsKey | undefined;
  private publicKeyCache: PublicKey | undefined;
  #imported: ImportedKey | undefined;

  private constructor(private readonly scalarBytes: Uint8Array) {}

  /**
   * A fresh key from 32 random bytes. The bytes are not the key itself but the input of a
   * derivation built so that the platform can compute the public key (xeddsa.ts generateKey,
   * docs/adr/0005-native-key-generation-and-key-caches.md); the public key and the Edwards form
   * come with it. Uniform over clamped keys; deterministic for a given random source.
   */
  static generate(random: RandomSource): PrivateKey {
    return PrivateKey.fromGenerated(generateKey(random));
  }

  /** The key generate() makes from the same random bytes, with the platform's fixed-base multiplication (about 3x faster). */
  static async generateAsync(random: RandomSource): Promise<PrivateKey> {
    return PrivateKey.fromGenerated(await generateKeyAsync(random));
  }

  private static fromGenerated(generated: GeneratedKey): PrivateKey {
    const key = new PrivateKey(generated.privateKey);
    key.publicKeyCache = PublicKey.fromRaw(generated.publicKey);
    key.edwards = edwardsKeyFromPrivate(generated.privateKey, generated.edwardsPublicKey);
    return key;
  }

  /** Accepts 32 bytes and clamps them, as libsignal does. */
  static deserialize(bytes: Uint8Array): PrivateKey {
    if (bytes.length !== PRIVATE_KEY_LENGTH) {
      throw new SignalError(SignalErrorCode.InvalidKey, `private key must be ${PRIVATE_KEY_LENGTH} bytes, got ${bytes.length}`);
    }
    return new PrivateKey(clamp(bytes));
  }

  serialize(): Uint8Array {
    return this.scalarBytes.slice();
  }

  private edwardsKey(): EdwardsKey {
    this.edwards ??= edwardsKeyFromPrivate(this.scalarBytes);
    return this.edwards;
  }

  /**
   * The 32-byte Edwards encoding of the public key A that XEdDSA signs with (its sign bit is not
   * forced to zero). A fixed-base multiplication, once per object; a record that stores it hands
   * it back with withEdwardsPublicKey().
   */
  edwardsPublicKey(): Uint8Array {
    return this.edwardsKey().publicKey.slice();
  }

  /**
   * Records A when it is already known (from edwardsPublicKey(), stored with the key), sparing its
   * computation before the first signature. Trusted as given, like withPublicKey(): a wrong A
   * gives signatures that do not verify. Throws INVALID_KEY unless it is 32 bytes.
   */
  withEdwardsPublicKey(publicKey: Uint8Array): this {
    if (publicKey.length !== 32) throw new SignalError(SignalErrorCode.InvalidKey, "Edwards public key must be 32 bytes");
    this.edwards ??= edwardsKeyFromPrivate(this.scalarBytes, publicKey.slice());
    return this;
  }

  /** Computed as a fixed-base Edwards multiplication mapped to Montgomery u, once per object. */
  publicKey(): PublicKey {
    this.publicKeyCache ??= PublicKey.fromRaw(montgomeryPublicKey(this.scalarBytes));
    return this.publicKeyCache;
  }

  /** Records the public half when it is already known (stored with the key), sparing its computation. */
  withPublicKey(publicKey: PublicKey): this {
    this.publicKeyCache ??= publicKey;
    return this;
  }

  private nativeKey(): MaybePromise<NativeKey | undefined> {
    this.#imported = importedFor(this.#imported, () => cryptoBackend().curves.importX25519PrivateKey(this.scalarBytes, this.publicKey().raw));
    return this.#imported.key;
  }

  /**
   * X25519 agreement, natively through the crypto backend where it can (the imported key is kept
   * with this object), else in JS. Rejects a low-order peer key (all-zero shared secret) with
   * INVALID_KEY on either path.
   */
  async agree(theirs: PublicKey): Promise<Uint8Array> {
    try {
      const curves = cryptoBackend().curves;
      let ours = this.nativeKey();
      let theirKey = theirs.nativeKey();
      if (ours instanceof Promise || theirKey instanceof Promise) [ours, theirKey] = await Promise.all([ours, theirKey]);
      if (ours !== undefined && theirKey !== undefined) return await curves.x25519(ours, theirKey);
      return x25519.getSharedSecret(this.scalarBytes, theirs.raw);
    } catch (cause) {
      throw new SignalError(SignalErrorCode.InvalidKey, "key agreement with an invalid public key", { cause });
    }
  }

  /** XEdDSA, in pure JS: a fixed-base multiplication (noble) per signature. */
  sign(message: Uint8Array, random: RandomSource): Uint8Array {
    return xeddsaSign(this.scalarBytes, this.edwardsKey(), message, random(64));
  }

  /**
   * XEdDSA as sign() makes it, but with the nonce point computed natively where the crypto
   * backend signs with Ed25519 (more than twice as fast); the same kind of signature, not the
   * same bytes.
   */
  signAsync(message: Uint8Array, random: RandomSource): Promise<Uint8Array> {
    return xeddsaSignAsync(this.scalarBytes, this.edwardsKey(), message, random(64));
  }
}

export class KeyPair {
  readonly privateKey: PrivateKey;

  constructor(
    readonly publicKey: PublicKey,
    privateKey: PrivateKey,
  ) {
    this.privateKey = privateKey.withPublicKey(publicKey);
  }

  static generate(random: RandomSource): KeyPair {
    const privateKey = PrivateKey.generate(random);
    return new KeyPair(privateKey.publicKey(), privateKey);
  }

  /** The key pair generate() makes from the same random bytes, computed natively where possible. */
  static async generateAsync(random: RandomSource): Promise<KeyPair> {
    const privateKey = await PrivateKey.generateAsync(random);
    return new KeyPair(privateKey.publicKey(), privateKey);
  }
}
