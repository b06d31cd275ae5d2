// Encrypting and decrypting pairwise messages. Every operation loads the record, works on a
// copy and stores it only on success: a failed decrypt leaves stored state exactly as it was.
import type { ProtocolAddress } from "./address.js";
import { aes256CbcDecrypt, aes256CbcEncrypt } from "./crypto.js";
import { KeyPair, type PublicKey } from "./curve.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import { PreKeySignalMessage } from "./prekey-signal-message.js";
import type { RandomSource } from "./random.js";
import { chainFromAgreement, messageKeySeed, messageKeysFromSeed, nextChainKey, type ChainKey, type MessageKeys } from "./ratchet-keys.js";
import { processPreKey } from "./prekey-processing.js";
import { SessionRecord } from "./session-record.js";
import {
  MAX_FORWARD_JUMPS,
  MAX_UNACKNOWLEDGED_SESSION_AGE_MS,
  addReceiverChain,
  cloneSessionState,
  findReceiverChain,
  storeSkippedKey,
  type ReceiverChain,
  type SessionState,
} from "./session-state.js";
import { SignalMessage } from "./signal-message.js";
import { Direction, type IdentityKeyStore, type KyberPreKeyStore, type PreKeyStore, type SessionStore, type SignedPreKeyStore } from "./stores.js";

/** The envelope types of the two pairwise message kinds, as libsignal numbers them. */
export const CiphertextMessageType = { Whisper: 2, PreKey: 3, SenderKey: 7, Plaintext: 8 } as const;

export type CiphertextMessage =
  | { readonly type: typeof CiphertextMessageType.Whisper; readonly body: Uint8Array }
  | { readonly type: typeof CiphertextMessageType.PreKey; readonly body: Uint8Array };

export async function signalEncrypt(
  plaintext: Uint8Array,
  address: ProtocolAddress,
  sessionStore: SessionStore,
  identityStore: IdentityKeyStore,
  now: number,
): Promise<CiphertextMessage> {
  const record = await sessionStore.loadSession(address);
  const state = record?.currentState;
  if (!record || !state) throw new SignalError(SignalErrorCode.NoSession, `no session for ${address.toString()}`);
  const pending = state.pendingPreKey;
  if (pending && pending.timestamp + MAX_UNACKNOWLEDGED_SESSION_AGE_MS < now) {
    throw new SignalError(SignalErrorCode.NoSession, `session with ${address.toString()} is stale: fetch a new bundle`);
  }
  const chainKey = state.senderChain.chainKey;
  const keys = messageKeysFromSeed(messageKeySeed(chainKey), chainKey.index);
  const message = SignalMessage.create({
    macKey: keys.macKey,
    senderRatchetKey: state.senderChain.ratchetKeyPair.publicKey,
    counter: chainKey.index,
    previousCounter: state.previousCounter,
    ciphertext: aes256CbcEncrypt(keys.cipherKey, keys.iv, plaintext),
    senderIdentityKey: state.localIdentityKey,
    receiverIdentityKey: state.remoteIdentityKey,
  });
  if (!(await identityStore.isTrustedIdentity(address, state.remoteIdentityKey, Direction.Sending))) {
    throw new SignalError(SignalErrorCode.UntrustedIdentity, `untrusted identity for ${address.toString()}`);
  }
  state.senderChain.chainKey = nextChainKey(chainKey);
  await identityStore.saveIdentity(address, state.remoteIdentityKey);
  await sessionStore.storeSession(address, record);
  if (!pending) return { type: CiphertextMessageType.Whisper, body: message.serialized };
  const preKeyMessage = PreKeySignalMessage.create({
    registrationId: state.localRegistrationId,
    preKeyId: pending.preKeyId,
    signedPreKeyId: pending.signedPreKeyId,
    kyberPreKeyId: pending.kyberPreKeyId,
    kyberCiphertext: pending.kyberCiphertext,
    baseKey: pending.baseKey,
    identityKey: state.localIdentityKey,
    message,
  });
  return { type: CiphertextMessageType.PreKey, body: preKeyMessage.serialized };
}

export async function signalDecrypt(
  body: Uint8Array,
  address: ProtocolAddress,
  sessionStore: SessionStore,
  identityStore: IdentityKeyStore,
  random: RandomSource,
): Promise<Uint8Array> {
  const message = SignalMessage.deserialize(body);
  const record = await sessionStore.loadSession(address);
  if (!record) throw new SignalError(SignalErrorCode.NoSession, `no session for ${address.toString()}`);
  const plaintext = await decryptWithRecord(record, message, random);
  const remoteIdentity = record.currentState!.remoteIdentityKey;
  if (!(await identityStore.isTrustedIdentity(address, remoteIdentity, Direction.Receiving))) {
    throw new SignalError(SignalErrorCode.UntrustedIdentity, `untrusted identity for ${address.toString()}`);
  }
  await identityStore.saveIdentity(address, remoteIdentity);
  await sessionStore.storeSession(address, record);
  return plaintext;
}

export interface PreKeyStores {
  sessionStore: SessionStore;
  identityStore: IdentityKeyStore;
  preKeyStore: PreKeyStore;
  signedPreKeyStore: SignedPreKeyStore;
  kyberPreKeyStore: KyberPreKeyStore;
}

export async function signalDecryptPreKey(body: Uint8Array, address: ProtocolAddress, stores: PreKeyStores, random: RandomSource): Promise<Uint8Array> {
  const message = PreKeySignalMessage.deserialize(body);
  const record = (await stores.sessionStore.loadSession(address)) ?? new SessionRecord();
  const used = await processPreKey(message, address, record, stores);
  const plaintext = await decryptWithRecord(record, message.message, random);
  // Prekeys are retired before the session is stored, so a rejected replay stores nothing.
  if (used.kyberPreKeyId !== undefined) {
    await stores.kyberPreKeyStore.markKyberPreKeyUsed(used.kyberPreKeyId, message.signedPreKeyId, message.baseKey);
  }
  if (used.preKeyId !== undefined) await stores.preKeyStore.removePreKey(used.preKeyId);
  await stores.identityStore.saveIdentity(address, message.identityKey);
  await stores.sessionStore.storeSession(address, record);
  return plaintext;
}

/**
 * Tries the current session, then each archived one, each on a copy. The first that decrypts
 * replaces its original in `record` (an archived one becomes current). A duplicate counter stops
 * the search at once: the message was already decrypted by that session. When none decrypts,
 * the current session's error is the one reported.
 */
async function decryptWithRecord(record: SessionRecord, message: SignalMessage, random: RandomSource): Promise<Uint8Array> {
  let firstError: SignalError | undefined;
  const current = record.currentState;
  if (current) {
    const attempt = await tryDecrypt(current, message, random);
    if (attempt.plaintext) {
      record.setCurrentState(attempt.state);
      return attempt.plaintext;
    }
    firstError = attempt.error;
  }
  const previous = record.previousStates;
  for (let index = 0; index < previous.length; index++) {
    const attempt = await tryDecrypt(previous[index]!, message, random);
    if (attempt.plaintext) {
      record.promoteArchived(index, attempt.state);
      return attempt.plaintext;
    }
  }
  throw firstError ?? new SignalError(SignalErrorCode.NoSession, "no session could decrypt the message");
}

/** Errors that mean "not this session": the search goes on to the next one. */
const TRY_NEXT: readonly SignalErrorCode[] = [SignalErrorCode.InvalidMessage, SignalErrorCode.InvalidMac, SignalErrorCode.TooFarInFuture, SignalErrorCode.InvalidKey];

async function tryDecrypt(
  original: SessionState,
  message: SignalMessage,
  random: RandomSource,
): Promise<{ plaintext?: Uint8Array; error?: SignalError; state: SessionState }> {
  const state = cloneSessionState(original);
  try {
    return { plaintext: await decryptWithState(state, message, random), state };
  } catch (error) {
    if (error instanceof SignalError && TRY_NEXT.includes(error.code)) return { error, state };
    throw error;
  }
}

async function decryptWithState(state: SessionState, message: SignalMessage, random: RandomSource): Promise<Uint8Array> {
  const chain = findReceiverChain(state, message.senderRatchetKey) ?? (await ratchetStep(state, message.senderRatchetKey, random));
  const keys = messageKeysFor(chain, message.counter);
  if (!message.verifyMac(state.remoteIdentityKey, state.localIdentityKey, keys.macKey)) {
    throw new SignalError(SignalErrorCode.InvalidMac, "message MAC does not verify");
  }
  const plaintext = aes256CbcDecrypt(keys.cipherKey, keys.iv, message.ciphertext);
  state.pendingPreKey = undefined; // any answer acknowledges the session: stop sending PreKey messages
  return plaintext;
}

/** A new ratchet key from the peer: derive its receiving chain and a fresh sending chain. */
async function ratchetStep(state: SessionState, theirRatchetKey: PublicKey, random: RandomSource): Promise<ReceiverChain> {
  // Both agreements and the key generation are independent: they run together.
  const receivingAgreement = state.senderChain.ratchetKeyPair.privateKey.agree(theirRatchetKey);
  const newKey = KeyPair.generateAsync(random);
  const [receivingShared, ourNewRatchetKey, sendingShared] = await Promise.all([
    receivingAgreement,
    newKey,
    newKey.then((key) => key.privateKey.agree(theirRatchetKey)),
  ]);
  const receiving = chainFromAgreement(state.rootKey, receivingShared);
  const sending = chainFromAgreement(receiving.rootKey, sendingShared);
  state.rootKey = sending.rootKey;
  const chain = addReceiverChain(state, theirRatchetKey, receiving.chainKey);
  state.previousCounter = Math.max(state.senderChain.chainKey.index - 1, 0);
  state.senderChain = { ratchetKeyPair: ourNewRatchetKey, chainKey: sending.chainKey };
  return chain;
}

function messageKeysFor(chain: ReceiverChain, counter: number): MessageKeys {
  const chainKey: ChainKey = chain.chainKey;
  if (chainKey.index > counter) {
    const seed = chain.skipped.get(counter);
    if (!seed) throw new SignalError(SignalErrorCode.DuplicateMessage, `message ${counter} was already received`);
    chain.skipped.delete(counter);
    return messageKeysFromSeed(seed, counter);
  }
  if (counter - chainKey.index > MAX_FORWARD_JUMPS) {
    throw new SignalError(SignalErrorCode.TooFarInFuture, `message ${counter} is too far ahead of ${chainKey.index}`);
  }
  let next = chainKey;
  while (next.index < counter) {
    storeSkippedKey(chain, next.index, messageKeySeed(next));
    next = nextChainKey(next);
  }
  chain.chainKey = nextChainKey(next);
  return messageKeysFromSeed(messageKeySeed(next), counter);
}
