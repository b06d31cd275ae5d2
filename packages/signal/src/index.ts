// @parley/signal: the Signal Protocol, wire-compatible with libsignal. Isomorphic and pure:
// stores, time (`now`) and randomness are parameters of every operation that needs them.

export { ProtocolAddress } from "./address.js";
export { SignalError, SignalErrorCode, isSignalError } from "./errors.js";
export { secureRandom, type RandomSource } from "./random.js";
export { KeyPair, PrivateKey, PublicKey } from "./curve.js";
export { KemKeyPair, KemPublicKey, KemSecretKey } from "./kem.js";

export type { PreKeyBundle } from "./prekey-bundle.js";
export {
  KyberPreKeyRecord,
  PreKeyRecord,
  SignedPreKeyRecord,
  generateKyberPreKey,
  generatePreKeys,
  generateSignedPreKey,
} from "./prekey-records.js";

export {
  Direction,
  type IdentityKeyStore,
  type KyberPreKeyStore,
  type PreKeyStore,
  type SenderKeyStore,
  type SessionStore,
  type SignedPreKeyStore,
} from "./stores.js";
export {
  InMemoryIdentityKeyStore,
  InMemoryKyberPreKeyStore,
  InMemoryPreKeyStore,
  InMemorySessionStore,
  InMemorySignedPreKeyStore,
} from "./memory-stores.js";
export { InMemorySenderKeyStore } from "./memory-sender-key-store.js";

export { SessionRecord } from "./session-record.js";
export { processPreKeyBundle } from "./session-builder.js";
export {
  CiphertextMessageType,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
  type CiphertextMessage,
  type PreKeyStores,
} from "./session-cipher.js";
export { PreKeySignalMessage } from "./prekey-signal-message.js";
export { SignalMessage } from "./signal-message.js";

export { SenderKeyRecord } from "./sender-key-record.js";
export { SenderKeyDistributionMessage, SenderKeyMessage } from "./sender-key-messages.js";
export {
  createSenderKeyDistributionMessage,
  groupDecrypt,
  groupEncrypt,
  processSenderKeyDistributionMessage,
} from "./group-cipher.js";

export { DisplayableFingerprint, Fingerprint, ScannableFingerprint } from "./fingerprint.js";
