import { describe, expect, it } from "vitest";
import * as ls from "@signalapp/libsignal-client";
import { ProtocolAddress } from "../src/address.js";
import { SignalErrorCode, type SignalError } from "../src/errors.js";
import {
  createSenderKeyDistributionMessage,
  groupDecrypt,
  groupEncrypt,
  processSenderKeyDistributionMessage,
} from "../src/group-cipher.js";
import { InMemorySenderKeyStore } from "../src/memory-sender-key-store.js";
import { secureRandom } from "../src/random.js";
import { PublicKey } from "../src/curve.js";
import { SenderKeyDistributionMessage, SenderKeyMessage } from "../src/sender-key-messages.js";
import { SenderKeyRecord } from "../src/sender-key-record.js";
import { fromHex } from "../src/bytes.js";
import { LibsignalSenderKeyStore } from "./support/libsignal-sender-key-store.js";

type Bytes = Uint8Array<ArrayBuffer>;
const bytes = (b: Uint8Array): Bytes => new Uint8Array(b) as Bytes;
const text = (s: string) => new TextEncoder().encode(s);
const distributionId = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0";

const ours = new ProtocolAddress("ours", 3);
const theirs = new ProtocolAddress("theirs", 2);
const lsAddress = (a: ProtocolAddress) => ls.ProtocolAddress.new(a.name, a.deviceId);

describe("Sender Keys against libsignal", () => {
  it("libsignal processes our distribution message and decrypts our messages, in any order", async () => {
    const ourStore = new InMemorySenderKeyStore();
    const lsStore = new LibsignalSenderKeyStore();
    const skdm = await createSenderKeyDistributionMessage(ours, distributionId, ourStore, secureRandom);
    const parsed = ls.SenderKeyDistributionMessage.deserialize(bytes(skdm.serialize()));
    expect([parsed.distributionId(), parsed.chainId(), parsed.iteration()]).toEqual([distributionId, skdm.chainId, 0]);
    await ls.processSenderKeyDistributionMessage(lsAddress(ours), parsed, lsStore);

    const messages: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) messages.push(await groupEncrypt(ours, distributionId, ourStore, text(`to libsignal ${i}`), secureRandom));
    for (const i of [0, 3, 1, 5, 2, 4]) {
      const plaintext = await ls.groupDecrypt(lsAddress(ours), lsStore, bytes(messages[i]!));
      expect(new TextDecoder().decode(plaintext)).toBe(`to libsignal ${i}`);
    }
    const wire = ls.SenderKeyMessage.deserialize(bytes(messages[2]!));
    expect([wire.chainId(), wire.iteration(), wire.distributionId()]).toEqual([skdm.chainId, 2, distributionId]);
    expect(wire.verifySignature(ls.PublicKey.deserialize(bytes(skdm.signingKey.serialize())))).toBe(true);
  });

  it("we process libsignal's distribution message and decrypt its messages, in any order", async () => {
    const lsStore = new LibsignalSenderKeyStore();
    const ourStore = new InMemorySenderKeyStore();
    const lsSkdm = await ls.SenderKeyDistributionMessage.create(lsAddress(theirs), distributionId, lsStore);
    const skdm = SenderKeyDistributionMessage.deserialize(lsSkdm.serialize());
    expect([skdm.distributionId, skdm.chainId, skdm.iteration]).toEqual([distributionId, lsSkdm.chainId(), 0]);
    expect(skdm.chainKey).toEqual(new Uint8Array(lsSkdm.chainKey()));
    await processSenderKeyDistributionMessage(theirs, skdm, ourStore);

    const messages: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) {
      const message = await ls.groupEncrypt(lsAddress(theirs), distributionId, lsStore, bytes(text(`from libsignal ${i}`)));
      expect(message.type()).toBe(ls.CiphertextMessageType.SenderKey);
      messages.push(message.serialize());
    }
    for (const i of [5, 0, 4, 1, 3, 2]) {
      expect(new TextDecoder().decode(await groupDecrypt(theirs, ourStore, messages[i]!))).toBe(`from libsignal ${i}`);
    }
    expect((error(await groupDecrypt(theirs, ourStore, messages[0]!).catch((e: unknown) => e)))).toBe(SignalErrorCode.DuplicateMessage);
  });

  it("encodes both messages byte for byte as libsignal does", async () => {
    const store = new InMemorySenderKeyStore();
    const skdm = await createSenderKeyDistributionMessage(ours, distributionId, store, secureRandom);
    const reference = ls.SenderKeyDistributionMessage._new(
      3,
      distributionId,
      skdm.chainId,
      skdm.iteration,
      bytes(skdm.chainKey),
      ls.PublicKey.deserialize(bytes(skdm.signingKey.serialize())),
    );
    expect(skdm.serialize()).toEqual(new Uint8Array(reference.serialize()));

    const signer = ls.PrivateKey.generate();
    const lsMessage = ls.SenderKeyMessage._new(3, distributionId, 77, 1234, bytes(new Uint8Array(48).fill(5)), signer);
    const parsed = SenderKeyMessage.deserialize(lsMessage.serialize());
    expect([parsed.distributionId, parsed.chainId, parsed.iteration]).toEqual([distributionId, 77, 1234]);
    expect(parsed.ciphertext).toEqual(new Uint8Array(48).fill(5));
    expect(await parsed.verifySignature(PublicKey.deserialize(signer.getPublicKey().serialize()))).toBe(true);
    expect(lsMessage.serialize()[0]).toBe(0x33);
  });

  it("signs, for libsignal, with a sender record stored before records held the Edwards form of the signing key", async () => {
    // A sender record (one chain at iteration 0) as this package serialized it before field 7.
    const old = fromHex(
      "010a6f08f7ad97a00610001a200b9203df63aea7c29b68449ade84400005be1f60a9cfcf850344668090f5315c2221052efb08ddfaaf17f9581e3c8" +
        "feaa28ba003e6c24f2d0d157af56b6b53c8b392642a20f8c7c9121411e50a4acf4f56cee52f440b71c9ce3302885c6d7887b9dfd79241",
    );
    const record = SenderKeyRecord.deserialize(old);
    const state = record.currentState()!;
    const direct = await SenderKeyMessage.create(fromHex("0f1e2d3c4b5a49788695a4b3c2d1e0f0"), state.chainId, 0, new Uint8Array(16), state.signingPrivateKey!, secureRandom);
    const signingKey = ls.PublicKey.deserialize(bytes(state.signingPublicKey.serialize()));
    expect(ls.SenderKeyMessage.deserialize(bytes(direct.serialized)).verifySignature(signingKey)).toBe(true);

    const ourStore = new InMemorySenderKeyStore();
    await ourStore.storeSenderKey(ours, distributionId, record);
    // Stored again, it gains field 7 (34 bytes), and its state's length prefix a byte.
    expect((await ourStore.loadSenderKey(ours, distributionId))!.serialize().length).toBe(old.length + 35);
    const lsStore = new LibsignalSenderKeyStore();
    const skdm = await createSenderKeyDistributionMessage(ours, distributionId, ourStore, secureRandom);
    await ls.processSenderKeyDistributionMessage(lsAddress(ours), ls.SenderKeyDistributionMessage.deserialize(bytes(skdm.serialize())), lsStore);
    for (const body of ["first", "second"]) {
      const message = await groupEncrypt(ours, distributionId, ourStore, text(body), secureRandom);
      expect(new TextDecoder().decode(await ls.groupDecrypt(lsAddress(ours), lsStore, bytes(message)))).toBe(body);
    }
  });

  it("rejects a libsignal message after a byte of it is altered", async () => {
    const lsStore = new LibsignalSenderKeyStore();
    const ourStore = new InMemorySenderKeyStore();
    const lsSkdm = await ls.SenderKeyDistributionMessage.create(lsAddress(theirs), distributionId, lsStore);
    await processSenderKeyDistributionMessage(theirs, SenderKeyDistributionMessage.deserialize(lsSkdm.serialize()), ourStore);
    const message = (await ls.groupEncrypt(lsAddress(theirs), distributionId, lsStore, bytes(text("x")))).serialize();
    message[message.length - 65]! ^= 1;
    expect(error(await groupDecrypt(theirs, ourStore, message).catch((e: unknown) => e))).toBe(SignalErrorCode.InvalidSignature);
  });
});

function error(value: unknown): string {
  return (value as SignalError).code;
}
