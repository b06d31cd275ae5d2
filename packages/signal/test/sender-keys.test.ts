import { describe, expect, it } from "vitest";
import { ProtocolAddress } from "../src/address.js";
import { hmacSha256 } from "../src/crypto.js";
import { SignalErrorCode, type SignalError } from "../src/errors.js";
import {
  createSenderKeyDistributionMessage,
  groupDecrypt,
  groupEncrypt,
  processSenderKeyDistributionMessage,
} from "../src/group-cipher.js";
import { InMemorySenderKeyStore } from "../src/memory-sender-key-store.js";
import { secureRandom } from "../src/random.js";
import { SenderKeyDistributionMessage, SenderKeyMessage, distributionIdToBytes } from "../src/sender-key-messages.js";
import { SenderKeyRecord } from "../src/sender-key-record.js";
import { MAX_MESSAGE_BYTES } from "../src/signal-message.js";

const alice = new ProtocolAddress("alice", 1);
const distributionId = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6";
const text = (s: string) => new TextEncoder().encode(s);

async function group() {
  const aliceStore = new InMemorySenderKeyStore();
  const bobStore = new InMemorySenderKeyStore();
  const skdm = await createSenderKeyDistributionMessage(alice, distributionId, aliceStore, secureRandom);
  await processSenderKeyDistributionMessage(alice, SenderKeyDistributionMessage.deserialize(skdm.serialize()), bobStore);
  const send = (body: string) => groupEncrypt(alice, distributionId, aliceStore, text(body), secureRandom);
  const receive = async (message: Uint8Array) => new TextDecoder().decode(await groupDecrypt(alice, bobStore, message));
  const bobBytes = async () => (await bobStore.loadSenderKey(alice, distributionId))!.serialize();
  /** Moves Alice's chain forward without sending, as if `count` messages had been lost. */
  const skipAhead = async (count: number) => {
    const record = (await aliceStore.loadSenderKey(alice, distributionId))!;
    const state = record.currentState()!;
    for (let i = 0; i < count; i++) state.chainKey = hmacSha256(state.chainKey, Uint8Array.of(2));
    state.iteration += count;
    await aliceStore.storeSenderKey(alice, distributionId, record);
  };
  return { aliceStore, bobStore, skdm, send, receive, bobBytes, skipAhead };
}

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    return (error as SignalError).code;
  }
  return "no error";
}

describe("Sender Keys", () => {
  it("delivers messages in order and advances the iteration", async () => {
    const g = await group();
    for (let i = 0; i < 5; i++) {
      const message = await g.send(`hello ${i}`);
      expect(SenderKeyMessage.deserialize(message).iteration).toBe(i);
      expect(await g.receive(message)).toBe(`hello ${i}`);
    }
  });

  it("decrypts messages delivered out of order", async () => {
    const g = await group();
    const messages: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) messages.push(await g.send(`m${i}`)); // one operation at a time, as stores require
    for (const i of [4, 0, 2, 1, 3]) expect(await g.receive(messages[i]!)).toBe(`m${i}`);
  });

  it("rejects a replayed message as a duplicate", async () => {
    const g = await group();
    const first = await g.send("once");
    const second = await g.send("twice");
    await g.receive(second);
    await g.receive(first);
    expect(await codeOf(g.receive(first))).toBe(SignalErrorCode.DuplicateMessage);
    expect(await codeOf(g.receive(second))).toBe(SignalErrorCode.DuplicateMessage);
  });

  it("accepts a jump of 25,000 iterations and refuses one further", async () => {
    const g = await group();
    await g.skipAhead(25_000);
    expect(await g.receive(await g.send("far"))).toBe("far");
    const h = await group();
    await h.skipAhead(25_001);
    expect(await codeOf(h.receive(await h.send("too far")))).toBe(SignalErrorCode.TooFarInFuture);
  });

  it("keeps only the newest 2,000 skipped message keys", async () => {
    const g = await group();
    const oldest = await g.send("0");
    const kept = await g.send("1");
    await g.skipAhead(1_999);
    expect(await g.receive(await g.send("2001"))).toBe("2001");
    expect(await codeOf(g.receive(oldest))).toBe(SignalErrorCode.DuplicateMessage);
    expect(await g.receive(kept)).toBe("1");
  });

  it("rejects a message whose signature or signed bytes were altered", async () => {
    const g = await group();
    const message = await g.send("signed");
    const badSignature = message.slice();
    badSignature[message.length - 10]! ^= 1;
    const badBody = message.slice();
    badBody[message.length - 70]! ^= 1; // inside the ciphertext
    expect(await codeOf(g.receive(badSignature))).toBe(SignalErrorCode.InvalidSignature);
    expect(await codeOf(g.receive(badBody))).toBe(SignalErrorCode.InvalidSignature);
    expect(await g.receive(message)).toBe("signed");
  });

  it("reports unknown senders, distributions and chains as NO_SENDER_KEY_STATE", async () => {
    const g = await group();
    const message = await g.send("hi");
    expect(await codeOf(groupDecrypt(new ProtocolAddress("mallory", 1), g.bobStore, message))).toBe(SignalErrorCode.NoSenderKeyState);
    const other = await group();
    expect(await codeOf(other.receive(message))).toBe(SignalErrorCode.NoSenderKeyState);
    const fresh = new InMemorySenderKeyStore();
    expect(await codeOf(groupEncrypt(alice, distributionId, fresh, text("x"), secureRandom))).toBe(SignalErrorCode.NoSenderKeyState);
  });

  it("leaves the stored record unchanged when a decrypt fails", async () => {
    const g = await group();
    const delivered = await g.send("0");
    await g.receive(delivered);
    const pending = await g.send("1");
    const before = await g.bobBytes();
    const record = (await g.aliceStore.loadSenderKey(alice, distributionId))!;
    const state = record.currentState()!;
    // Validly signed, three iterations ahead, but not a whole number of AES blocks.
    const unpaddable = await SenderKeyMessage.create(distributionIdToBytes(distributionId), state.chainId, 4, new Uint8Array(17), state.signingPrivateKey!, secureRandom);
    const tampered = pending.slice();
    tampered[pending.length - 1]! ^= 1;
    expect(await codeOf(g.receive(unpaddable.serialized))).toBe(SignalErrorCode.InvalidMessage);
    const oversized = await SenderKeyMessage.create(distributionIdToBytes(distributionId), state.chainId, 4, new Uint8Array(MAX_MESSAGE_BYTES), state.signingPrivateKey!, secureRandom);
    expect(await codeOf(g.receive(oversized.serialized))).toBe(SignalErrorCode.MessageTooLarge);
    expect(await codeOf(g.receive(tampered))).toBe(SignalErrorCode.InvalidSignature);
    expect(await codeOf(g.receive(delivered))).toBe(SignalErrorCode.DuplicateMessage);
    await g.skipAhead(30_000);
    expect(await codeOf(g.receive(await g.send("far")))).toBe(SignalErrorCode.TooFarInFuture);
    expect(await g.bobBytes()).toEqual(before);
    expect(await g.receive(pending)).toBe("1");
  });

  it("signs with the Edwards form of the signing key stored in the record, without recomputing it", async () => {
    const g = await group();
    expect(await g.receive(await g.send("as stored"))).toBe("as stored");
    const stored = (await g.aliceStore.loadSenderKey(alice, distributionId))!.serialize();
    // Field 7, the stored A, ends the only state; flipping its sign bit gives a wrong A.
    stored[stored.length - 1]! ^= 0x80;
    await g.aliceStore.storeSenderKey(alice, distributionId, SenderKeyRecord.deserialize(stored));
    expect(await codeOf(g.receive(await g.send("wrong A")))).toBe(SignalErrorCode.InvalidSignature);
  });

  it("does not rewind a chain when the same distribution message is processed again", async () => {
    const g = await group();
    const message = await g.send("once");
    await g.receive(message);
    await processSenderKeyDistributionMessage(alice, g.skdm, g.bobStore);
    expect(await codeOf(g.receive(message))).toBe(SignalErrorCode.DuplicateMessage);
  });

  it("returns the existing chain from createSenderKeyDistributionMessage", async () => {
    const g = await group();
    await g.send("advance");
    const again = await createSenderKeyDistributionMessage(alice, distributionId.toUpperCase(), g.aliceStore, secureRandom);
    expect(again.chainId).toBe(g.skdm.chainId);
    expect(again.iteration).toBe(1);
    expect(again.distributionId).toBe(distributionId);
    expect(g.skdm.chainId).toBeLessThan(2 ** 31);
  });
});
