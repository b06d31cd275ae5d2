import { describe, expect, it } from "vitest";
import { PublicKey } from "../src/curve.js";
import { KemPublicKey } from "../src/kem.js";
import type { PreKeyBundle } from "../src/prekey-bundle.js";
import { CiphertextMessageType, type CiphertextMessage } from "../src/session-cipher.js";
import { LibsignalParty } from "./support/libsignal-party.js";
import { Party } from "./support/party.js";

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function toOurBundle(raw: Awaited<ReturnType<LibsignalParty["bundle"]>>): PreKeyBundle {
  return {
    registrationId: raw.registrationId,
    deviceId: raw.deviceId,
    preKeyId: raw.preKeyId,
    preKeyPublic: PublicKey.deserialize(raw.preKey),
    signedPreKeyId: raw.signedPreKeyId,
    signedPreKeyPublic: PublicKey.deserialize(raw.signedPreKey),
    signedPreKeySignature: raw.signedPreKeySignature,
    identityKey: PublicKey.deserialize(raw.identityKey),
    kyberPreKeyId: raw.kyberPreKeyId,
    kyberPreKeyPublic: KemPublicKey.deserialize(raw.kyberPreKey),
    kyberPreKeySignature: raw.kyberPreKeySignature,
  };
}

function asOurs(message: { type: number; body: Uint8Array }): CiphertextMessage {
  if (message.type !== CiphertextMessageType.PreKey && message.type !== CiphertextMessageType.Whisper) throw new Error(`type ${message.type}`);
  return message as CiphertextMessage;
}

describe("pairwise sessions with libsignal", () => {
  it("starts a session from libsignal's bundle and talks both ways", async () => {
    const alice = new Party("alice");
    const bob = new LibsignalParty("bob");
    const aliceAddr = bob.addressOf("alice");
    await alice.startSession(new Party("bob"), toOurBundle(await bob.bundle()));
    const bobAsParty = new Party("bob");
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3; i++) {
        const m = await alice.encrypt(bobAsParty, `a${round}.${i}`);
        expect(m.type).toBe(round === 0 ? CiphertextMessageType.PreKey : CiphertextMessageType.Whisper);
        expect(str(await bob.decrypt(aliceAddr, m))).toBe(`a${round}.${i}`);
      }
      for (let i = 0; i < 2; i++) {
        const reply = await bob.encrypt(aliceAddr, text(`b${round}.${i}`));
        expect(await alice.decrypt(bobAsParty, asOurs(reply))).toBe(`b${round}.${i}`);
      }
    }
    expect(bob.kyberPreKeys.used).toEqual([1]);
  });

  it("lets libsignal start a session from our bundle and talks both ways", async () => {
    const alice = new LibsignalParty("alice");
    const bob = new Party("bob");
    const aliceAsParty = new Party("alice");
    const bundle = await bob.bundle();
    await alice.processBundle(alice.addressOf("bob"), {
      registrationId: bundle.registrationId,
      deviceId: bundle.deviceId,
      preKeyId: bundle.preKeyId!,
      preKey: bundle.preKeyPublic!.serialize(),
      signedPreKeyId: bundle.signedPreKeyId,
      signedPreKey: bundle.signedPreKeyPublic.serialize(),
      signedPreKeySignature: bundle.signedPreKeySignature,
      identityKey: bundle.identityKey.serialize(),
      kyberPreKeyId: bundle.kyberPreKeyId,
      kyberPreKey: bundle.kyberPreKeyPublic.serialize(),
      kyberPreKeySignature: bundle.kyberPreKeySignature,
    });
    const bobAddr = alice.addressOf("bob");
    for (let round = 0; round < 5; round++) {
      const batch = [];
      for (let i = 0; i < 3; i++) batch.push(await alice.encrypt(bobAddr, text(`a${round}.${i}`)));
      // deliver out of order within the batch
      for (const i of [2, 0, 1]) expect(await bob.decrypt(aliceAsParty, asOurs(batch[i]!))).toBe(`a${round}.${i}`);
      const reply = await bob.encrypt(aliceAsParty, `b${round}`);
      expect(str(await alice.decrypt(bobAddr, reply))).toBe(`b${round}`);
    }
    expect(await bob.preKeyStore.loadPreKey(bundle.preKeyId!)).toBeUndefined();
  });
});
