import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromHex } from "../src/bytes.js";
import { KeyPair, PrivateKey, PublicKey } from "../src/curve.js";
import { SignalError, SignalErrorCode } from "../src/errors.js";
import { ProtocolAddress } from "../src/address.js";
import { InMemoryIdentityKeyStore, InMemorySessionStore } from "../src/memory-stores.js";
import { CiphertextMessageType, signalDecrypt, signalEncrypt, type CiphertextMessage } from "../src/session-cipher.js";
import { SessionRecord } from "../src/session-record.js";
import { NOW, Party } from "./support/party.js";
import { seededRandom } from "./support/seeded-random.js";

const utf8 = (text: string) => new TextEncoder().encode(text);

interface SessionFixture {
  alice: { address: ProtocolAddress; identityKey: Uint8Array };
  bob: { registrationId: number; identityPublicKey: Uint8Array; identityPrivateKey: Uint8Array; sessionRecord: Uint8Array };
  pending: { body: Uint8Array; plaintext: Uint8Array }[];
}

function member(value: unknown, key: string): unknown {
  if (typeof value !== "object" || value === null || !(key in value)) throw new Error(`fixture lacks ${key}`);
  return (value as Record<string, unknown>)[key];
}

function integer(value: unknown, key: string): number {
  const n = member(value, key);
  if (typeof n !== "number" || !Number.isInteger(n)) throw new Error(`fixture ${key} is not an integer`);
  return n;
}

function hex(value: unknown, key: string): Uint8Array {
  const text = member(value, key);
  if (typeof text !== "string") throw new Error(`fixture ${key} is not a string`);
  return fromHex(text);
}

/** Reads a committed fixture; the test never writes it (see fixtures/make-session-fixture.ts). */
function loadFixture(name: string): SessionFixture {
  const json: unknown = JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
  const alice = member(json, "alice");
  const bob = member(json, "bob");
  const pending = member(json, "pending");
  if (!Array.isArray(pending)) throw new Error("fixture pending is not a list");
  return {
    alice: { address: new ProtocolAddress(String(member(alice, "name")), integer(alice, "deviceId")), identityKey: hex(alice, "identityKey") },
    bob: {
      registrationId: integer(bob, "registrationId"),
      identityPublicKey: hex(bob, "identityPublicKey"),
      identityPrivateKey: hex(bob, "identityPrivateKey"),
      sessionRecord: hex(bob, "sessionRecord"),
    },
    pending: pending.map((entry: unknown) => {
      if (integer(entry, "type") !== CiphertextMessageType.Whisper) throw new Error("fixture messages must be Whisper messages");
      return { body: hex(entry, "body"), plaintext: hex(entry, "plaintext") };
    }),
  };
}

/** Bob's stores as a client restarted from disk would rebuild them from the fixture's bytes. */
async function restoreBob(fixture: SessionFixture) {
  const identity = new KeyPair(PublicKey.deserialize(fixture.bob.identityPublicKey), PrivateKey.deserialize(fixture.bob.identityPrivateKey));
  const identityStore = new InMemoryIdentityKeyStore(identity, fixture.bob.registrationId);
  await identityStore.saveIdentity(fixture.alice.address, PublicKey.deserialize(fixture.alice.identityKey));
  const sessionStore = new InMemorySessionStore();
  await sessionStore.storeSession(fixture.alice.address, SessionRecord.deserialize(fixture.bob.sessionRecord));
  return { identity, identityStore, sessionStore };
}

/** A conversation whose records hold archived sessions, five receiver chains and skipped keys. */
async function busyConversation(seed: string): Promise<{ alice: Party; bob: Party; messages: CiphertextMessage[] }> {
  const alice = new Party("alice", seededRandom(`${seed}: alice`));
  const bob = new Party("bob", seededRandom(`${seed}: bob`));
  const messages: CiphertextMessage[] = [];
  const send = async (from: Party, to: Party, text: string) => {
    const message = await from.encrypt(to, text);
    messages.push(message);
    return message;
  };
  await bob.startSession(alice); // never answered: archived on Bob's side with its pending PreKey data
  await alice.startSession(bob, await bob.bundle({ oneTimePreKey: false }));
  await bob.decrypt(alice, await send(alice, bob, "first session"));
  await alice.startSession(bob); // a newer session archives the first on both sides
  for (let turn = 0; turn < 7; turn++) {
    const batch = [await send(alice, bob, `a${turn}.0`), await send(alice, bob, `a${turn}.1`), await send(alice, bob, `a${turn}.2`)];
    await bob.decrypt(alice, batch[0]!);
    await bob.decrypt(alice, batch[2]!); // batch[1] stays undelivered: Bob keeps its key
    await alice.decrypt(bob, await send(bob, alice, `b${turn}`));
  }
  return { alice, bob, messages };
}

async function record(owner: Party, peer: Party): Promise<SessionRecord> {
  const loaded = await owner.sessionStore.loadSession(peer.address);
  if (!loaded) throw new Error("no session");
  return loaded;
}

function expectInvalidState(bytes: Uint8Array, label: string): void {
  let thrown: unknown;
  try {
    SessionRecord.deserialize(bytes);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, label).toBeInstanceOf(SignalError);
  expect(thrown, label).toMatchObject({ code: SignalErrorCode.InvalidState });
}

/** Offsets where a top-level field of a record ends (fields 1 and 2: length-delimited). */
function topLevelFieldEnds(bytes: Uint8Array): Set<number> {
  const ends = new Set<number>([1]);
  let pos = 1;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (pos < bytes.length) {
    varint(); // tag
    const length = varint();
    pos += length;
    ends.add(pos);
  }
  return ends;
}

/** A length-delimited protobuf field with a one-byte tag. */
function ld(fieldNo: number, body: Uint8Array): Uint8Array {
  const length: number[] = [];
  for (let n = body.length; ; n >>>= 7) {
    if (n < 0x80) {
      length.push(n);
      break;
    }
    length.push((n & 0x7f) | 0x80);
  }
  return Uint8Array.from([(fieldNo << 3) | 2, ...length, ...body]);
}

describe("a session stored in record format 1", () => {
  it("decrypts the messages pending in the committed fixture", async () => {
    const fixture = loadFixture("session-v1.json");
    expect(fixture.bob.sessionRecord[0]).toBe(1);
    const bob = await restoreBob(fixture);
    for (const pending of fixture.pending) {
      expect(await signalDecrypt(pending.body, fixture.alice.address, bob.sessionStore, bob.identityStore, seededRandom("fixture test"))).toEqual(pending.plaintext);
    }
    const reply = await signalEncrypt(utf8("still talking"), fixture.alice.address, bob.sessionStore, bob.identityStore, NOW);
    expect(reply.type).toBe(CiphertextMessageType.Whisper);
  });

  it("decrypts the fixture's pending messages in the reverse order too", async () => {
    const fixture = loadFixture("session-v1.json");
    const bob = await restoreBob(fixture);
    for (const pending of [...fixture.pending].reverse()) {
      expect(await signalDecrypt(pending.body, fixture.alice.address, bob.sessionStore, bob.identityStore, seededRandom("fixture test"))).toEqual(pending.plaintext);
    }
  });

  it("reads the fixture's record with its archived session and skipped key, and writes the same bytes back", () => {
    const fixture = loadFixture("session-v1.json");
    const restored = SessionRecord.deserialize(fixture.bob.sessionRecord);
    expect(restored.currentState?.receiverChains.length).toBe(2);
    expect(restored.currentState?.receiverChains[1]?.skipped.size).toBe(1);
    expect(restored.previousStates).toHaveLength(1);
    expect(restored.previousStates[0]?.pendingPreKey).toBeDefined();
    expect(restored.serialize()).toEqual(fixture.bob.sessionRecord);
  });
});

describe("session record serialization", () => {
  it("round-trips records with archived sessions, five receiver chains and skipped keys byte for byte", async () => {
    const { alice, bob } = await busyConversation("round trip");
    const bobs = await record(bob, alice);
    expect(bobs.currentState?.receiverChains).toHaveLength(5);
    expect(bobs.currentState?.receiverChains.filter((chain) => chain.skipped.size > 0).length).toBeGreaterThanOrEqual(4);
    expect(bobs.previousStates).toHaveLength(2);
    expect(bobs.previousStates[1]?.pendingPreKey).toBeDefined();
    const alices = await record(alice, bob);
    expect(alices.previousStates).toHaveLength(1);
    expect(alices.previousStates[0]?.pendingPreKey?.preKeyId).toBeUndefined();

    for (const original of [bobs, alices, new SessionRecord()]) {
      const bytes = original.serialize();
      const again = SessionRecord.deserialize(bytes).serialize();
      expect(again).toEqual(bytes);
      expect(SessionRecord.deserialize(again).serialize()).toEqual(bytes);
    }
  });

  it("rejects an unknown format byte with INVALID_STATE", async () => {
    const { alice, bob } = await busyConversation("format byte");
    const bytes = (await record(bob, alice)).serialize();
    for (const format of [0x00, 0x02, 0x0a, 0xff]) {
      const changed = bytes.slice();
      changed[0] = format;
      expectInvalidState(changed, `format byte ${format}`);
    }
    expectInvalidState(new Uint8Array(0), "empty");
  });

  it("rejects every truncation inside a field with INVALID_STATE", async () => {
    const { alice, bob } = await busyConversation("truncation");
    const bytes = (await record(bob, alice)).serialize();
    // A cut exactly between two top-level fields leaves a well-formed, shorter record (format 1
    // has no length or checksum of its own), so only cuts inside a field are corrupt.
    const ends = topLevelFieldEnds(bytes);
    expect(ends.has(bytes.length)).toBe(true);
    for (let cut = 0; cut < bytes.length; cut++) {
      if (!ends.has(cut)) expectInvalidState(bytes.subarray(0, cut), `cut at ${cut} of ${bytes.length}`);
    }
  });

  it("rejects random garbage with INVALID_STATE", () => {
    const random = seededRandom("garbage records");
    for (let sample = 0; sample < 200; sample++) {
      const length = 2 + (random(1)[0]! % 120);
      const garbage = random(length);
      // A valid format byte and the tag of the current state, so that the parser reads the
      // garbage (a string of unknown fields alone would be a valid, empty record).
      garbage[0] = 1;
      garbage[1] = 0x0a;
      expectInvalidState(garbage, `sample ${sample}`);
    }
  });

  it("rejects a stored state with missing or mis-sized fields with INVALID_STATE", () => {
    const version = Uint8Array.of(0x08, 0x04);
    const key = (fill: number) => Uint8Array.from([0x05, ...new Array<number>(32).fill(fill)]);
    const header = [version, ld(2, key(1)), ld(3, key(2))];
    const sender = ld(6, Uint8Array.from([...ld(1, key(3)), ...ld(2, new Uint8Array(32).fill(4)), ...ld(3, new Uint8Array(32).fill(5))]));
    const stored = (...state: Uint8Array[]) => Uint8Array.from([1, ...ld(1, Uint8Array.from(state.flatMap((part) => [...part])))]);

    // The well-formed minimum parses, so each rejection below is due to the one broken field.
    expect(SessionRecord.deserialize(stored(...header, ld(4, new Uint8Array(32)), sender)).currentState?.version).toBe(4);
    expectInvalidState(stored(...header, sender), "no root key");
    expectInvalidState(stored(...header, ld(4, new Uint8Array(31)), sender), "31-byte root key");
    expectInvalidState(stored(...header, ld(4, new Uint8Array(32))), "no sender chain");
    expectInvalidState(stored(version, ld(2, key(1).subarray(0, 32)), ld(3, key(2)), ld(4, new Uint8Array(32)), sender), "short identity key");
    expectInvalidState(stored(...header, ld(4, new Uint8Array(32)), sender, ld(7, ld(1, key(6)))), "receiver chain without a chain key");
    expectInvalidState(Uint8Array.from([1, 0x08, 0x01]), "current state as a varint");
  });
});

describe("determinism with a seeded random source", () => {
  it("produces identical ciphertext bytes when the same operations run twice", async () => {
    const first = await busyConversation("determinism");
    const second = await busyConversation("determinism");
    expect(second.messages.map((m) => m.body)).toEqual(first.messages.map((m) => m.body));
    expect((await record(second.bob, second.alice)).serialize()).toEqual((await record(first.bob, first.alice)).serialize());
    expect((await record(second.alice, second.bob)).serialize()).toEqual((await record(first.alice, first.bob)).serialize());
  });

  it("produces different ciphertext bytes from a different seed", async () => {
    const first = await busyConversation("determinism");
    const other = await busyConversation("another seed");
    expect(other.messages[0]!.body).not.toEqual(first.messages[0]!.body);
  });
});
