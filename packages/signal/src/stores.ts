// The storage ports of the protocol. The core never keeps state of its own between calls: it
// loads what it needs, computes on copies, and stores results only when an operation succeeds,
// so a failed decrypt never changes stored state. Implementations must make each `store*` call
// durable before it resolves if sessions are to survive a crash; every call for one address is
// made by one operation at a time (callers serialise operations per address).
import type { ProtocolAddress } from "./address.js";
import type { KeyPair, PublicKey } from "./curve.js";
import type { KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from "./prekey-records.js";
import type { SenderKeyRecord } from "./sender-key-record.js";
import type { SessionRecord } from "./session-record.js";

export const Direction = { Sending: "sending", Receiving: "receiving" } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

export interface IdentityKeyStore {
  getIdentityKeyPair(): Promise<KeyPair>;
  getLocalRegistrationId(): Promise<number>;
  /**
   * Records `identityKey` as the one seen for `address`. Returns true when it replaced a
   * different key (the contact's identity changed), false when new or unchanged.
   */
  saveIdentity(address: ProtocolAddress, identityKey: PublicKey): Promise<boolean>;
  /**
   * Whether `identityKey` may be used for `address` in `direction`. The usual policy: trust on
   * first use, then only the saved key until the user accepts a change.
   */
  isTrustedIdentity(address: ProtocolAddress, identityKey: PublicKey, direction: Direction): Promise<boolean>;
  getIdentity(address: ProtocolAddress): Promise<PublicKey | undefined>;
}

export interface SessionStore {
  /** Returns a record the caller may mutate freely (a copy, or a freshly parsed one). */
  loadSession(address: ProtocolAddress): Promise<SessionRecord | undefined>;
  storeSession(address: ProtocolAddress, record: SessionRecord): Promise<void>;
}

export interface PreKeyStore {
  loadPreKey(id: number): Promise<PreKeyRecord | undefined>;
  storePreKey(id: number, record: PreKeyRecord): Promise<void>;
  /** Idempotent: removing an absent key is not an error. */
  removePreKey(id: number): Promise<void>;
}

export interface SignedPreKeyStore {
  loadSignedPreKey(id: number): Promise<SignedPreKeyRecord | undefined>;
  storeSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void>;
}

export interface KyberPreKeyStore {
  loadKyberPreKey(id: number): Promise<KyberPreKeyRecord | undefined>;
  storeKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void>;
  /**
   * Called when a PreKey message that used this key decrypted, before its session is stored. A
   * one-time Kyber key must be removed. A last-resort key stays, but the store must remember
   * (signed prekey id, base key) for it and reject a repeat with REUSED_BASE_KEY: once the
   * session has left the record, that is the only defence against a replayed first message.
   */
  markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void>;
}

export interface SenderKeyStore {
  /** `distributionId` is the group distribution's UUID in canonical lower-case text form. */
  loadSenderKey(sender: ProtocolAddress, distributionId: string): Promise<SenderKeyRecord | undefined>;
  storeSenderKey(sender: ProtocolAddress, distributionId: string, record: SenderKeyRecord): Promise<void>;
}
