import { describe, expect, it } from "vitest";
import { KeyPair } from "../src/curve.js";
import { SignalErrorCode } from "../src/errors.js";
import { BinaryWriter, writeBytes, writeUint32 } from "../src/proto.js";
import { secureRandom } from "../src/random.js";
import { MAX_SENDER_KEY_STATES, SenderKeyRecord } from "../src/sender-key-record.js";
import { SenderKeyDistributionMessage, SenderKeyMessage, distributionIdToBytes } from "../src/sender-key-messages.js";
import { codeOf } from "./support/code-of.js";

const distributionId = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6";
const signing = KeyPair.generate(secureRandom);


/** An SKDM with the given field values (undefined leaves a field out). */
function skdm(fields: { uuid?: Uint8Array; chainId?: number; chainKey?: Uint8Array; signingKey?: Uint8Array }, version = 0x33) {
  const writer = new BinaryWriter();
  if (fields.uuid) writeBytes(writer, 1, fields.uuid);
  if (fields.chainId !== undefined) writeUint32(writer, 2, fields.chainId);
  writeUint32(writer, 3, 7);
  if (fields.chainKey) writeBytes(writer, 4, fields.chainKey);
  if (fields.signingKey) writeBytes(writer, 5, fields.signingKey);
  return Uint8Array.of(version, ...writer.finish());
}
const good = { uuid: distributionIdToBytes(distributionId), chainId: 42, chainKey: new Uint8Array(32).fill(9), signingKey: signing.publicKey.serialize() };

describe("SenderKeyDistributionMessage parsing", () => {
  it("reads back what it writes", () => {
    const message = SenderKeyDistributionMessage.deserialize(skdm(good));
    expect([message.distributionId, message.chainId, message.iteration]).toEqual([distributionId, 42, 7]);
    expect(message.chainKey).toEqual(good.chainKey);
    expect(message.signingKey.equals(signing.publicKey)).toBe(true);
    const rebuilt = SenderKeyDistributionMessage.create(distributionId, 42, 7, good.chainKey, signing.publicKey);
    expect(rebuilt.serialize()).toEqual(skdm(good));
  });

  it("rejects versions other than 3 in the high nibble and ignores the low nibble", () => {
    expect(codeOf(() => SenderKeyDistributionMessage.deserialize(skdm(good, 0x23)))).toBe(SignalErrorCode.UnsupportedVersion);
    expect(codeOf(() => SenderKeyDistributionMessage.deserialize(skdm(good, 0x43)))).toBe(SignalErrorCode.UnsupportedVersion);
    expect(codeOf(() => SenderKeyDistributionMessage.deserialize(skdm(good, 0x34)))).toBe("no error");
  });

  it("rejects truncated, oversized, missing and malformed fields", () => {
    const parse = (bytes: Uint8Array) => codeOf(() => SenderKeyDistributionMessage.deserialize(bytes));
    expect(parse(skdm(good).subarray(0, 64))).toBe(SignalErrorCode.InvalidMessage);
    expect(parse(skdm(good).subarray(0, skdm(good).length - 1))).toBe(SignalErrorCode.InvalidMessage);
    expect(parse(skdm({ ...good, uuid: new Uint8Array(17) }))).toBe(SignalErrorCode.InvalidMessage);
    expect(parse(skdm({ ...good, chainKey: new Uint8Array(33) }))).toBe(SignalErrorCode.InvalidMessage);
    expect(parse(skdm({ ...good, signingKey: Uint8Array.of(...good.signingKey, 0) }))).toBe(SignalErrorCode.InvalidMessage);
    expect(parse(skdm({ ...good, chainId: undefined }))).toBe(SignalErrorCode.InvalidMessage);
    expect(parse(skdm({ ...good, signingKey: Uint8Array.of(6, ...good.signingKey.subarray(1)) }))).toBe(SignalErrorCode.InvalidKey);
    const wideVarint = Uint8Array.of(...skdm(good), 0x10, 0xff, 0xff, 0xff, 0xff, 0x7f); // field 2 = 2^35 - 1
    expect(parse(wideVarint)).toBe(SignalErrorCode.InvalidMessage);
  });
});

const signedMessage = await SenderKeyMessage.create(distributionIdToBytes(distributionId), 5, 9, new Uint8Array(32), signing.privateKey, secureRandom);

describe("SenderKeyMessage parsing", () => {
  const bytes = signedMessage.serialized;

  it("round-trips and verifies its signature", async () => {
    const parsed = SenderKeyMessage.deserialize(bytes);
    expect([parsed.distributionId, parsed.chainId, parsed.iteration]).toEqual([distributionId, 5, 9]);
    expect(await parsed.verifySignature(signing.publicKey)).toBe(true);
    expect(await parsed.verifySignature(KeyPair.generate(secureRandom).publicKey)).toBe(false);
  });

  it("rejects messages too short to hold a signature, or cut inside the body", () => {
    expect(codeOf(() => SenderKeyMessage.deserialize(bytes.subarray(0, 64)))).toBe(SignalErrorCode.InvalidMessage);
    expect(codeOf(() => SenderKeyMessage.deserialize(bytes.subarray(0, bytes.length - 10)))).toBe(SignalErrorCode.InvalidMessage);
  });

  it("rejects legacy and unrecognised versions with UNSUPPORTED_VERSION", () => {
    for (const version of [0x22, 0x23, 0x43, 0xf3]) {
      const altered = Uint8Array.of(version, ...bytes.subarray(1));
      expect(codeOf(() => SenderKeyMessage.deserialize(altered))).toBe(SignalErrorCode.UnsupportedVersion);
    }
  });
});

describe("SenderKeyRecord storage", () => {
  function recordWith(count: number) {
    const record = new SenderKeyRecord();
    for (let chainId = 1; chainId <= count; chainId++) {
      record.addState(chainId, 0, secureRandom(32), KeyPair.generate(secureRandom).publicKey, undefined);
    }
    return record;
  }

  it("round-trips states, signing keys and skipped seeds byte for byte", () => {
    const record = recordWith(2);
    record.addState(99, 3, secureRandom(32), signing.publicKey, signing.privateKey);
    for (let i = 0; i < 10; i++) record.states[1]!.addSkippedSeed(i, secureRandom(32));
    const copy = SenderKeyRecord.deserialize(record.serialize());
    expect(copy.serialize()).toEqual(record.serialize());
    expect(copy.currentState()!.chainId).toBe(99);
    expect(copy.currentState()!.signingPrivateKey!.serialize()).toEqual(signing.privateKey.serialize());
    expect(copy.states[1]!.skippedSeeds.size).toBe(10);
  });

  it("keeps the newest five states and replaces a chain id that arrives with a new key", () => {
    const record = recordWith(MAX_SENDER_KEY_STATES + 1);
    expect(record.states.map((s) => s.chainId)).toEqual([6, 5, 4, 3, 2]);
    record.addState(4, 0, secureRandom(32), signing.publicKey, undefined);
    expect(record.states.map((s) => s.chainId)).toEqual([4, 6, 5, 3, 2]);
    expect(record.states[0]!.signingPublicKey.equals(signing.publicKey)).toBe(true);
  });

  it("clones deeply enough that changing the clone leaves the original alone", () => {
    const record = recordWith(1);
    const before = record.serialize();
    const clone = record.clone();
    clone.states[0]!.iteration = 50;
    clone.states[0]!.addSkippedSeed(1, secureRandom(32));
    clone.addState(7, 0, secureRandom(32), signing.publicKey, undefined);
    expect(record.serialize()).toEqual(before);
  });

  it("refuses garbage and unknown format versions with INVALID_STATE", () => {
    const valid = recordWith(1).serialize();
    for (const bytes of [new Uint8Array(0), Uint8Array.of(2, ...valid.subarray(1)), Uint8Array.of(1, 0x0a, 0x05, 1, 2), Uint8Array.of(1, 0xff, 0xff), valid.subarray(0, valid.length - 3)]) {
      expect(codeOf(() => SenderKeyRecord.deserialize(bytes))).toBe(SignalErrorCode.InvalidState);
    }
  });
});
