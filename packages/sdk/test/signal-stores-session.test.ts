import { describe, expect, it } from "vitest";
import {
  CiphertextMessageType,
  KeyPair,
  ProtocolAddress,
  SenderKeyDistributionMessage,
  SignalErrorCode,
  createSenderKeyDistributionMessage,
  generateKyberPreKey,
  generatePreKeys,
  generateSignedPreKey,
  groupDecrypt,
  groupEncrypt,
  processPreKeyBundle,
  processSenderKeyDistributionMessage,
  secureRandom,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
  type CiphertextMessage,
  type PreKeyBundle,
} from "@parley/signal";
import { FakeClock } from "@parley/testkit";
import type { Entry } from "../src/storage/key-value-store.js";
import { MemoryKeyValueStore } from "../src/storage/memory-key-value-store.js";
import { SignalStores, type SignalStoresOptions } from "../src/storage/signal-stores.js";
import { StorageRunner } from "../src/storage/unit-of-work.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A device whose Signal state lives in a key-value store, each operation one unit of work. */
class StoredParty {
  readonly store = new MemoryKeyValueStore();
  readonly runner = new StorageRunner(this.store);
  readonly address: ProtocolAddress;
  readonly identity = KeyPair.generate(secureRandom);

  constructor(
    name: string,
    readonly clock: FakeClock,
    readonly options: Partial<SignalStoresOptions> = {},
    deviceId = 1,
    readonly registrationId = 1000 + deviceId,
  ) {
    this.address = new ProtocolAddress(name, deviceId);
  }

  static async create(name: string, clock: FakeClock, options: Partial<SignalStoresOptions> = {}): Promise<StoredParty> {
    const party = new StoredParty(name, clock, options);
    await party.with((stores) => stores.setLocalIdentity({ identityKeyPair: party.identity, registrationId: party.registrationId }));
    return party;
  }

  with<T>(fn: (stores: SignalStores) => Promise<T>): Promise<T> {
    return this.runner.run((tx) => fn(new SignalStores(tx, { clock: this.clock, ...this.options })));
  }

  /** Publishes fresh keys, with ids from the store's counters, and returns the bundle. */
  bundle(options: { oneTimePreKey?: boolean; lastResortKyber?: boolean } = {}): Promise<PreKeyBundle> {
    return this.with(async (stores) => {
      const now = this.clock.now();
      const signedId = await stores.nextCounter("signed-prekey-id");
      const kyberId = await stores.nextCounter("kyber-prekey-id");
      const signed = generateSignedPreKey(this.identity, signedId, now, secureRandom);
      const kyber = generateKyberPreKey(this.identity, kyberId, now, secureRandom);
      await stores.storeSignedPreKey(signedId, signed);
      await stores.storeKyberPreKey(kyberId, kyber, options.lastResortKyber ?? false);
      let oneTime;
      if (options.oneTimePreKey !== false) {
        [oneTime] = generatePreKeys(await stores.nextCounter("prekey-id"), 1, secureRandom);
        await stores.storePreKey(oneTime!.id, oneTime!);
      }
      return {
        registrationId: this.registrationId,
        deviceId: this.address.deviceId,
        ...(oneTime ? { preKeyId: oneTime.id, preKeyPublic: oneTime.keyPair.publicKey } : {}),
        signedPreKeyId: signedId,
        signedPreKeyPublic: signed.keyPair.publicKey,
        signedPreKeySignature: signed.signature,
        identityKey: this.identity.publicKey,
        kyberPreKeyId: kyberId,
        kyberPreKeyPublic: kyber.keyPair.publicKey,
        kyberPreKeySignature: kyber.signature,
      };
    });
  }

  async startSession(peer: StoredParty, bundle?: PreKeyBundle): Promise<void> {
    const keys = bundle ?? (await peer.bundle());
    await this.with((stores) => processPreKeyBundle(keys, peer.address, stores, stores, secureRandom, this.clock.now()));
  }

  encrypt(peer: StoredParty, text: string): Promise<CiphertextMessage> {
    return this.with((stores) => signalEncrypt(encoder.encode(text), peer.address, stores, stores, this.clock.now()));
  }

  /** Decrypts, and reports whether the sender's identity key changed in doing so. */
  receive(peer: StoredParty, message: CiphertextMessage): Promise<{ text: string; identityChanged: boolean }> {
    return this.with(async (stores) => {
      const plaintext =
        message.type === CiphertextMessageType.PreKey
          ? await signalDecryptPreKey(message.body, peer.address, stores.preKeyStores, secureRandom)
          : await signalDecrypt(message.body, peer.address, stores, stores, secureRandom);
      return { text: decoder.decode(plaintext), identityChanged: stores.changedIdentities.has(peer.address.name) };
    });
  }

  async decrypt(peer: StoredParty, message: CiphertextMessage): Promise<string> {
    return (await this.receive(peer, message)).text;
  }

  /** Everything stored, for comparing before and after an operation. */
  snapshot(): Promise<Entry[]> {
    return this.store.scan("");
  }
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return "no error";
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

function tampered(message: CiphertextMessage): CiphertextMessage {
  const body = message.body.slice();
  body[body.length - 12] = body[body.length - 12]! ^ 1;
  return { ...message, body };
}

describe("Signal sessions over SignalStores", () => {
  it("lets Alice and Bob exchange messages both ways", async () => {
    const clock = new FakeClock();
    const alice = await StoredParty.create("alice", clock);
    const bob = await StoredParty.create("bob", clock);
    await alice.startSession(bob);
    const first = await alice.encrypt(bob, "hello bob");
    expect(first.type).toBe(CiphertextMessageType.PreKey);
    expect(await bob.decrypt(alice, first)).toBe("hello bob");
    const reply = await bob.encrypt(alice, "hi alice");
    expect(reply.type).toBe(CiphertextMessageType.Whisper);
    expect(await alice.decrypt(bob, reply)).toBe("hi alice");
    for (let turn = 0; turn < 6; turn++) {
      const [from, to] = turn % 2 === 0 ? [alice, bob] : [bob, alice];
      expect(await to.decrypt(from, await from.encrypt(to, `turn ${turn}`))).toBe(`turn ${turn}`);
    }
    expect(await alice.with((stores) => stores.sessionDevices("bob"))).toEqual([1]);
    expect(await bob.with((stores) => stores.identityRecord("alice"))).toMatchObject({ status: "first-use", firstSeenAt: clock.now() });
  });

  it("retires the one-time prekeys a session start used", async () => {
    const clock = new FakeClock();
    const alice = await StoredParty.create("alice", clock);
    const bob = await StoredParty.create("bob", clock);
    await alice.startSession(bob);
    const first = await alice.encrypt(bob, "hello");
    expect(await bob.with(async (stores) => [await stores.countPreKeys(), await stores.countKyberPreKeys()])).toEqual([1, 1]);
    await bob.decrypt(alice, first);
    expect(await bob.with(async (stores) => [await stores.countPreKeys(), await stores.countKyberPreKeys()])).toEqual([0, 0]);
    await bob.with((stores) => stores.deleteSessions("alice"));
    expect(await codeOf(bob.decrypt(alice, first))).toBe(SignalErrorCode.InvalidKyberPreKeyId);
  });

  it("leaves every stored record as it was when a decrypt fails", async () => {
    const clock = new FakeClock();
    const alice = await StoredParty.create("alice", clock);
    const bob = await StoredParty.create("bob", clock);
    await alice.startSession(bob);
    const first = await alice.encrypt(bob, "first");
    const before = await bob.snapshot();
    expect(await codeOf(bob.decrypt(alice, tampered(first)))).toBe(SignalErrorCode.InvalidMac);
    expect(await bob.snapshot()).toEqual(before);
    expect(await bob.decrypt(alice, first)).toBe("first");
    await alice.decrypt(bob, await bob.encrypt(alice, "reply"));
    const next = await alice.encrypt(bob, "second");
    expect(next.type).toBe(CiphertextMessageType.Whisper);
    const afterFirst = await bob.snapshot();
    expect(await codeOf(bob.decrypt(alice, tampered(next)))).toBe(SignalErrorCode.InvalidMac);
    expect(await bob.snapshot()).toEqual(afterFirst);
    expect(await bob.decrypt(alice, next)).toBe("second");
  });

  it("accepts new base keys with a last-resort Kyber key and rejects a replayed one", async () => {
    const clock = new FakeClock();
    const alice = await StoredParty.create("alice", clock);
    const carol = await StoredParty.create("carol", clock);
    const bob = await StoredParty.create("bob", clock);
    const bundle = await bob.bundle({ oneTimePreKey: false, lastResortKyber: true });
    await alice.startSession(bob, bundle);
    await carol.startSession(bob, bundle);
    const fromAlice = await alice.encrypt(bob, "from alice");
    expect(await bob.decrypt(alice, fromAlice)).toBe("from alice");
    expect(await bob.decrypt(carol, await carol.encrypt(bob, "from carol"))).toBe("from carol");
    expect(await bob.with((stores) => stores.lastResortKyberPreKeyIds())).toEqual([bundle.kyberPreKeyId]);
    // Once the session has left Bob's record, only the remembered base key stops a replay.
    await bob.with((stores) => stores.deleteSessions("alice"));
    const before = await bob.snapshot();
    expect(await codeOf(bob.decrypt(alice, fromAlice))).toBe(SignalErrorCode.ReusedBaseKey);
    expect(await bob.snapshot()).toEqual(before);
  });

  it("keeps decrypting from a contact whose identity changed, but sends only once the change is accepted", async () => {
    const clock = new FakeClock();
    const alice = await StoredParty.create("alice", clock);
    const bob = await StoredParty.create("bob", clock);
    await alice.startSession(bob);
    await bob.decrypt(alice, await alice.encrypt(bob, "hello"));
    clock.advance(60_000);
    // Bob reinstalls: same account and device, new identity, no state.
    const newBob = await StoredParty.create("bob", clock);
    await newBob.startSession(alice);
    const received = await alice.receive(newBob, await newBob.encrypt(alice, "it's me, new phone"));
    expect(received).toEqual({ text: "it's me, new phone", identityChanged: true });
    expect(await alice.with((stores) => stores.identityRecord("bob"))).toMatchObject({ status: "changed", changedAt: clock.now() });
    expect(await codeOf(alice.encrypt(newBob, "who is this?"))).toBe(SignalErrorCode.UntrustedIdentity);
    expect(await alice.decrypt(newBob, await newBob.encrypt(alice, "still me"))).toBe("still me");
    await alice.with((stores) => stores.acceptIdentity("bob"));
    expect(await newBob.decrypt(alice, await alice.encrypt(newBob, "welcome back"))).toBe("welcome back");
  });

  it("goes on sending after an identity change when changes do not block", async () => {
    const clock = new FakeClock();
    const alice = await StoredParty.create("alice", clock, { blockOnIdentityChange: false });
    const bob = await StoredParty.create("bob", clock);
    await alice.startSession(bob);
    await bob.decrypt(alice, await alice.encrypt(bob, "hello"));
    const newBob = await StoredParty.create("bob", clock);
    await newBob.startSession(alice);
    expect((await alice.receive(newBob, await newBob.encrypt(alice, "new phone"))).identityChanged).toBe(true);
    expect(await alice.with((stores) => stores.identityRecord("bob"))).toMatchObject({ status: "accepted" });
    expect(await newBob.decrypt(alice, await alice.encrypt(newBob, "ok"))).toBe("ok");
  });

  it("refuses to start a session from a bundle with a different identity key until it is accepted", async () => {
    const clock = new FakeClock();
    const alice = await StoredParty.create("alice", clock);
    const bob = await StoredParty.create("bob", clock);
    await alice.startSession(bob);
    const newBob = await StoredParty.create("bob", clock);
    const bundle = await newBob.bundle();
    expect(await codeOf(alice.startSession(newBob, bundle))).toBe(SignalErrorCode.UntrustedIdentity);
    await alice.with((stores) => stores.acceptIdentity("bob", bundle.identityKey));
    await alice.startSession(newBob, bundle);
    expect(await newBob.decrypt(alice, await alice.encrypt(newBob, "hi again"))).toBe("hi again");
  });

  it("carries group messages through stored sender keys", async () => {
    const clock = new FakeClock();
    const alice = await StoredParty.create("alice", clock);
    const bob = await StoredParty.create("bob", clock);
    const distributionId = "d1d1d1d1-7000-11eb-b32a-33b8a8a487a6";
    const skdm = await alice.with((stores) => createSenderKeyDistributionMessage(alice.address, distributionId, stores, secureRandom));
    await bob.with((stores) =>
      processSenderKeyDistributionMessage(alice.address, SenderKeyDistributionMessage.deserialize(skdm.serialize()), stores),
    );
    for (let i = 0; i < 3; i++) {
      const message = await alice.with((stores) => groupEncrypt(alice.address, distributionId, stores, encoder.encode(`group ${i}`), secureRandom));
      expect(decoder.decode(await bob.with((stores) => groupDecrypt(alice.address, stores, message)))).toBe(`group ${i}`);
    }
  });
});
