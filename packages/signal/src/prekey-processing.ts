// Bob's side of a session start: on a PreKey message, find or build the session it belongs to.
import type { ProtocolAddress } from "./address.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import type { PreKeySignalMessage } from "./prekey-signal-message.js";
import { initializeBobSession } from "./pqxdh.js";
import type { SessionRecord } from "./session-record.js";
import { CIPHERTEXT_MESSAGE_VERSION } from "./signal-message.js";
import { Direction, type IdentityKeyStore, type KyberPreKeyStore, type PreKeyStore, type SignedPreKeyStore } from "./stores.js";

/** The prekeys a new session consumed; the caller retires them after a successful decrypt. */
export interface UsedPreKeys {
  preKeyId?: number;
  kyberPreKeyId?: number;
}

/**
 * Makes the session that `message` starts current in `record` (in memory only). When the record
 * already holds a session for the message's base key (Alice repeats PreKey messages until she
 * hears back), that one is promoted and no prekey is consumed again. Stores nothing: the
 * caller saves the identity and the record once the message decrypts.
 */
export async function processPreKey(
  message: PreKeySignalMessage,
  address: ProtocolAddress,
  record: SessionRecord,
  stores: { identityStore: IdentityKeyStore; preKeyStore: PreKeyStore; signedPreKeyStore: SignedPreKeyStore; kyberPreKeyStore: KyberPreKeyStore },
): Promise<UsedPreKeys> {
  const { identityStore } = stores;
  if (!(await identityStore.isTrustedIdentity(address, message.identityKey, Direction.Receiving))) {
    throw new SignalError(SignalErrorCode.UntrustedIdentity, `untrusted identity for ${address.toString()}`);
  }
  if (record.promoteMatchingSession(CIPHERTEXT_MESSAGE_VERSION, message.baseKey.serialize())) {
    return {};
  }
  if (!message.baseKey.isCanonical()) throw new SignalError(SignalErrorCode.InvalidKey, "base key is not canonical");
  const signedPreKey = await stores.signedPreKeyStore.loadSignedPreKey(message.signedPreKeyId);
  if (!signedPreKey) throw new SignalError(SignalErrorCode.InvalidSignedPreKeyId, `no signed prekey ${message.signedPreKeyId}`);
  const kyberPreKey = await stores.kyberPreKeyStore.loadKyberPreKey(message.kyberPreKeyId);
  if (!kyberPreKey) throw new SignalError(SignalErrorCode.InvalidKyberPreKeyId, `no Kyber prekey ${message.kyberPreKeyId}`);
  let oneTimePreKey;
  if (message.preKeyId !== undefined) {
    oneTimePreKey = await stores.preKeyStore.loadPreKey(message.preKeyId);
    if (!oneTimePreKey) throw new SignalError(SignalErrorCode.InvalidPreKeyId, `no prekey ${message.preKeyId}`);
  }
  const state = await initializeBobSession({
    ourIdentity: await identityStore.getIdentityKeyPair(),
    ourSignedPreKey: signedPreKey.keyPair,
    ourOneTimePreKey: oneTimePreKey?.keyPair,
    ourKyberPreKey: kyberPreKey.keyPair,
    theirIdentityKey: message.identityKey,
    theirBaseKey: message.baseKey,
    theirKyberCiphertext: message.kyberCiphertext,
  });
  state.localRegistrationId = await identityStore.getLocalRegistrationId();
  state.remoteRegistrationId = message.registrationId;
  record.promoteState(state);
  return { preKeyId: message.preKeyId, kyberPreKeyId: message.kyberPreKeyId };
}
