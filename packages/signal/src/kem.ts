// Kyber-1024 (round 3) keys in libsignal's encoding: type byte 0x08, then the raw key or
// ciphertext. Built on ML-KEM-1024 (FIPS 203), which shares round 3's key format and core; round
// 3 differs only in hashing the encapsulation coins (m = SHA3-256(random)) and in deriving the
// shared secret as SHAKE256(K ‖ SHA3-256(ciphertext)).
import { ml_kem1024 } from "@noble/post-quantum/ml-kem.js";
import { sha3_256, shake256 } from "@noble/hashes/sha3.js";
import { bytesEqual, concatBytes } from "./bytes.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import type { RandomSource } from "./random.js";

export const KYBER1024_TYPE = 0x08;
export const KYBER1024_PUBLIC_KEY_LENGTH = 1568;
export const KYBER1024_SECRET_KEY_LENGTH = 3168;
export const KYBER1024_CIPHERTEXT_LENGTH = 1568;

function parseTyped(bytes: Uint8Array, rawLength: number, what: string, code: SignalErrorCode): Uint8Array {
  if (bytes.length !== rawLength + 1) {
    throw new SignalError(code, `${what} must be ${rawLength + 1} bytes, got ${bytes.length}`);
  }
  if (bytes[0] !== KYBER1024_TYPE) throw new SignalError(code, `unknown ${what} type ${bytes[0]}`);
  return bytes.slice(1);
}

export class KemPublicKey {
  private constructor(readonly raw: Uint8Array) {}

  static deserialize(bytes: Uint8Array): KemPublicKey {
    return new KemPublicKey(parseTyped(bytes, KYBER1024_PUBLIC_KEY_LENGTH, "KEM public key", SignalErrorCode.InvalidKey));
  }

  static fromRaw(raw: Uint8Array): KemPublicKey {
    return KemPublicKey.deserialize(concatBytes(Uint8Array.of(KYBER1024_TYPE), raw));
  }

  serialize(): Uint8Array {
    return concatBytes(Uint8Array.of(KYBER1024_TYPE), this.raw);
  }

  equals(other: KemPublicKey): boolean {
    return bytesEqual(this.raw, other.raw);
  }

  /** Returns the 1569-byte serialized ciphertext and the 32-byte shared secret. */
  encapsulate(random: RandomSource): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
    const coins = sha3_256(random(32));
    let result: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      result = ml_kem1024.encapsulate(this.raw, coins);
    } catch (cause) {
      throw new SignalError(SignalErrorCode.InvalidKey, "invalid KEM public key", { cause });
    }
    return {
      ciphertext: concatBytes(Uint8Array.of(KYBER1024_TYPE), result.cipherText),
      sharedSecret: roundThreeSecret(result.sharedSecret, result.cipherText),
    };
  }
}

function roundThreeSecret(k: Uint8Array, rawCiphertext: Uint8Array): Uint8Array {
  return shake256(concatBytes(k, sha3_256(rawCiphertext)), { dkLen: 32 });
}

export class KemSecretKey {
  private constructor(private readonly raw: Uint8Array) {}

  static deserialize(bytes: Uint8Array): KemSecretKey {
    return new KemSecretKey(parseTyped(bytes, KYBER1024_SECRET_KEY_LENGTH, "KEM secret key", SignalErrorCode.InvalidKey));
  }

  serialize(): Uint8Array {
    return concatBytes(Uint8Array.of(KYBER1024_TYPE), this.raw);
  }

  /** Decapsulates a 1569-byte serialized ciphertext. A tampered ciphertext yields a wrong secret. */
  decapsulate(ciphertext: Uint8Array): Uint8Array {
    const raw = parseTyped(ciphertext, KYBER1024_CIPHERTEXT_LENGTH, "KEM ciphertext", SignalErrorCode.InvalidMessage);
    const k = ml_kem1024.decapsulate(raw, this.raw.slice());
    return roundThreeSecret(k, raw);
  }
}

export class KemKeyPair {
  constructor(
    readonly publicKey: KemPublicKey,
    readonly secretKey: KemSecretKey,
  ) {}

  static generate(random: RandomSource): KemKeyPair {
    const { publicKey, secretKey } = ml_kem1024.keygen(random(64));
    return new KemKeyPair(
      KemPublicKey.fromRaw(publicKey),
      KemSecretKey.deserialize(concatBytes(Uint8Array.of(KYBER1024_TYPE), secretKey)),
    );
  }
}
