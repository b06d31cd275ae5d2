// Parley's own serialization of session records: a format byte, then protobuf. Versioned so a
// stored session survives library upgrades: a new format gets a new byte and a reader for the
// old one stays. Format 1 field numbers are frozen; see test/fixtures for a stored example.
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { KeyPair, PrivateKey, PublicKey } from "./curve.js";
import { SignalError, SignalErrorCode } from "./errors.js";
import { optionalBytes, optionalUint32, optionalUint53, readAllFields, readFields, requireBytes, requireUint32, writeBytes, writeUint32, writeUint53, type FieldValue } from "./proto.js";
import type { PendingPreKey, ReceiverChain, SessionState } from "./session-state.js";
import { decodeStored, encodeStored } from "./stored-format.js";

export function encodeSessionRecord(current: SessionState | undefined, previous: readonly SessionState[]): Uint8Array {
  return encodeStored((writer) => {
    if (current) writeBytes(writer, 1, encodeState(current));
    for (const state of previous) writeBytes(writer, 2, encodeState(state));
  });
}

export function decodeSessionRecord(bytes: Uint8Array): { current: SessionState | undefined; previous: SessionState[] } {
  return decodeStored(bytes, "session record", (body) => {
    const fields = readAllFields(body, "session record");
    const current = fields.get(1)?.map(asBytes).map(decodeState)[0];
    const previous = (fields.get(2) ?? []).map(asBytes).map(decodeState);
    return { current, previous };
  });
}

function asBytes(value: FieldValue): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new SignalError(SignalErrorCode.InvalidState, "wrong wire type");
  return value;
}

function encodeState(s: SessionState): Uint8Array {
  const w = new BinaryWriter();
  writeUint32(w, 1, s.version);
  writeBytes(w, 2, s.localIdentityKey.serialize());
  writeBytes(w, 3, s.remoteIdentityKey.serialize());
  writeBytes(w, 4, s.rootKey);
  writeUint32(w, 5, s.previousCounter);
  const sender = new BinaryWriter();
  writeBytes(sender, 1, s.senderChain.ratchetKeyPair.publicKey.serialize());
  writeBytes(sender, 2, s.senderChain.ratchetKeyPair.privateKey.serialize());
  writeBytes(sender, 3, s.senderChain.chainKey.key);
  writeUint32(sender, 4, s.senderChain.chainKey.index);
  writeBytes(w, 6, sender.finish());
  for (const chain of s.receiverChains) writeBytes(w, 7, encodeReceiverChain(chain));
  if (s.pendingPreKey) writeBytes(w, 8, encodePending(s.pendingPreKey));
  writeUint32(w, 9, s.localRegistrationId);
  writeUint32(w, 10, s.remoteRegistrationId);
  if (s.aliceBaseKey) writeBytes(w, 11, s.aliceBaseKey);
  return w.finish();
}

function encodeReceiverChain(chain: ReceiverChain): Uint8Array {
  const w = new BinaryWriter();
  writeBytes(w, 1, chain.ratchetKey.serialize());
  writeBytes(w, 2, chain.chainKey.key);
  writeUint32(w, 3, chain.chainKey.index);
  for (const [counter, seed] of chain.skipped) {
    const k = new BinaryWriter();
    writeUint32(k, 1, counter);
    writeBytes(k, 2, seed);
    writeBytes(w, 4, k.finish());
  }
  return w.finish();
}

function encodePending(p: PendingPreKey): Uint8Array {
  const w = new BinaryWriter();
  if (p.preKeyId !== undefined) writeUint32(w, 1, p.preKeyId);
  writeUint32(w, 2, p.signedPreKeyId);
  writeBytes(w, 3, p.baseKey.serialize());
  writeUint32(w, 4, p.kyberPreKeyId);
  writeBytes(w, 5, p.kyberCiphertext);
  writeUint53(w, 6, p.timestamp);
  return w.finish();
}

function decodeState(bytes: Uint8Array): SessionState {
  const all = readAllFields(bytes, "session state");
  const f = readFields(bytes, "session state");
  const sender = readFields(requireBytes(f, 6, "sender chain"), "sender chain");
  const pending = optionalBytes(f, 8, "pending prekey");
  return {
    version: requireUint32(f, 1, "version"),
    localIdentityKey: PublicKey.deserialize(requireBytes(f, 2, "local identity")),
    remoteIdentityKey: PublicKey.deserialize(requireBytes(f, 3, "remote identity")),
    rootKey: requireBytes(f, 4, "root key", 32),
    previousCounter: optionalUint32(f, 5, "previous counter") ?? 0,
    senderChain: {
      ratchetKeyPair: new KeyPair(PublicKey.deserialize(requireBytes(sender, 1, "sender ratchet key")), PrivateKey.deserialize(requireBytes(sender, 2, "sender ratchet private key"))),
      chainKey: { key: requireBytes(sender, 3, "sender chain key", 32), index: optionalUint32(sender, 4, "sender chain index") ?? 0 },
    },
    receiverChains: (all.get(7) ?? []).map(asBytes).map(decodeReceiverChain),
    pendingPreKey: pending && decodePending(pending),
    localRegistrationId: optionalUint32(f, 9, "local registration id") ?? 0,
    remoteRegistrationId: optionalUint32(f, 10, "remote registration id") ?? 0,
    aliceBaseKey: optionalBytes(f, 11, "alice base key"),
  };
}

function decodeReceiverChain(bytes: Uint8Array): ReceiverChain {
  const all = readAllFields(bytes, "receiver chain");
  const f = readFields(bytes, "receiver chain");
  const skipped = new Map<number, Uint8Array>();
  for (const entry of (all.get(4) ?? []).map(asBytes)) {
    const k = readFields(entry, "skipped key");
    skipped.set(requireUint32(k, 1, "skipped counter"), requireBytes(k, 2, "skipped seed", 32));
  }
  return {
    ratchetKey: PublicKey.deserialize(requireBytes(f, 1, "receiver ratchet key")),
    chainKey: { key: requireBytes(f, 2, "receiver chain key", 32), index: optionalUint32(f, 3, "receiver chain index") ?? 0 },
    skipped,
  };
}

function decodePending(bytes: Uint8Array): PendingPreKey {
  const f = readFields(bytes, "pending prekey");
  return {
    preKeyId: optionalUint32(f, 1, "prekey id"),
    signedPreKeyId: requireUint32(f, 2, "signed prekey id"),
    baseKey: PublicKey.deserialize(requireBytes(f, 3, "base key")),
    kyberPreKeyId: requireUint32(f, 4, "Kyber prekey id"),
    kyberCiphertext: requireBytes(f, 5, "Kyber ciphertext"),
    timestamp: optionalUint53(f, 6, "timestamp") ?? 0,
  };
}
