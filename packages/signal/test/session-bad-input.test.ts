// Every rejection below must leave the receiver's stored state exactly as it was, so that the
// next genuine message still decrypts: a forger or a broken network must not be able to damage
// a session.
import { describe, expect, it } from "vitest";
import { bytesEqual, concatBytes, toHex } from "../src/bytes.js";
import { PublicKey } from "../src/curve.js";
import { SignalErrorCode } from "../src/errors.js";
import type { PreKeyBundle } from "../src/prekey-bundle.js";
import { PreKeySignalMessage } from "../src/prekey-signal-message.js";
import { CiphertextMessageType, type CiphertextMessage } from "../src/session-cipher.js";
import { MAX_ARCHIVED_STATES } from "../src/session-record.js";
import { MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS } from "../src/session-state.js";
import { MAX_MESSAGE_BYTES } from "../src/signal-message.js";
import { NOW, Party } from "./support/party.js";
import { seededRandom } from "./support/seeded-random.js";
import { encryptAhead, expectRejected, flipBit, innerMessageSpan, preKey, preKeyMessageFrom, rebuildPreKey, whisper, withByte } from "./support/tamper.js";

const party = (name: string, seed = name) => new Party(name, seededRandom(`bad input: ${seed}`));

/** What `receiver` stores about `sender`: the session record's bytes and the trusted identity, in hex. */
async function stored(receiver: Party, sender: Party) {
  const session = await receiver.sessionBytes(sender);
  const identity = await receiver.identityStore.getIdentity(sender.address);
  return { session: session && toHex(session), identity: identity && toHex(identity.serialize()) };
}

/** `receiver` must reject `message` with `code` and store nothing new about `sender`. */
async function expectRefused(receiver: Party, sender: Party, message: CiphertextMessage, code: SignalErrorCode, label?: string): Promise<void> {
  const before = await stored(receiver, sender);
  await expectRejected(receiver.decryptBytes(sender, message), code, label);
  expect(await stored(receiver, sender), label).toEqual(before);
}

async function expectDelivered(receiver: Party, sender: Party, message: CiphertextMessage, text: string): Promise<void> {
  expect(await receiver.decrypt(sender, message)).toBe(text);
}

/** Alice and Bob after one exchange each way: Alice's next messages are Whisper messages. */
async function established(): Promise<{ alice: Party; bob: Party }> {
  const alice = party("alice");
  const bob = party("bob");
  await alice.startSession(bob);
  await expectDelivered(bob, alice, await alice.encrypt(bob, "hello"), "hello");
  await expectDelivered(alice, bob, await bob.encrypt(alice, "hi"), "hi");
  return { alice, bob };
}

/** Alice and Bob talk, then Alice starts a new session: its first message, not yet delivered. */
async function newSessionMessage() {
  const { alice, bob } = await established();
  const bundle = await bob.bundle();
  await alice.startSession(bob, bundle);
  const message = await alice.encrypt(bob, "new session");
  expect(message.type).toBe(CiphertextMessageType.PreKey);
  return { alice, bob, bundle, preKeyId: bundle.preKeyId!, message };
}

describe("malformed pairwise messages", () => {
  it("rejects a SignalMessage cut at any length, including empty, with INVALID_MESSAGE", async () => {
    const { alice, bob } = await established();
    const message = await alice.encrypt(bob, "whole");
    for (let cut = 0; cut < message.body.length; cut++) {
      await expectRefused(bob, alice, whisper(message.body.subarray(0, cut)), SignalErrorCode.InvalidMessage, `cut at ${cut}`);
    }
    await expectDelivered(bob, alice, message, "whole");
  });

  it("rejects a PreKeySignalMessage cut at any length, including empty, with INVALID_MESSAGE and consumes no prekey", async () => {
    const { alice, bob, preKeyId, message } = await newSessionMessage();
    const before = await stored(bob, alice);
    for (let cut = 0; cut < message.body.length; cut++) {
      await expectRejected(bob.decryptBytes(alice, preKey(message.body.subarray(0, cut))), SignalErrorCode.InvalidMessage, `cut at ${cut}`);
    }
    expect(await stored(bob, alice)).toEqual(before);
    expect(await bob.preKeyStore.loadPreKey(preKeyId)).toBeDefined();
    await expectDelivered(bob, alice, message, "new session");
  });

  it("rejects messages longer than MAX_MESSAGE_BYTES with MESSAGE_TOO_LARGE", async () => {
    const { alice, bob, message } = await newSessionMessage();
    const padded = (body: Uint8Array) => concatBytes(body, new Uint8Array(MAX_MESSAGE_BYTES + 1 - body.length));
    await expectRefused(bob, alice, preKey(padded(message.body)), SignalErrorCode.MessageTooLarge);
    await expectDelivered(bob, alice, message, "new session");
    await expectDelivered(alice, bob, await bob.encrypt(alice, "ack"), "ack");
    const whole = await alice.encrypt(bob, "whole");
    await expectRefused(bob, alice, whisper(padded(whole.body)), SignalErrorCode.MessageTooLarge);
    await expectDelivered(bob, alice, whole, "whole");
  });

  it("decrypts a message of a million bytes, under the size limit", async () => {
    const { alice, bob } = await established();
    const big = new Uint8Array(1_000_000).fill(0x61);
    const message = await alice.encrypt(bob, big);
    expect(message.body.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(bytesEqual(await bob.decryptBytes(alice, message), big)).toBe(true); // toEqual is slow on a megabyte
  });

  it("rejects version bytes 0x34 and 0x54 with UNSUPPORTED_VERSION, outside and inside a PreKey message", async () => {
    const { alice, bob, message } = await newSessionMessage();
    const inner = innerMessageSpan(message.body);
    for (const version of [0x34, 0x54]) {
      await expectRefused(bob, alice, preKey(withByte(message.body, 0, version)), SignalErrorCode.UnsupportedVersion, `outer ${version}`);
      await expectRefused(bob, alice, preKey(withByte(message.body, inner.start, version)), SignalErrorCode.UnsupportedVersion, `inner ${version}`);
    }
    await expectDelivered(bob, alice, message, "new session");
    await expectDelivered(alice, bob, await bob.encrypt(alice, "ack"), "ack");
    const next = await alice.encrypt(bob, "next");
    for (const version of [0x34, 0x54]) {
      await expectRefused(bob, alice, whisper(withByte(next.body, 0, version)), SignalErrorCode.UnsupportedVersion, `whisper ${version}`);
    }
    await expectDelivered(bob, alice, next, "next");
  });

  it("rejects garbage protobuf with INVALID_MESSAGE", async () => {
    const { alice, bob } = await established();
    const mac = new Array<number>(8).fill(0);
    const ratchetKey = [0x0a, 0x21, 0x05, ...new Array<number>(32).fill(9)];
    const ciphertext = [0x22, 0x10, ...new Array<number>(16).fill(7)];
    const garbage: Record<string, number[]> = {
      "no fields at all": [0x44, ...mac],
      "an unterminated varint": [0x44, ...new Array<number>(12).fill(0xff), ...mac],
      "wire type 7": [0x44, 0x0f, ...mac],
      "a length past the end": [0x44, 0x0a, 0x40, 1, 2, 3, ...mac],
      "no ratchet key": [0x44, 0x10, 0x00, ...ciphertext, ...mac],
      "a ratchet key sent as a varint": [0x44, 0x08, 0x01, 0x10, 0x00, ...ciphertext, ...mac],
      "no counter": [0x44, ...ratchetKey, ...ciphertext, ...mac],
      "a counter of 2^32": [0x44, ...ratchetKey, 0x10, 0x80, 0x80, 0x80, 0x80, 0x10, ...ciphertext, ...mac],
      "no ciphertext": [0x44, ...ratchetKey, 0x10, 0x00, ...mac],
    };
    for (const [label, bytes] of Object.entries(garbage)) {
      await expectRefused(bob, alice, whisper(Uint8Array.from(bytes)), SignalErrorCode.InvalidMessage, label);
    }
    const { message } = await newSessionMessage();
    const kyberCiphertext = PreKeySignalMessage.deserialize(message.body).kyberCiphertext;
    const badPreKeys: Record<string, Uint8Array> = {
      "a PreKey message with no fields": Uint8Array.of(0x44),
      "a PreKey message of 0xff bytes": Uint8Array.from([0x44, ...new Array<number>(20).fill(0xff)]),
      "a short Kyber ciphertext": rebuildPreKey(message.body, { kyberCiphertext: kyberCiphertext.subarray(0, 1568) }),
    };
    for (const [label, bytes] of Object.entries(badPreKeys)) {
      await expectRefused(bob, alice, preKey(bytes), SignalErrorCode.InvalidMessage, label);
    }
    await expectDelivered(bob, alice, await alice.encrypt(bob, "still fine"), "still fine");
  });

  it("rejects a ratchet key of the wrong length with INVALID_KEY", async () => {
    const { alice, bob } = await established();
    const shortKey = Uint8Array.from([0x44, 0x0a, 0x20, 0x05, ...new Array<number>(31).fill(9), 0x10, 0x00, 0x22, 0x10, ...new Array<number>(16).fill(7), ...new Array<number>(8).fill(0)]);
    await expectRefused(bob, alice, whisper(shortKey), SignalErrorCode.InvalidKey);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "still fine"), "still fine");
  });
});

describe("forged and replayed messages", () => {
  it("rejects a flipped bit in the MAC, the ciphertext or the ratchet key with INVALID_MAC", async () => {
    const { alice, bob } = await established();
    const message = await alice.encrypt(bob, "authentic");
    const body = message.body;
    const forgeries: Record<string, Uint8Array> = {
      "MAC, last byte": flipBit(body, body.length - 1),
      "MAC, first byte": flipBit(body, body.length - 8, 7),
      "ciphertext, last byte": flipBit(body, body.length - 9),
      "ratchet key": flipBit(body, 20, 3),
    };
    for (const [label, forged] of Object.entries(forgeries)) {
      await expectRefused(bob, alice, whisper(forged), SignalErrorCode.InvalidMac, label);
    }
    await expectDelivered(bob, alice, message, "authentic");
  });

  it("rejects a PreKey message with a forged MAC or a tampered Kyber ciphertext with INVALID_MAC and consumes no prekey", async () => {
    const { alice, bob, preKeyId, message } = await newSessionMessage();
    const inner = innerMessageSpan(message.body);
    const kyberCiphertext = PreKeySignalMessage.deserialize(message.body).kyberCiphertext;
    const forgeries: Record<string, Uint8Array> = {
      "inner MAC": flipBit(message.body, inner.end - 1),
      "inner ciphertext": flipBit(message.body, inner.end - 9),
      "Kyber ciphertext": rebuildPreKey(message.body, { kyberCiphertext: flipBit(kyberCiphertext, 700) }),
    };
    for (const [label, forged] of Object.entries(forgeries)) {
      await expectRefused(bob, alice, preKey(forged), SignalErrorCode.InvalidMac, label);
    }
    expect(await bob.preKeyStore.loadPreKey(preKeyId)).toBeDefined();
    await expectDelivered(bob, alice, message, "new session");
  });

  it("rejects a replayed message with DUPLICATE_MESSAGE", async () => {
    const { alice, bob } = await established();
    const message = await alice.encrypt(bob, "once");
    await expectDelivered(bob, alice, message, "once");
    await expectRefused(bob, alice, message, SignalErrorCode.DuplicateMessage);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "twice"), "twice");
  });

  it("rejects a replay of a message first delivered out of order with DUPLICATE_MESSAGE", async () => {
    const { alice, bob } = await established();
    const early = await alice.encrypt(bob, "early");
    const late = await alice.encrypt(bob, "late");
    await expectDelivered(bob, alice, late, "late");
    await expectDelivered(bob, alice, early, "early");
    await expectRefused(bob, alice, early, SignalErrorCode.DuplicateMessage);
    await expectRefused(bob, alice, late, SignalErrorCode.DuplicateMessage);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "after"), "after");
  });
});

describe("counters far ahead of the chain", () => {
  it("rejects a message more than 25,000 ahead with TOO_FAR_IN_FUTURE", async () => {
    const { alice, bob } = await established();
    await expectDelivered(bob, alice, await alice.encrypt(bob, "counter 0"), "counter 0");
    // Bob next expects counter 1; this one has counter 1 + 25,001.
    const far = await encryptAhead(alice, bob, MAX_FORWARD_JUMPS + 1, "too far");
    await expectRefused(bob, alice, far, SignalErrorCode.TooFarInFuture);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "counter 1"), "counter 1");
  });

  it("decrypts a message exactly 25,000 ahead and keeps only the newest 2,000 skipped keys", async () => {
    const { alice, bob } = await established();
    await expectDelivered(bob, alice, await alice.encrypt(bob, "counter 0"), "counter 0");
    await expectDelivered(bob, alice, await encryptAhead(alice, bob, MAX_FORWARD_JUMPS, "counter 25,001"), "counter 25,001");
    // Keys for counters 1..25,000 were derived; 23,001..25,000 are kept, the older ones dropped.
    const oldestKept = MAX_FORWARD_JUMPS - MAX_MESSAGE_KEYS;
    await expectDelivered(bob, alice, await encryptAhead(alice, bob, MAX_FORWARD_JUMPS - 1, "counter 25,000"), "counter 25,000");
    await expectDelivered(bob, alice, await encryptAhead(alice, bob, oldestKept, "counter 23,001"), "counter 23,001");
    await expectRefused(bob, alice, await encryptAhead(alice, bob, oldestKept - 1, "counter 23,000"), SignalErrorCode.DuplicateMessage);
    await expectRefused(bob, alice, await alice.encrypt(bob, "counter 1"), SignalErrorCode.DuplicateMessage);
  });
});

describe("prekey bundles", () => {
  async function expectBundleRefused(alice: Party, bob: Party, bundle: PreKeyBundle, code: SignalErrorCode, label: string) {
    const before = await stored(alice, bob);
    await expectRejected(alice.startSession(bob, bundle), code, label);
    expect(await stored(alice, bob), label).toEqual(before);
  }

  it("rejects a bundle whose signed-prekey signature does not verify with INVALID_SIGNATURE and stores nothing", async () => {
    const alice = party("alice");
    const bob = party("bob");
    const bundle = await bob.bundle();
    const other = await bob.bundle();
    const bad = {
      "a flipped signature bit": { ...bundle, signedPreKeySignature: flipBit(bundle.signedPreKeySignature, 5) },
      "another key under the signature": { ...bundle, signedPreKeyPublic: other.signedPreKeyPublic },
      "a zero signature": { ...bundle, signedPreKeySignature: new Uint8Array(64) },
      "a signature of another identity": { ...bundle, identityKey: party("mallory").identity.publicKey },
    };
    for (const [label, b] of Object.entries(bad)) await expectBundleRefused(alice, bob, b, SignalErrorCode.InvalidSignature, label);
    expect(await alice.sessionBytes(bob)).toBeUndefined();
    expect(await alice.identityStore.getIdentity(bob.address)).toBeUndefined();
    await alice.startSession(bob, bundle);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "signed properly"), "signed properly");
  });

  it("rejects a bundle whose Kyber-prekey signature does not verify with INVALID_SIGNATURE and stores nothing", async () => {
    const alice = party("alice");
    const bob = party("bob");
    const bundle = await bob.bundle();
    const other = await bob.bundle();
    const bad = {
      "a flipped signature bit": { ...bundle, kyberPreKeySignature: flipBit(bundle.kyberPreKeySignature, 33) },
      "another key under the signature": { ...bundle, kyberPreKeyPublic: other.kyberPreKeyPublic },
      "the signed prekey's signature": { ...bundle, kyberPreKeySignature: bundle.signedPreKeySignature },
    };
    for (const [label, b] of Object.entries(bad)) await expectBundleRefused(alice, bob, b, SignalErrorCode.InvalidSignature, label);
    expect(await alice.sessionBytes(bob)).toBeUndefined();
    expect(await alice.identityStore.getIdentity(bob.address)).toBeUndefined();
    await alice.startSession(bob, bundle);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "signed properly"), "signed properly");
  });

  it("rejects a bundle from a changed identity with UNTRUSTED_IDENTITY and keeps the old session", async () => {
    const { alice, bob } = await established();
    const reinstalledBob = party("bob", "bob, reinstalled");
    await expectBundleRefused(alice, bob, await reinstalledBob.bundle(), SignalErrorCode.UntrustedIdentity, "new identity");
    await expectDelivered(bob, alice, await alice.encrypt(bob, "old session"), "old session");
  });
});

describe("PreKey messages that do not match the receiver's keys", () => {
  it("rejects a PreKey message naming a signed prekey the receiver does not have with INVALID_SIGNED_PREKEY_ID", async () => {
    const { alice, bob } = await established();
    const bundle = await bob.bundle();
    // As if Bob had rotated the signed prekey away: the id is not covered by the signature.
    const message = await preKeyMessageFrom(alice, bob, { ...bundle, signedPreKeyId: 999 }, "rotated away");
    await expectRefused(bob, alice, message, SignalErrorCode.InvalidSignedPreKeyId);
    expect(await bob.preKeyStore.loadPreKey(bundle.preKeyId!)).toBeDefined();
    await expectDelivered(bob, alice, await alice.encrypt(bob, "old session"), "old session");
  });

  it("rejects a PreKey message whose one-time Kyber prekey is used up with INVALID_KYBER_PREKEY_ID", async () => {
    const { alice, bob } = await established();
    const carol = party("carol");
    const bundle = await bob.bundle({ oneTimePreKey: false });
    await carol.startSession(bob, bundle);
    await expectDelivered(bob, carol, await carol.encrypt(bob, "carol first"), "carol first");
    await expectRefused(bob, alice, await preKeyMessageFrom(alice, bob, bundle, "too late"), SignalErrorCode.InvalidKyberPreKeyId);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "old session"), "old session");
  });

  it("rejects a PreKey message whose one-time prekey is used up with INVALID_PREKEY_ID", async () => {
    const { alice, bob } = await established();
    const carol = party("carol");
    const bundle = await bob.bundle({ lastResortKyber: true });
    await carol.startSession(bob, bundle);
    await expectDelivered(bob, carol, await carol.encrypt(bob, "carol first"), "carol first");
    await expectRefused(bob, alice, await preKeyMessageFrom(alice, bob, bundle, "too late"), SignalErrorCode.InvalidPreKeyId);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "old session"), "old session");
  });

  it("rejects a PreKey message with a non-canonical base key with INVALID_KEY", async () => {
    const { alice, bob, preKeyId, message } = await newSessionMessage();
    const baseKey = PreKeySignalMessage.deserialize(message.body).baseKey;
    const topBitSet = baseKey.raw.slice();
    topBitSet[31] = topBitSet[31]! | 0x80; // the same X25519 point, encoded a second way
    const fieldPrime = Uint8Array.from([0xed, ...new Array<number>(30).fill(0xff), 0x7f]); // u = p
    for (const [label, raw] of Object.entries({ "top bit set": topBitSet, "u = p": fieldPrime })) {
      await expectRefused(bob, alice, preKey(rebuildPreKey(message.body, { baseKey: PublicKey.fromRaw(raw) })), SignalErrorCode.InvalidKey, label);
    }
    expect(await bob.preKeyStore.loadPreKey(preKeyId)).toBeDefined();
    await expectDelivered(bob, alice, message, "new session");
  });

  it("rejects a PreKey message from a changed identity with UNTRUSTED_IDENTITY and consumes no prekey", async () => {
    const { alice, bob } = await established();
    const reinstalledAlice = party("alice", "alice, reinstalled");
    const bundle = await bob.bundle();
    await reinstalledAlice.startSession(bob, bundle);
    await expectRefused(bob, reinstalledAlice, await reinstalledAlice.encrypt(bob, "it's me, new phone"), SignalErrorCode.UntrustedIdentity);
    expect(await bob.preKeyStore.loadPreKey(bundle.preKeyId!)).toBeDefined();
    expect(await bob.kyberPreKeyStore.loadKyberPreKey(bundle.kyberPreKeyId)).toBeDefined();
    await expectDelivered(bob, alice, await alice.encrypt(bob, "old session"), "old session");
  });
});

describe("sessions that cannot be used", () => {
  const DAY = 24 * 60 * 60 * 1000;

  it("refuses to encrypt with UNTRUSTED_IDENTITY when the stored identity differs from the session's", async () => {
    const { alice, bob } = await established();
    const reinstalledBob = party("bob", "bob, reinstalled");
    await alice.identityStore.saveIdentity(bob.address, reinstalledBob.identity.publicKey); // e.g. learnt and accepted elsewhere
    const before = await alice.sessionBytes(bob);
    await expectRejected(alice.encrypt(bob, "to whom?"), SignalErrorCode.UntrustedIdentity);
    expect(await alice.sessionBytes(bob)).toEqual(before);
    // Trusting the session's key again, the session works and lost no message number.
    await alice.identityStore.saveIdentity(bob.address, bob.identity.publicKey);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "back again"), "back again");
  });

  it("refuses to encrypt on a session unanswered for more than 30 days with NO_SESSION", async () => {
    const alice = party("alice");
    const bob = party("bob");
    await alice.startSession(bob);
    const before = await alice.sessionBytes(bob);
    await expectRejected(alice.encrypt(bob, "too late", NOW + 30 * DAY + 1), SignalErrorCode.NoSession);
    expect(await alice.sessionBytes(bob)).toEqual(before);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "just in time", NOW + 30 * DAY), "just in time");
  });

  it("keeps encrypting on an answered session however old it is", async () => {
    const { alice, bob } = await established();
    await expectDelivered(bob, alice, await alice.encrypt(bob, "a year on", NOW + 365 * DAY), "a year on");
  });

  it("refuses to encrypt without a session with NO_SESSION", async () => {
    const alice = party("alice");
    const bob = party("bob");
    await expectRejected(alice.encrypt(bob, "hello?"), SignalErrorCode.NoSession);
    expect(await alice.sessionBytes(bob)).toBeUndefined();
  });

  it("refuses to decrypt a Whisper message from a sender it has no session with with NO_SESSION", async () => {
    const { alice, bob } = await established();
    const carol = party("carol");
    const message = await alice.encrypt(bob, "for bob");
    await expectRefused(bob, carol, message, SignalErrorCode.NoSession);
    await expectDelivered(bob, alice, message, "for bob");
  });
});

describe("prekey consumption", () => {
  it("removes one-time prekeys after use and answers a replayed PreKey message with DUPLICATE_MESSAGE", async () => {
    const alice = party("alice");
    const bob = party("bob");
    const bundle = await bob.bundle();
    await alice.startSession(bob, bundle);
    const first = await alice.encrypt(bob, "first");
    const second = await alice.encrypt(bob, "second");
    await expectDelivered(bob, alice, first, "first");
    expect(await bob.preKeyStore.loadPreKey(bundle.preKeyId!)).toBeUndefined();
    expect(await bob.kyberPreKeyStore.loadKyberPreKey(bundle.kyberPreKeyId)).toBeUndefined();
    expect(await bob.signedPreKeyStore.loadSignedPreKey(bundle.signedPreKeyId)).toBeDefined();
    await expectRefused(bob, alice, first, SignalErrorCode.DuplicateMessage);
    // The session's later PreKey messages need no prekey: the session exists already.
    await expectDelivered(bob, alice, second, "second");
  });

  it("keeps a last-resort Kyber prekey after use, yet does not start a second session from a replay", async () => {
    const alice = party("alice");
    const bob = party("bob");
    const bundle = await bob.bundle({ oneTimePreKey: false, lastResortKyber: true });
    await alice.startSession(bob, bundle);
    const first = await alice.encrypt(bob, "first");
    await expectDelivered(bob, alice, first, "first");
    expect(await bob.kyberPreKeyStore.loadKyberPreKey(bundle.kyberPreKeyId)).toBeDefined();
    await expectRefused(bob, alice, first, SignalErrorCode.DuplicateMessage);
    await expectDelivered(alice, bob, await bob.encrypt(alice, "reply"), "reply");
  });

  // Fails today: see the report. libsignal 0.90 passes the signed prekey id and base key to
  // markKyberPreKeyUsed so that a store can refuse a base key it has seen with a last-resort key;
  // Parley's port passes only the Kyber id, so once the session has left Bob's record (40 newer
  // sessions, or a reset) a replay starts a stale session and its message is delivered again.
  it("rejects a replayed PreKey message made with a last-resort Kyber prekey after its session has left the record", async () => {
    const alice = party("alice");
    const bob = party("bob");
    await alice.startSession(bob, await bob.bundle({ oneTimePreKey: false, lastResortKyber: true }));
    const first = await alice.encrypt(bob, "first");
    await expectDelivered(bob, alice, first, "first");
    for (let i = 0; i <= MAX_ARCHIVED_STATES; i++) {
      await alice.startSession(bob);
      await expectDelivered(bob, alice, await alice.encrypt(bob, `session ${i}`), `session ${i}`);
    }
    const record = await bob.sessionStore.loadSession(alice.address);
    expect(record?.previousStates).toHaveLength(MAX_ARCHIVED_STATES); // the first session is gone
    const before = await stored(bob, alice);
    await expect(bob.decryptBytes(alice, first)).rejects.toMatchObject({ code: SignalErrorCode.ReusedBaseKey });
    expect(await stored(bob, alice)).toEqual(before);
  });

  it("answers a replayed PreKey message of an archived session with DUPLICATE_MESSAGE without promoting that session", async () => {
    const alice = party("alice");
    const bob = party("bob");
    await alice.startSession(bob);
    const first = await alice.encrypt(bob, "first session");
    await expectDelivered(bob, alice, first, "first session");
    await alice.startSession(bob);
    await expectDelivered(bob, alice, await alice.encrypt(bob, "second session"), "second session");
    await expectRefused(bob, alice, first, SignalErrorCode.DuplicateMessage);
    await expectDelivered(alice, bob, await bob.encrypt(alice, "on the second"), "on the second");
  });
});
