// The Signal Protocol's storage ports over a unit of work: every read sees the unit's own writes,
// and every write reaches the store only when the unit commits. Bind one instance to each unit
// (`runner.run(async (tx) => { const stores = new SignalStores(tx, options); ... })`): an operation
// that fails, or whose caller rejects, then leaves sessions, prekeys and identities as they were.
// Records are stored in the signal package's own serializations, under the keys of ./keys.ts.
import {
  Direction,
  KyberPreKeyRecord,
  PreKeyRecord,
  SenderKeyRecord,
  SessionRecord,
  SignalError,
  SignalErrorCode,
  SignedPreKeyRecord,
  type IdentityKeyStore,
  type KeyPair,
  type KyberPreKeyStore,
  type PreKeyStore,
  type PreKeyStores,
  type ProtocolAddress,
  type PublicKey,
  type SenderKeyStore,
  type SessionStore,
  type SignedPreKeyStore,
} from "@parley/signal";
import {
  decodeIdentityRecord,
  decodeLocalIdentity,
  encodeIdentityRecord,
  encodeLocalIdentity,
  type IdentityRecord,
  type LocalIdentity,
} from "./identity-records.js";
import { StoragePrefix, storageKeys, trailingNumber } from "./keys.js";
import { StorageError, StorageErrorCode } from "./storage-error.js";
import { toHex } from "../util/bytes.js";
import { nextCounter } from "./counters.js";
import type { UnitOfWork } from "./unit-of-work.js";

export interface SignalStoresOptions {
  /** Stamps identity records (firstSeenAt, changedAt) and last-resort key uses. */
  readonly clock: { now(): number };
  /**
   * When another account's identity key changes, whether sending to it stops until the user
   * accepts the new key (status "changed"; the default) or goes on (status "accepted").
   */
  readonly blockOnIdentityChange?: boolean;
}

const text = new TextEncoder();

export class SignalStores implements IdentityKeyStore, SessionStore, PreKeyStore, SignedPreKeyStore, KyberPreKeyStore, SenderKeyStore {
  readonly #tx: UnitOfWork;
  readonly #clock: { now(): number };
  readonly #blockOnChange: boolean;
  readonly #changed = new Set<string>();
  #local: LocalIdentity | undefined;

  constructor(tx: UnitOfWork, options: SignalStoresOptions) {
    this.#tx = tx;
    this.#clock = options.clock;
    this.#blockOnChange = options.blockOnIdentityChange ?? true;
  }

  /** This object in every role `signalDecryptPreKey` needs. */
  get preKeyStores(): PreKeyStores {
    return { sessionStore: this, identityStore: this, preKeyStore: this, signedPreKeyStore: this, kyberPreKeyStore: this };
  }

  // Local identity.

  async localIdentity(): Promise<LocalIdentity | undefined> {
    if (this.#local === undefined) {
      const bytes = await this.#tx.get(storageKeys.localIdentity());
      this.#local = bytes && decodeLocalIdentity(bytes);
    }
    return this.#local;
  }

  /** Sets (or replaces, on re-registration) this device's identity. */
  async setLocalIdentity(identity: LocalIdentity): Promise<void> {
    this.#tx.put(storageKeys.localIdentity(), encodeLocalIdentity(identity));
    this.#local = identity;
  }

  async getIdentityKeyPair(): Promise<KeyPair> {
    return (await this.#requireLocal()).identityKeyPair;
  }

  async getLocalRegistrationId(): Promise<number> {
    return (await this.#requireLocal()).registrationId;
  }

  async #requireLocal(): Promise<LocalIdentity> {
    const local = await this.localIdentity();
    if (local === undefined) throw new StorageError(StorageErrorCode.NoLocalIdentity, "no local identity stored");
    return local;
  }

  // Other accounts' identities: one key per account, shared by its devices.

  async identityRecord(accountId: string): Promise<IdentityRecord | undefined> {
    const bytes = await this.#tx.get(storageKeys.identity(accountId));
    return bytes && decodeIdentityRecord(bytes);
  }

  /**
   * Stores `identityKey` as the account's key. Returns true when it replaced a different key; the
   * new key is then "changed" (or "accepted" without blockOnIdentityChange) and the account is
   * listed in `changedIdentities`. Saving the same key again changes nothing.
   */
  async saveIdentity(address: ProtocolAddress, identityKey: PublicKey): Promise<boolean> {
    const existing = await this.identityRecord(address.name);
    if (existing?.publicKey.equals(identityKey) === true) return false;
    const now = this.#clock.now();
    if (existing === undefined) {
      this.#putIdentity(address.name, { publicKey: identityKey, status: "first-use", firstSeenAt: now });
      return false;
    }
    const status = this.#blockOnChange ? "changed" : "accepted";
    this.#putIdentity(address.name, { publicKey: identityKey, status, firstSeenAt: now, changedAt: now });
    this.#changed.add(address.name);
    return true;
  }

  /**
   * Receiving is always trusted: a changed key must not make incoming messages undecryptable (the
   * caller learns of the change from `changedIdentities` and tells the user). Sending is trusted
   * on first use, then only to the saved key, and not while a change awaits acceptance.
   */
  async isTrustedIdentity(address: ProtocolAddress, identityKey: PublicKey, direction: Direction): Promise<boolean> {
    if (direction === Direction.Receiving) return true;
    const existing = await this.identityRecord(address.name);
    if (existing === undefined) return true;
    return existing.publicKey.equals(identityKey) && existing.status !== "changed";
  }

  async getIdentity(address: ProtocolAddress): Promise<PublicKey | undefined> {
    return (await this.identityRecord(address.name))?.publicKey;
  }

  /**
   * The user accepts the account's current key (which unblocks sending after a change), or, given
   * `publicKey`, that key in place of the saved one. A verified key stays verified. Returns the
   * record as stored now, or undefined when nothing is known of the account and no key is given.
   */
  async acceptIdentity(accountId: string, publicKey?: PublicKey): Promise<IdentityRecord | undefined> {
    const existing = await this.identityRecord(accountId);
    const now = this.#clock.now();
    let record: IdentityRecord | undefined;
    if (publicKey !== undefined && (existing === undefined || !existing.publicKey.equals(publicKey))) {
      record = { publicKey, status: "accepted", firstSeenAt: now, ...(existing === undefined ? {} : { changedAt: now }) };
    } else if (existing !== undefined) {
      record = existing.status === "verified" ? existing : { ...existing, status: "accepted" };
    }
    if (record !== undefined && record !== existing) this.#putIdentity(accountId, record);
    return record;
  }

  /**
   * Marks the account's key verified (the user compared safety numbers computed from
   * `publicKey`). Returns false, changing nothing, when `publicKey` is not the saved key.
   */
  async markVerified(accountId: string, publicKey: PublicKey): Promise<boolean> {
    const existing = await this.identityRecord(accountId);
    if (existing === undefined || !existing.publicKey.equals(publicKey)) return false;
    if (existing.status !== "verified") this.#putIdentity(accountId, { ...existing, status: "verified" });
    return true;
  }

  /** Accounts whose identity key `saveIdentity` replaced through this object. */
  get changedIdentities(): ReadonlySet<string> {
    return this.#changed;
  }

  #putIdentity(accountId: string, record: IdentityRecord): void {
    this.#tx.put(storageKeys.identity(accountId), encodeIdentityRecord(record));
  }

  // Sessions.

  async loadSession(address: ProtocolAddress): Promise<SessionRecord | undefined> {
    const bytes = await this.#tx.get(storageKeys.session(address.name, address.deviceId));
    return bytes && SessionRecord.deserialize(bytes);
  }

  async storeSession(address: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.#tx.put(storageKeys.session(address.name, address.deviceId), record.serialize());
  }

  /** The device ids of `accountId` with a stored session, ascending. */
  async sessionDevices(accountId: string): Promise<number[]> {
    return this.#idsUnder(storageKeys.sessionsOf(accountId));
  }

  async deleteSession(accountId: string, deviceId: number): Promise<void> {
    this.#tx.delete(storageKeys.session(accountId, deviceId));
  }

  async deleteSessions(accountId: string): Promise<void> {
    await this.#deleteUnder(storageKeys.sessionsOf(accountId));
  }

  // One-time EC prekeys.

  async loadPreKey(id: number): Promise<PreKeyRecord | undefined> {
    const bytes = await this.#tx.get(storageKeys.preKey(id));
    return bytes && PreKeyRecord.deserialize(bytes);
  }

  async storePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.#tx.put(storageKeys.preKey(id), record.serialize());
  }

  async removePreKey(id: number): Promise<void> {
    this.#tx.delete(storageKeys.preKey(id));
  }

  async countPreKeys(): Promise<number> {
    return (await this.#tx.scan(StoragePrefix.preKey)).length;
  }

  // Signed prekeys.

  async loadSignedPreKey(id: number): Promise<SignedPreKeyRecord | undefined> {
    const bytes = await this.#tx.get(storageKeys.signedPreKey(id));
    return bytes && SignedPreKeyRecord.deserialize(bytes);
  }

  async storeSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.#tx.put(storageKeys.signedPreKey(id), record.serialize());
  }

  async signedPreKeyIds(): Promise<number[]> {
    return this.#idsUnder(StoragePrefix.signedPreKey);
  }

  /** Removes every signed prekey but those in `keep` (after a rotation); returns the removed ids. */
  async removeSignedPreKeysExcept(keep: Iterable<number>): Promise<number[]> {
    const kept = new Set(keep);
    const removed = (await this.signedPreKeyIds()).filter((id) => !kept.has(id));
    for (const id of removed) this.#tx.delete(storageKeys.signedPreKey(id));
    return removed;
  }

  // Kyber prekeys: one-time keys are removed when used; last-resort keys stay and remember the
  // (signed prekey id, base key) of every use, as InMemoryKyberPreKeyStore does.

  async loadKyberPreKey(id: number): Promise<KyberPreKeyRecord | undefined> {
    const bytes = (await this.#tx.get(storageKeys.kyberPreKey(id))) ?? (await this.#tx.get(storageKeys.lastResortKyberPreKey(id)));
    return bytes && KyberPreKeyRecord.deserialize(bytes);
  }

  /** Stores a one-time key, or with `lastResort` a last-resort key; an id holds one kind at a time. */
  async storeKyberPreKey(id: number, record: KyberPreKeyRecord, lastResort = false): Promise<void> {
    const [key, other] = lastResort
      ? [storageKeys.lastResortKyberPreKey(id), storageKeys.kyberPreKey(id)]
      : [storageKeys.kyberPreKey(id), storageKeys.lastResortKyberPreKey(id)];
    this.#tx.put(key, record.serialize());
    this.#tx.delete(other);
  }

  async markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
    if ((await this.#tx.get(storageKeys.kyberPreKey(id))) !== undefined) {
      this.#tx.delete(storageKeys.kyberPreKey(id));
      return;
    }
    if ((await this.#tx.get(storageKeys.lastResortKyberPreKey(id))) === undefined) return;
    const use = storageKeys.kyberUsed(id, signedPreKeyId, toHex(baseKey.raw));
    if ((await this.#tx.get(use)) !== undefined) {
      throw new SignalError(SignalErrorCode.ReusedBaseKey, "base key already used with this last-resort key");
    }
    this.#tx.put(use, text.encode(String(this.#clock.now())));
  }

  /** One-time Kyber prekeys held; last-resort keys are not counted. */
  async countKyberPreKeys(): Promise<number> {
    return (await this.#tx.scan(StoragePrefix.kyberPreKey)).length;
  }

  async lastResortKyberPreKeyIds(): Promise<number[]> {
    return this.#idsUnder(StoragePrefix.lastResortKyberPreKey);
  }

  /** Removes a Kyber prekey of either kind, with the base keys remembered for it. */
  async removeKyberPreKey(id: number): Promise<void> {
    this.#tx.delete(storageKeys.kyberPreKey(id));
    this.#tx.delete(storageKeys.lastResortKyberPreKey(id));
    await this.#deleteUnder(storageKeys.kyberUsesOf(id));
  }

  /** Removes every last-resort key but those in `keep` (after a rotation); returns the removed ids. */
  async removeLastResortKyberPreKeysExcept(keep: Iterable<number>): Promise<number[]> {
    const kept = new Set(keep);
    const removed = (await this.lastResortKyberPreKeyIds()).filter((id) => !kept.has(id));
    for (const id of removed) await this.removeKyberPreKey(id);
    return removed;
  }

  // Sender keys.

  async loadSenderKey(sender: ProtocolAddress, distributionId: string): Promise<SenderKeyRecord | undefined> {
    const bytes = await this.#tx.get(storageKeys.senderKey(distributionId, sender.name, sender.deviceId));
    return bytes && SenderKeyRecord.deserialize(bytes);
  }

  async storeSenderKey(sender: ProtocolAddress, distributionId: string, record: SenderKeyRecord): Promise<void> {
    this.#tx.put(storageKeys.senderKey(distributionId, sender.name, sender.deviceId), record.serialize());
  }

  // Counters.

  /**
   * Reserves `count` consecutive values of the counter `name` and returns the first. Values start
   * at 1 and never repeat (as long as the unit commits); callers map them into their id space.
   */
  nextCounter(name: string, count = 1): Promise<number> {
    return nextCounter(this.#tx, name, count);
  }


  async #idsUnder(prefix: string): Promise<number[]> {
    const ids: number[] = [];
    for (const { key } of await this.#tx.scan(prefix)) {
      const id = trailingNumber(key);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  }

  async #deleteUnder(prefix: string): Promise<void> {
    for (const { key } of await this.#tx.scan(prefix)) this.#tx.delete(key);
  }
}

