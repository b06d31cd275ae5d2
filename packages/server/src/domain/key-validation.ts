// Decoding and vetting of uploaded public keys: every key must parse, and every signed key must
// carry a valid signature by the account's identity key, before anything is stored.
import type { KyberPreKey, OneTimePreKey, SignedPreKey } from "@parley/protocol";
import { isValidPublicKey, verifyKyberPreKey, verifySignedPreKey } from "@parley/signal/verify";
import type { OneTimeKey, SignedKey } from "../ports/key-store.js";
import { ApiError, ErrorCode } from "./api-error.js";
import { decodeBase64 } from "./base64.js";

export function decodeIdentityKey(value: string): Uint8Array {
  const key = decodeBase64(value, "identityKey");
  if (!isValidPublicKey(key)) throw new ApiError(ErrorCode.InvalidKey, "identityKey is not a valid Curve25519 public key");
  return key;
}

export async function validateSignedPreKey(identityKey: Uint8Array, input: SignedPreKey, field: string): Promise<SignedKey> {
  const key = { keyId: input.keyId, publicKey: decodeBase64(input.publicKey, field), signature: decodeBase64(input.signature, field) };
  if (!isValidPublicKey(key.publicKey)) throw new ApiError(ErrorCode.InvalidKey, `${field} is not a valid Curve25519 public key`, { field });
  if (!(await verifySignedPreKey(identityKey, key.publicKey, key.signature))) {
    throw new ApiError(ErrorCode.InvalidSignature, `${field} signature does not verify with the identity key`, { field });
  }
  return key;
}

export async function validateKyberPreKey(identityKey: Uint8Array, input: KyberPreKey, field: string): Promise<SignedKey> {
  const key = { keyId: input.keyId, publicKey: decodeBase64(input.publicKey, field), signature: decodeBase64(input.signature, field) };
  if (!(await verifyKyberPreKey(identityKey, key.publicKey, key.signature))) {
    throw new ApiError(ErrorCode.InvalidSignature, `${field} is not a Kyber-1024 key signed by the identity key`, { field });
  }
  return key;
}

export function validateOneTimePreKey(input: OneTimePreKey, field: string): OneTimeKey {
  const key = { keyId: input.keyId, publicKey: decodeBase64(input.publicKey, field) };
  if (!isValidPublicKey(key.publicKey)) throw new ApiError(ErrorCode.InvalidKey, `${field} is not a valid Curve25519 public key`, { field });
  return key;
}

/** Refuses a list that names one key id twice: the store would keep only one of them. */
export function requireDistinctIds(keys: readonly { keyId: number }[], field: string): void {
  const ids = new Set<number>();
  for (const key of keys) {
    if (ids.has(key.keyId)) throw new ApiError(ErrorCode.InvalidRequest, `${field} repeats key id ${key.keyId}`, { field });
    ids.add(key.keyId);
  }
}
