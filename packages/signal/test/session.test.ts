import { describe, expect, it } from "vitest";
import { CiphertextMessageType } from "../src/session-cipher.js";
import { Party } from "./support/party.js";

describe("pairwise sessions", () => {
  it("lets Alice and Bob exchange messages both ways after a session start", async () => {
    const alice = new Party("alice");
    const bob = new Party("bob");
    await alice.startSession(bob);
    const first = await alice.encrypt(bob, "hello bob");
    expect(first.type).toBe(CiphertextMessageType.PreKey);
    expect(await bob.decrypt(alice, first)).toBe("hello bob");
    const reply = await bob.encrypt(alice, "hi alice");
    expect(reply.type).toBe(CiphertextMessageType.Whisper);
    expect(await alice.decrypt(bob, reply)).toBe("hi alice");
    const next = await alice.encrypt(bob, "how are you");
    expect(next.type).toBe(CiphertextMessageType.Whisper);
    expect(await bob.decrypt(alice, next)).toBe("how are you");
  });

  it("keeps sending PreKey messages until the first reply", async () => {
    const alice = new Party("alice");
    const bob = new Party("bob");
    await alice.startSession(bob);
    const m1 = await alice.encrypt(bob, "one");
    const m2 = await alice.encrypt(bob, "two");
    expect(m2.type).toBe(CiphertextMessageType.PreKey);
    expect(await bob.decrypt(alice, m1)).toBe("one");
    expect(await bob.decrypt(alice, m2)).toBe("two");
  });

  it("decrypts messages delivered out of order", async () => {
    const alice = new Party("alice");
    const bob = new Party("bob");
    await alice.startSession(bob);
    await bob.decrypt(alice, await alice.encrypt(bob, "start"));
    await alice.decrypt(bob, await bob.encrypt(alice, "ack"));
    const messages = [];
    for (let i = 0; i < 10; i++) messages.push(await alice.encrypt(bob, `m${i}`));
    const order = [9, 0, 5, 1, 2, 8, 3, 4, 7, 6];
    for (const i of order) expect(await bob.decrypt(alice, messages[i]!)).toBe(`m${i}`);
  });

  it("survives many ratchet turns in both directions", async () => {
    const alice = new Party("alice");
    const bob = new Party("bob");
    await alice.startSession(bob);
    for (let turn = 0; turn < 20; turn++) {
      const [from, to] = turn % 2 === 0 ? [alice, bob] : [bob, alice];
      for (let i = 0; i < 3; i++) expect(await to.decrypt(from, await from.encrypt(to, `t${turn}.${i}`))).toBe(`t${turn}.${i}`);
    }
  });

  it("starts sessions without a one-time prekey and with a last-resort Kyber key", async () => {
    const alice = new Party("alice");
    const bob = new Party("bob");
    const carol = new Party("carol");
    const bundle = await bob.bundle({ oneTimePreKey: false, lastResortKyber: true });
    await alice.startSession(bob, bundle);
    await carol.startSession(bob, bundle);
    expect(await bob.decrypt(alice, await alice.encrypt(bob, "from alice"))).toBe("from alice");
    expect(await bob.decrypt(carol, await carol.encrypt(bob, "from carol"))).toBe("from carol");
  });

  it("recovers when both sides start sessions at the same time", async () => {
    const alice = new Party("alice");
    const bob = new Party("bob");
    await alice.startSession(bob);
    await bob.startSession(alice);
    const fromAlice = await alice.encrypt(bob, "a1");
    const fromBob = await bob.encrypt(alice, "b1");
    expect(await bob.decrypt(alice, fromAlice)).toBe("a1");
    expect(await alice.decrypt(bob, fromBob)).toBe("b1");
    // Each side now has its own session current and the other archived; both keep working.
    expect(await bob.decrypt(alice, await alice.encrypt(bob, "a2"))).toBe("a2");
    expect(await alice.decrypt(bob, await bob.encrypt(alice, "b2"))).toBe("b2");
  });
});
