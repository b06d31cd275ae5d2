// Sender Keys group encryption, as libsignal's group_cipher: each member sends on its own hash
// chain, distributed once to every other member over pairwise sessions, and signs every message
// with the chain's signing key. Stores are parameters; a record is stored only after an
// operation succeeds, so a failed decrypt leaves the stored record exactly as it was. Callers
// run one operation per (sender, distribution) at a time, as stores.ts requires: two concurrent
// encrypts would load the same iteration and reuse its message key.
import type { ProtocolAddress } from "./address.js";
import { utf8 } from "./bytes.js";
import { aes256CbcDecrypt, aes256CbcEncrypt, hkdfSha256 } from "./crypto.js";
import { KeyPair } from "./curve.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import type { RandomSource } from "./random.js";
import { chainMessageSeed, stepChainKey } from "./ratchet-keys.js";
import { MAX_FORWARD_JUMPS } from "./session-state.js";
import { SenderKeyRecord, MAX_SKIPPED_MESSAGE_KEYS, type SenderKeyState } from "./sender-key-record.js";
import {
  SenderKeyDistributionMessage,
  SenderKeyMessage,
  distributionIdFromBytes,
  distributionIdToBytes,
} from "./sender-key-messages.js";
import type { SenderKeyStore } from "./stores.js";

const MAX_ITERATION = 0xffffffff; // the chain cannot step past a u32 iteration
const MESSAGE_KEY_INFO = utf8("WhisperGroup");

function messageKeys(seed: Uint8Array): { iv: Uint8Array; cipherKey: Uint8Array } {
  const derived = hkdfSha256(seed, undefined, MESSAGE_KEY_INFO, 48);
  return { iv: derived.subarray(0, 16), cipherKey: derived.subarray(16, 48) };
}

function noState(distributionId: string): SignalError {
  return new SignalError(SignalErrorCode.NoSenderKeyState, `no sender key state for distribution ${distributionId}`);
}

/**
 * Returns the distribution message for our own chain in `distributionId`, creating the chain
 * (random 31-bit chain id, iteration 0, random chain key, fresh signing key pair) if none exists.
 */
export async function createSenderKeyDistributionMessage(
  sender: ProtocolAddress,
  distributionId: string,
  store: SenderKeyStore,
  random: RandomSource,
): Promise<SenderKeyDistributionMessage> {
  const id = distributionIdFromBytes(distributionIdToBytes(distributionId));
  let record = await store.loadSenderKey(sender, id);
  if (!record) {
    const randomWord = random(4);
    const chainId = new DataView(randomWord.buffer, randomWord.byteOffset, 4).getUint32(0) >>> 1;
    const signing = KeyPair.generate(random);
    record = new SenderKeyRecord();
    record.addState(chainId, 0, random(32), signing.publicKey, signing.privateKey);
    await store.storeSenderKey(sender, id, record);
  }
  const state = record.currentState();
  if (!state) throw noState(id);
  return SenderKeyDistributionMessage.create(id, state.chainId, state.iteration, state.chainKey, state.signingPublicKey);
}

/** Adds the sender's chain to its record (or keeps the state we already have for that chain). */
export async function processSenderKeyDistributionMessage(
  sender: ProtocolAddress,
  message: SenderKeyDistributionMessage,
  store: SenderKeyStore,
): Promise<void> {
  const record = (await store.loadSenderKey(sender, message.distributionId)) ?? new SenderKeyRecord();
  record.addState(message.chainId, message.iteration, message.chainKey, message.signingKey, undefined);
  await store.storeSenderKey(sender, message.distributionId, record);
}

/** Encrypts with our newest chain for `distributionId`; returns a serialized SenderKeyMessage. */
export async function groupEncrypt(
  sender: ProtocolAddress,
  distributionId: string,
  store: SenderKeyStore,
  plaintext: Uint8Array,
  random: RandomSource,
): Promise<Uint8Array> {
  const idBytes = distributionIdToBytes(distributionId);
  const id = distributionIdFromBytes(idBytes);
  const record = await store.loadSenderKey(sender, id);
  const state = record?.currentState();
  if (!record || !state) throw noState(id);
  if (!state.signingPrivateKey) {
    throw new SignalError(SignalErrorCode.InvalidState, "the current sender key state has no signing private key");
  }
  if (state.iteration === MAX_ITERATION) throw new SignalError(SignalErrorCode.InvalidState, "sender chain is exhausted");
  const { iv, cipherKey } = messageKeys(chainMessageSeed(state.chainKey));
  const ciphertext = aes256CbcEncrypt(cipherKey, iv, plaintext);
  const message = await SenderKeyMessage.create(idBytes, state.chainId, state.iteration, ciphertext, state.signingPrivateKey, random);
  state.chainKey = stepChainKey(state.chainKey);
  state.iteration += 1;
  await store.storeSenderKey(sender, id, record);
  return message.serialized;
}

/**
 * Decrypts a serialized SenderKeyMessage from `sender`. Fails with NO_SENDER_KEY_STATE (unknown
 * distribution or chain), INVALID_SIGNATURE, DUPLICATE_MESSAGE (an iteration already consumed),
 * TOO_FAR_IN_FUTURE (more than MAX_FORWARD_JUMPS ahead), or a parse error of the message.
 */
export async function groupDecrypt(sender: ProtocolAddress, store: SenderKeyStore, ciphertext: Uint8Array): Promise<Uint8Array> {
  const message = SenderKeyMessage.deserialize(ciphertext);
  const record = await store.loadSenderKey(sender, message.distributionId);
  const state = record?.stateForChainId(message.chainId);
  if (!record || !state) throw noState(message.distributionId);
  if (!(await message.verifySignature(state.signingPublicKey))) {
    throw new SignalError(SignalErrorCode.InvalidSignature, "sender key message signature did not verify");
  }
  const step = messageSeedFor(state, message.iteration);
  const { iv, cipherKey } = messageKeys(step.seed);
  const plaintext = aes256CbcDecrypt(cipherKey, iv, message.ciphertext);
  step.commit();
  await store.storeSenderKey(sender, message.distributionId, record);
  return plaintext;
}

/**
 * Finds the message key seed for `iteration` without touching `state`; `commit` applies the
 * chain advance or key removal, and is called only once decryption has succeeded. Skipped keys
 * follow libsignal: all are added in order and only the newest MAX_SKIPPED_MESSAGE_KEYS are
 * kept, so collecting just the newest of them gives the same result.
 */
function messageSeedFor(state: SenderKeyState, iteration: number): { seed: Uint8Array; commit: () => void } {
  if (iteration < state.iteration) {
    const seed = state.skippedSeeds.get(iteration);
    if (!seed) {
      throw new SignalError(SignalErrorCode.DuplicateMessage, `sender key iteration ${iteration} was already received`);
    }
    return { seed, commit: () => state.skippedSeeds.delete(iteration) };
  }
  if (iteration - state.iteration > MAX_FORWARD_JUMPS) {
    throw new SignalError(SignalErrorCode.TooFarInFuture, `sender key iteration ${iteration} is too far ahead`);
  }
  if (iteration === MAX_ITERATION) throw new SignalError(SignalErrorCode.InvalidState, "sender chain is exhausted");
  let chainKey = state.chainKey;
  const skipped: [number, Uint8Array][] = [];
  for (let i = state.iteration; i < iteration; i++) {
    if (iteration - i <= MAX_SKIPPED_MESSAGE_KEYS) skipped.push([i, chainMessageSeed(chainKey)]);
    chainKey = stepChainKey(chainKey);
  }
  const seed = chainMessageSeed(chainKey);
  const nextChainKey = stepChainKey(chainKey);
  return {
    seed,
    commit: () => {
      for (const [skippedIteration, skippedSeed] of skipped) state.addSkippedSeed(skippedIteration, skippedSeed);
      state.chainKey = nextChainKey;
      state.iteration = iteration + 1;
    },
  };
}
