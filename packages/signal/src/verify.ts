// The `@parley/signal/verify` entry point: signature checks a server needs to vet uploaded keys,
// without any session machinery. Every function is total: malformed input gives false.
import { PublicKey } from "./curve.js";
import { KemPublicKey } from "./kem.js";

function parsePublicKey(bytes: Uint8Array): PublicKey | undefined {
  try {
    return PublicKey.deserialize(bytes);
  } catch {
    return undefined;
  }
}

/** Verifies an XEdDSA signature by a 33-byte serialized identity key over `message`. */
export async function verifySignature(identityKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const key = parsePublicKey(identityKey);
  return key !== undefined && signature.length === 64 && (await key.verifySignature(message, signature));
}

/** Checks a signed prekey upload: a well-formed 33-byte key signed by the identity key. */
export async function verifySignedPreKey(identityKey: Uint8Array, signedPreKey: Uint8Array, signature: Uint8Array): Promise<boolean> {
  return parsePublicKey(signedPreKey) !== undefined && verifySignature(identityKey, signedPreKey, signature);
}

/** Checks a Kyber prekey upload: a well-formed 1569-byte KEM key signed by the identity key. */
export async function verifyKyberPreKey(identityKey: Uint8Array, kyberPreKey: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    KemPublicKey.deserialize(kyberPreKey);
  } catch {
    return false;
  }
  return verifySignature(identityKey, kyberPreKey, signature);
}

/** Whether `bytes` is a well-formed serialized Curve25519 public key (type 0x05, 33 bytes). */
export function isValidPublicKey(bytes: Uint8Array): boolean {
  return parsePublicKey(bytes) !== undefined;
}
