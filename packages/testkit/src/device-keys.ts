// Real Signal keys for tests: an identity, a signed prekey and Kyber keys signed by it, encoded
// as the API expects them.
import type { KyberPreKey, OneTimePreKey, SignedPreKey } from "@parley/protocol";
import { KeyPair, generateKyberPreKey, generatePreKeys, generateSignedPreKey, secureRandom } from "@parley/signal";

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

export interface DeviceKeys {
  readonly identity: KeyPair;
  readonly identityKey: string;
  readonly registrationId: number;
  readonly signedPreKey: SignedPreKey;
  readonly pqLastResortPreKey: KyberPreKey;
}

export function makeIdentity(): KeyPair {
  return KeyPair.generate(secureRandom);
}

export function makeDeviceKeys(identity: KeyPair = makeIdentity(), registrationId = 1 + Math.floor(Math.random() * 16000)): DeviceKeys {
  return {
    identity,
    identityKey: b64(identity.publicKey.serialize()),
    registrationId,
    signedPreKey: makeSignedPreKey(identity, 1),
    pqLastResortPreKey: makeKyberPreKey(identity, 1),
  };
}

export function makeSignedPreKey(identity: KeyPair, keyId: number): SignedPreKey {
  const record = generateSignedPreKey(identity, keyId, Date.now(), secureRandom);
  return { keyId, publicKey: b64(record.keyPair.publicKey.serialize()), signature: b64(record.signature) };
}

export function makeKyberPreKey(identity: KeyPair, keyId: number): KyberPreKey {
  const record = generateKyberPreKey(identity, keyId, Date.now(), secureRandom);
  return { keyId, publicKey: b64(record.keyPair.publicKey.serialize()), signature: b64(record.signature) };
}

export function makePreKeys(startId: number, count: number): OneTimePreKey[] {
  return generatePreKeys(startId, count, secureRandom).map((r) => ({ keyId: r.id, publicKey: b64(r.keyPair.publicKey.serialize()) }));
}
