// The prekeys a device publishes and keeps the private halves of, with their own versioned
// serialization (a format byte, then protobuf) so stores can persist them.
import { KeyPair, PrivateKey, PublicKey } from "./curve.js";
import { KemKeyPair, KemPublicKey, KemSecretKey } from "./kem.js";
import { optionalUint53, readFields, requireBytes, requireUint32, writeBytes, writeUint32, writeUint53 } from "./proto.js";
import type { RandomSource } from "./random.js";
import { decodeStored, encodeStored } from "./stored-format.js";

function decode<T>(bytes: Uint8Array, what: string, parse: (fields: ReturnType<typeof readFields>) => T): T {
  return decodeStored(bytes, what, (body) => parse(readFields(body, what)));
}

export class PreKeyRecord {
  constructor(
    readonly id: number,
    readonly keyPair: KeyPair,
  ) {}

  serialize(): Uint8Array {
    return encodeStored((w) => {
      writeUint32(w, 1, this.id);
      writeBytes(w, 2, this.keyPair.publicKey.serialize());
      writeBytes(w, 3, this.keyPair.privateKey.serialize());
    });
  }

  static deserialize(bytes: Uint8Array): PreKeyRecord {
    return decode(bytes, "prekey record", (f) => {
      const keyPair = new KeyPair(PublicKey.deserialize(requireBytes(f, 2, "public key")), PrivateKey.deserialize(requireBytes(f, 3, "private key")));
      return new PreKeyRecord(requireUint32(f, 1, "id"), keyPair);
    });
  }
}

export class SignedPreKeyRecord {
  constructor(
    readonly id: number,
    /** Milliseconds since the epoch when the key was made; clients rotate on age. */
    readonly timestamp: number,
    readonly keyPair: KeyPair,
    readonly signature: Uint8Array,
  ) {}

  serialize(): Uint8Array {
    return encodeStored((w) => {
      writeUint32(w, 1, this.id);
      writeUint53(w, 2, this.timestamp);
      writeBytes(w, 3, this.keyPair.publicKey.serialize());
      writeBytes(w, 4, this.keyPair.privateKey.serialize());
      writeBytes(w, 5, this.signature);
    });
  }

  static deserialize(bytes: Uint8Array): SignedPreKeyRecord {
    return decode(bytes, "signed prekey record", (f) => {
      const keyPair = new KeyPair(PublicKey.deserialize(requireBytes(f, 3, "public key")), PrivateKey.deserialize(requireBytes(f, 4, "private key")));
      return new SignedPreKeyRecord(requireUint32(f, 1, "id"), optionalUint53(f, 2, "timestamp") ?? 0, keyPair, requireBytes(f, 5, "signature", 64));
    });
  }
}

export class KyberPreKeyRecord {
  constructor(
    readonly id: number,
    readonly timestamp: number,
    readonly keyPair: KemKeyPair,
    readonly signature: Uint8Array,
  ) {}

  serialize(): Uint8Array {
    return encodeStored((w) => {
      writeUint32(w, 1, this.id);
      writeUint53(w, 2, this.timestamp);
      writeBytes(w, 3, this.keyPair.publicKey.serialize());
      writeBytes(w, 4, this.keyPair.secretKey.serialize());
      writeBytes(w, 5, this.signature);
    });
  }

  static deserialize(bytes: Uint8Array): KyberPreKeyRecord {
    return decode(bytes, "Kyber prekey record", (f) => {
      const keyPair = new KemKeyPair(KemPublicKey.deserialize(requireBytes(f, 3, "public key")), KemSecretKey.deserialize(requireBytes(f, 4, "secret key")));
      return new KyberPreKeyRecord(requireUint32(f, 1, "id"), optionalUint53(f, 2, "timestamp") ?? 0, keyPair, requireBytes(f, 5, "signature", 64));
    });
  }
}

/** A fresh signed prekey: the identity key signs the 33-byte serialized public key. */
export function generateSignedPreKey(identity: KeyPair, id: number, timestamp: number, random: RandomSource): SignedPreKeyRecord {
  const keyPair = KeyPair.generate(random);
  return new SignedPreKeyRecord(id, timestamp, keyPair, identity.privateKey.sign(keyPair.publicKey.serialize(), random));
}

/** A fresh Kyber prekey: the signature covers the 1569-byte serialized KEM public key. */
export function generateKyberPreKey(identity: KeyPair, id: number, timestamp: number, random: RandomSource): KyberPreKeyRecord {
  const keyPair = KemKeyPair.generate(random);
  return new KyberPreKeyRecord(id, timestamp, keyPair, identity.privateKey.sign(keyPair.publicKey.serialize(), random));
}

/** `count` one-time EC prekeys with consecutive ids from `startId`. */
export function generatePreKeys(startId: number, count: number, random: RandomSource): PreKeyRecord[] {
  return Array.from({ length: count }, (_, i) => new PreKeyRecord(startId + i, KeyPair.generate(random)));
}
