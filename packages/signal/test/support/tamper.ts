// Crafting bad input for the pairwise protocol: altered bytes, messages made on a copy of a
// party's session, PreKey messages rebuilt with one field changed.
import { expect } from "vitest";
import type { PublicKey } from "../../src/curve.js";
import { SignalError, type SignalErrorCode } from "../../src/errors.js";
import { InMemorySessionStore } from "../../src/memory-stores.js";
import type { PreKeyBundle } from "../../src/prekey-bundle.js";
import { PreKeySignalMessage } from "../../src/prekey-signal-message.js";
import { nextChainKey } from "../../src/ratchet-keys.js";
import { processPreKeyBundle } from "../../src/session-builder.js";
import { CiphertextMessageType, signalEncrypt, type CiphertextMessage } from "../../src/session-cipher.js";
import { NOW, type Party } from "./party.js";

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export const whisper = (body: Uint8Array): CiphertextMessage => ({ type: CiphertextMessageType.Whisper, body });
export const preKey = (body: Uint8Array): CiphertextMessage => ({ type: CiphertextMessageType.PreKey, body });

/** A copy of `bytes` with bit `bit` of byte `index` inverted. */
export function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = bytes.slice();
  out[index] = out[index]! ^ (1 << bit);
  return out;
}

/** A copy of `bytes` with byte `index` replaced. */
export function withByte(bytes: Uint8Array, index: number, value: number): Uint8Array {
  const out = bytes.slice();
  out[index] = value;
  return out;
}

/** Awaits `operation`, which must fail with a SignalError carrying `code`. */
export async function expectRejected(operation: Promise<unknown>, code: SignalErrorCode, label?: string): Promise<void> {
  const outcome = await operation.then(
    () => "it succeeded",
    (error: unknown) => error,
  );
  expect(outcome, label).toBeInstanceOf(SignalError);
  expect(outcome, label).toMatchObject({ code });
}

/** Where the SignalMessage carried by a serialized PreKeySignalMessage sits inside it. */
export function innerMessageSpan(body: Uint8Array): { start: number; end: number } {
  const inner = PreKeySignalMessage.deserialize(body).message.serialized;
  for (let start = 0; start + inner.length <= body.length; start++) {
    if (inner.every((byte, i) => body[start + i] === byte)) return { start, end: start + inner.length };
  }
  throw new Error("inner message not found");
}

/** Re-serializes a PreKeySignalMessage with some fields replaced. */
export function rebuildPreKey(
  body: Uint8Array,
  changes: { baseKey?: PublicKey; identityKey?: PublicKey; kyberCiphertext?: Uint8Array; preKeyId?: number },
): Uint8Array {
  const m = PreKeySignalMessage.deserialize(body);
  return PreKeySignalMessage.create({
    registrationId: m.registrationId,
    preKeyId: changes.preKeyId ?? m.preKeyId,
    signedPreKeyId: m.signedPreKeyId,
    kyberPreKeyId: m.kyberPreKeyId,
    kyberCiphertext: changes.kyberCiphertext ?? m.kyberCiphertext,
    baseKey: changes.baseKey ?? m.baseKey,
    identityKey: changes.identityKey ?? m.identityKey,
    message: m.message,
  }).serialized;
}

/**
 * The message `from` would send to `to` after `skip` further messages, made on a copy of its
 * session: `from`'s stored state is untouched. Skipping advances the sending chain key exactly as
 * `signalEncrypt` does per message, without spending time on the skipped messages' encryption.
 */
export async function encryptAhead(from: Party, to: Party, skip: number, text: string): Promise<CiphertextMessage> {
  const record = await from.sessionStore.loadSession(to.address);
  const state = record?.currentState;
  if (!record || !state) throw new Error("no session to send ahead on");
  for (let i = 0; i < skip; i++) state.senderChain.chainKey = nextChainKey(state.senderChain.chainKey);
  const scratch = new InMemorySessionStore();
  await scratch.storeSession(to.address, record);
  return signalEncrypt(utf8(text), to.address, scratch, from.identityStore, NOW);
}

/** The first message of a new session `from` starts from `bundle`, leaving `from`'s own sessions as they were. */
export async function preKeyMessageFrom(from: Party, to: Party, bundle: PreKeyBundle, text: string): Promise<CiphertextMessage> {
  const scratch = new InMemorySessionStore();
  await processPreKeyBundle(bundle, to.address, scratch, from.identityStore, from.random, NOW);
  return signalEncrypt(utf8(text), to.address, scratch, from.identityStore, NOW);
}
