// One Double Ratchet session with one remote device. Plain data: operations take a state,
// work on a copy (`cloneSessionState`) and the caller keeps the copy only on success.
import type { KeyPair, PublicKey } from "./curve.js";
import type { ChainKey } from "./ratchet-keys.js";

/** libsignal's limits, kept for compatibility of behaviour. */
export const MAX_RECEIVER_CHAINS = 5;
export const MAX_MESSAGE_KEYS = 2000;
/** How far ahead of a chain a received message may be: the Double Ratchet and Sender Keys alike. */
export const MAX_FORWARD_JUMPS = 25_000;
/** An unanswered session older than this is stale: the sender must fetch a fresh bundle. */
export const MAX_UNACKNOWLEDGED_SESSION_AGE_MS = 30 * 24 * 60 * 60 * 1000;

export interface ReceiverChain {
  readonly ratchetKey: PublicKey;
  chainKey: ChainKey;
  /** Message key seeds for skipped counters, oldest first; at most MAX_MESSAGE_KEYS. */
  skipped: Map<number, Uint8Array>;
}

export interface SenderChain {
  readonly ratchetKeyPair: KeyPair;
  chainKey: ChainKey;
}

/** What Alice repeats in every PreKey message until Bob answers. */
export interface PendingPreKey {
  readonly preKeyId: number | undefined;
  readonly signedPreKeyId: number;
  readonly baseKey: PublicKey;
  readonly kyberPreKeyId: number;
  readonly kyberCiphertext: Uint8Array;
  /** Milliseconds since the epoch when the session was started. */
  readonly timestamp: number;
}

export interface SessionState {
  version: number;
  localIdentityKey: PublicKey;
  remoteIdentityKey: PublicKey;
  rootKey: Uint8Array;
  previousCounter: number;
  senderChain: SenderChain;
  /** Oldest first; at most MAX_RECEIVER_CHAINS. */
  receiverChains: ReceiverChain[];
  pendingPreKey: PendingPreKey | undefined;
  localRegistrationId: number;
  remoteRegistrationId: number;
  /** On Bob's side, Alice's base key: recognises a repeated PreKey message for this session. */
  aliceBaseKey: Uint8Array | undefined;
}

/** A deep copy of the mutable parts; keys and byte arrays are never mutated in place, so shared. */
export function cloneSessionState(state: SessionState): SessionState {
  return {
    ...state,
    senderChain: { ...state.senderChain },
    receiverChains: state.receiverChains.map((chain) => ({ ...chain, skipped: new Map(chain.skipped) })),
  };
}

export function findReceiverChain(state: SessionState, ratchetKey: PublicKey): ReceiverChain | undefined {
  return state.receiverChains.find((chain) => chain.ratchetKey.equals(ratchetKey));
}

export function addReceiverChain(state: SessionState, ratchetKey: PublicKey, chainKey: ChainKey): ReceiverChain {
  const chain: ReceiverChain = { ratchetKey, chainKey, skipped: new Map() };
  state.receiverChains.push(chain);
  if (state.receiverChains.length > MAX_RECEIVER_CHAINS) state.receiverChains.shift();
  return chain;
}

/** Keeps a skipped message key seed, dropping the oldest beyond MAX_MESSAGE_KEYS. */
export function storeSkippedKey(chain: ReceiverChain, counter: number, seed: Uint8Array): void {
  chain.skipped.set(counter, seed);
  if (chain.skipped.size > MAX_MESSAGE_KEYS) {
    const oldest = chain.skipped.keys().next();
    if (!oldest.done) chain.skipped.delete(oldest.value);
  }
}
