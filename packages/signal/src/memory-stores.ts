// In-memory implementations of the storage ports, for tests and short-lived clients. Records
// are kept serialized and parsed on load, so callers get private copies and the serialization
// is exercised on every operation, exactly as a persistent store would.
import type { ProtocolAddress } from "./address.js";
import { toHex } from "./bytes.js";
import type { KeyPair, PublicKey } from "./curve.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import { KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from "./prekey-records.js";
import { SessionRecord } from "./session-record.js";
import type { Direction, IdentityKeyStore, KyberPreKeyStore, PreKeyStore, SessionStore, SignedPreKeyStore } from "./stores.js";

/** Trust on first use; afterwards only the saved key, until `saveIdentity` replaces it. */
export class InMemoryIdentityKeyStore implements IdentityKeyStore {
  private readonly identities = new Map<string, PublicKey>();

  constructor(
    private readonly identity: KeyPair,
    private readonly registrationId: number,
  ) {}

  async getIdentityKeyPair(): Promise<KeyPair> {
    return this.identity;
  }

  async getLocalRegistrationId(): Promise<number> {
    return this.registrationId;
  }

  async saveIdentity(address: ProtocolAddress, identityKey: PublicKey): Promise<boolean> {
    const existing = this.identities.get(address.toString());
    this.identities.set(address.toString(), identityKey);
    return existing !== undefined && !existing.equals(identityKey);
  }

  async isTrustedIdentity(address: ProtocolAddress, identityKey: PublicKey, _direction: Direction): Promise<boolean> {
    const existing = this.identities.get(address.toString());
    return existing === undefined || existing.equals(identityKey);
  }

  async getIdentity(address: ProtocolAddress): Promise<PublicKey | undefined> {
    return this.identities.get(address.toString());
  }
}

export class InMemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Uint8Array>();

  async loadSession(address: ProtocolAddress): Promise<SessionRecord | undefined> {
    const bytes = this.sessions.get(address.toString());
    return bytes && SessionRecord.deserialize(bytes);
  }

  async storeSession(address: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.sessions.set(address.toString(), record.serialize());
  }
}

export class InMemoryPreKeyStore implements PreKeyStore {
  private readonly keys = new Map<number, Uint8Array>();

  async loadPreKey(id: number): Promise<PreKeyRecord | undefined> {
    const bytes = this.keys.get(id);
    return bytes && PreKeyRecord.deserialize(bytes);
  }

  async storePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.keys.set(id, record.serialize());
  }

  async removePreKey(id: number): Promise<void> {
    this.keys.delete(id);
  }
}

export class InMemorySignedPreKeyStore implements SignedPreKeyStore {
  private readonly keys = new Map<number, Uint8Array>();

  async loadSignedPreKey(id: number): Promise<SignedPreKeyRecord | undefined> {
    const bytes = this.keys.get(id);
    return bytes && SignedPreKeyRecord.deserialize(bytes);
  }

  async storeSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.keys.set(id, record.serialize());
  }
}

/** Keys stored with `lastResort` survive use; one-time keys are removed when used. */
export class InMemoryKyberPreKeyStore implements KyberPreKeyStore {
  private readonly keys = new Map<number, { bytes: Uint8Array; lastResort: boolean }>();
  /** `kyberId:signedId:baseKeyHex` of every PreKey message that used a last-resort key. */
  private readonly usedBaseKeys = new Set<string>();

  async loadKyberPreKey(id: number): Promise<KyberPreKeyRecord | undefined> {
    const entry = this.keys.get(id);
    return entry && KyberPreKeyRecord.deserialize(entry.bytes);
  }

  async storeKyberPreKey(id: number, record: KyberPreKeyRecord, lastResort = false): Promise<void> {
    this.keys.set(id, { bytes: record.serialize(), lastResort });
  }

  async markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
    const entry = this.keys.get(id);
    if (!entry) return;
    if (!entry.lastResort) {
      this.keys.delete(id);
      return;
    }
    const use = `${id}:${signedPreKeyId}:${toHex(baseKey.raw)}`;
    if (this.usedBaseKeys.has(use)) throw new SignalError(SignalErrorCode.ReusedBaseKey, "base key already used with this last-resort key");
    this.usedBaseKeys.add(use);
  }
}
