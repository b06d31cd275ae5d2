// A participant backed by libsignal-client (the reference implementation, a test-only
// dependency), with in-memory stores, for interoperability tests and the benchmark.
import * as ls from "@signalapp/libsignal-client";

type Bytes = Uint8Array<ArrayBuffer>;
export const bytes = (b: Uint8Array): Bytes => new Uint8Array(b) as Bytes;

class SessionStore extends ls.SessionStore {
  private readonly sessions = new Map<string, Bytes>();
  async saveSession(name: ls.ProtocolAddress, record: ls.SessionRecord): Promise<void> {
    this.sessions.set(name.toString(), record.serialize());
  }
  async getSession(name: ls.ProtocolAddress): Promise<ls.SessionRecord | null> {
    const b = this.sessions.get(name.toString());
    return b ? ls.SessionRecord.deserialize(b) : null;
  }
  async getExistingSessions(addresses: ls.ProtocolAddress[]): Promise<ls.SessionRecord[]> {
    return Promise.all(addresses.map(async (a) => (await this.getSession(a))!));
  }
}

class IdentityStore extends ls.IdentityKeyStore {
  private readonly identities = new Map<string, ls.PublicKey>();
  constructor(
    private readonly identity: ls.IdentityKeyPair,
    private readonly registrationId: number,
  ) {
    super();
  }
  async getIdentityKey(): Promise<ls.PrivateKey> {
    return this.identity.privateKey;
  }
  async getLocalRegistrationId(): Promise<number> {
    return this.registrationId;
  }
  async saveIdentity(name: ls.ProtocolAddress, key: ls.PublicKey): Promise<ls.IdentityChange> {
    const existing = this.identities.get(name.toString());
    this.identities.set(name.toString(), key);
    return existing && !existing.equals(key) ? ls.IdentityChange.ReplacedExisting : ls.IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(name: ls.ProtocolAddress, key: ls.PublicKey): Promise<boolean> {
    const existing = this.identities.get(name.toString());
    return !existing || existing.equals(key);
  }
  async getIdentity(name: ls.ProtocolAddress): Promise<ls.PublicKey | null> {
    return this.identities.get(name.toString()) ?? null;
  }
}

class PreKeyStore extends ls.PreKeyStore {
  readonly keys = new Map<number, ls.PreKeyRecord>();
  async savePreKey(id: number, record: ls.PreKeyRecord): Promise<void> {
    this.keys.set(id, record);
  }
  async getPreKey(id: number): Promise<ls.PreKeyRecord> {
    const k = this.keys.get(id);
    if (!k) throw new Error(`no prekey ${id}`);
    return k;
  }
  async removePreKey(id: number): Promise<void> {
    this.keys.delete(id);
  }
}

class SignedPreKeyStore extends ls.SignedPreKeyStore {
  readonly keys = new Map<number, ls.SignedPreKeyRecord>();
  async saveSignedPreKey(id: number, record: ls.SignedPreKeyRecord): Promise<void> {
    this.keys.set(id, record);
  }
  async getSignedPreKey(id: number): Promise<ls.SignedPreKeyRecord> {
    const k = this.keys.get(id);
    if (!k) throw new Error(`no signed prekey ${id}`);
    return k;
  }
}

class KyberPreKeyStore extends ls.KyberPreKeyStore {
  readonly keys = new Map<number, ls.KyberPreKeyRecord>();
  readonly used: number[] = [];
  async saveKyberPreKey(id: number, record: ls.KyberPreKeyRecord): Promise<void> {
    this.keys.set(id, record);
  }
  async getKyberPreKey(id: number): Promise<ls.KyberPreKeyRecord> {
    const k = this.keys.get(id);
    if (!k) throw new Error(`no kyber prekey ${id}`);
    return k;
  }
  async markKyberPreKeyUsed(id: number): Promise<void> {
    this.used.push(id);
  }
}

export interface RawBundle {
  registrationId: number;
  deviceId: number;
  preKeyId: number;
  preKey: Uint8Array;
  signedPreKeyId: number;
  signedPreKey: Uint8Array;
  signedPreKeySignature: Uint8Array;
  identityKey: Uint8Array;
  kyberPreKeyId: number;
  kyberPreKey: Uint8Array;
  kyberPreKeySignature: Uint8Array;
}

export class LibsignalParty {
  readonly identity = ls.IdentityKeyPair.generate();
  readonly address: ls.ProtocolAddress;
  readonly sessions = new SessionStore();
  readonly identities: IdentityStore;
  readonly preKeys = new PreKeyStore();
  readonly signedPreKeys = new SignedPreKeyStore();
  readonly kyberPreKeys = new KyberPreKeyStore();
  private nextId = 1;

  constructor(
    readonly name: string,
    readonly deviceId = 1,
    readonly registrationId = 2000 + deviceId,
  ) {
    this.address = ls.ProtocolAddress.new(name, deviceId);
    this.identities = new IdentityStore(this.identity, registrationId);
  }

  addressOf(name: string, deviceId = 1): ls.ProtocolAddress {
    return ls.ProtocolAddress.new(name, deviceId);
  }

  /** Fresh keys, stored, returned as raw bytes for the other implementation. */
  async bundle(): Promise<RawBundle> {
    const id = this.nextId++;
    const preKey = ls.PrivateKey.generate();
    const signed = ls.PrivateKey.generate();
    const signedSig = this.identity.privateKey.sign(signed.getPublicKey().serialize());
    const kyber = ls.KEMKeyPair.generate();
    const kyberSig = this.identity.privateKey.sign(kyber.getPublicKey().serialize());
    await this.preKeys.savePreKey(id, ls.PreKeyRecord.new(id, preKey.getPublicKey(), preKey));
    await this.signedPreKeys.saveSignedPreKey(id, ls.SignedPreKeyRecord.new(id, Date.now(), signed.getPublicKey(), signed, signedSig));
    await this.kyberPreKeys.saveKyberPreKey(id, ls.KyberPreKeyRecord.new(id, Date.now(), kyber, kyberSig));
    return {
      registrationId: this.registrationId,
      deviceId: this.deviceId,
      preKeyId: id,
      preKey: preKey.getPublicKey().serialize(),
      signedPreKeyId: id,
      signedPreKey: signed.getPublicKey().serialize(),
      signedPreKeySignature: signedSig,
      identityKey: this.identity.publicKey.serialize(),
      kyberPreKeyId: id,
      kyberPreKey: kyber.getPublicKey().serialize(),
      kyberPreKeySignature: kyberSig,
    };
  }

  async processBundle(peer: ls.ProtocolAddress, b: RawBundle & { preKeyId?: number; preKey?: Uint8Array }): Promise<void> {
    const bundle = ls.PreKeyBundle.new(
      b.registrationId,
      b.deviceId,
      b.preKeyId ?? null,
      b.preKey ? ls.PublicKey.deserialize(bytes(b.preKey)) : null,
      b.signedPreKeyId,
      ls.PublicKey.deserialize(bytes(b.signedPreKey)),
      bytes(b.signedPreKeySignature),
      ls.PublicKey.deserialize(bytes(b.identityKey)),
      b.kyberPreKeyId,
      ls.KEMPublicKey.deserialize(bytes(b.kyberPreKey)),
      bytes(b.kyberPreKeySignature),
    );
    await ls.processPreKeyBundle(bundle, peer, this.sessions, this.identities);
  }

  async encrypt(peer: ls.ProtocolAddress, plaintext: Uint8Array): Promise<{ type: number; body: Uint8Array }> {
    const message = await ls.signalEncrypt(bytes(plaintext), peer, this.sessions, this.identities);
    return { type: message.type(), body: message.serialize() };
  }

  async decrypt(peer: ls.ProtocolAddress, message: { type: number; body: Uint8Array }): Promise<Uint8Array> {
    if (message.type === ls.CiphertextMessageType.PreKey) {
      return ls.signalDecryptPreKey(
        ls.PreKeySignalMessage.deserialize(bytes(message.body)),
        peer,
        this.sessions,
        this.identities,
        this.preKeys,
        this.signedPreKeys,
        this.kyberPreKeys,
      );
    }
    return ls.signalDecrypt(ls.SignalMessage.deserialize(bytes(message.body)), peer, this.sessions, this.identities);
  }
}
