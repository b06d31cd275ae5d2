import { describe, expect, it } from "vitest";
import * as ls from "@signalapp/libsignal-client";
import { fromHex, toHex } from "../src/bytes.js";
import { KeyPair, PublicKey } from "../src/curve.js";
import { SignalErrorCode } from "../src/errors.js";
import { FINGERPRINT_ITERATIONS, FINGERPRINT_VERSION, Fingerprint, ScannableFingerprint } from "../src/fingerprint.js";
import { secureRandom } from "../src/random.js";
import { codeOf } from "./support/code-of.js";

type Bytes = Uint8Array<ArrayBuffer>;
const bytes = (b: Uint8Array): Bytes => new Uint8Array(b) as Bytes;
const text = (s: string) => new TextEncoder().encode(s);


// The version 2 test vectors of libsignal's rust/protocol/src/fingerprint.rs.
const aliceKey = PublicKey.deserialize(fromHex("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868"));
const bobKey = PublicKey.deserialize(fromHex("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b"));
const aliceId = text("+14152222222");
const bobId = text("+14153333333");

describe("fingerprints", () => {
  it("matches libsignal's published version 2 vectors", () => {
    const a = Fingerprint.create(5200, 2, aliceId, aliceKey, bobId, bobKey);
    const b = Fingerprint.create(5200, 2, bobId, bobKey, aliceId, aliceKey);
    expect(a.displayable.toString()).toBe("300354477692869396892869876765458257569162576843440918079131");
    expect(b.displayable.toString()).toBe(a.displayable.toString());
    expect(toHex(a.scannable.serialize())).toBe(
      "080212220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d",
    );
  });

  it("equals libsignal's displayable string and scannable bytes for random identities", () => {
    for (let i = 0; i < 3; i++) {
      const [local, remote] = [KeyPair.generate(secureRandom).publicKey, KeyPair.generate(secureRandom).publicKey];
      const [localId, remoteId] = [secureRandom(16), secureRandom(16)];
      const ours = Fingerprint.create(FINGERPRINT_ITERATIONS, FINGERPRINT_VERSION, localId, local, remoteId, remote);
      const lsKey = (k: PublicKey) => ls.PublicKey.deserialize(bytes(k.serialize()));
      const theirs = ls.Fingerprint.new(FINGERPRINT_ITERATIONS, FINGERPRINT_VERSION, bytes(localId), lsKey(local), bytes(remoteId), lsKey(remote));
      expect(ours.displayable.toString()).toBe(theirs.displayableFingerprint().toString());
      expect(ours.scannable.serialize()).toEqual(new Uint8Array(theirs.scannableFingerprint().toBuffer()));
    }
  });

  it("compares as libsignal does: true only for the mirrored fingerprint", () => {
    const mallory = KeyPair.generate(secureRandom).publicKey;
    const alice = Fingerprint.create(1024, 2, aliceId, aliceKey, bobId, bobKey);
    const bob = ls.Fingerprint.new(1024, 2, bytes(bobId), ls.PublicKey.deserialize(bytes(bobKey.serialize())), bytes(aliceId), ls.PublicKey.deserialize(bytes(aliceKey.serialize())));
    expect(alice.scannable.compare(bob.scannableFingerprint().toBuffer())).toBe(true);
    expect(ls.ScannableFingerprint._fromBuffer(bob.scannableFingerprint().toBuffer()).compare(ls.ScannableFingerprint._fromBuffer(bytes(alice.scannable.serialize())))).toBe(true);
    expect(alice.scannable.compare(alice.scannable.serialize())).toBe(false);
    const intercepted = Fingerprint.create(1024, 2, bobId, mallory, aliceId, aliceKey);
    expect(alice.scannable.compare(intercepted.scannable.serialize())).toBe(false);
    // Identifiers are hashed, not carried: a different one is a mismatch, not an error.
    const renamed = Fingerprint.create(1024, 2, text("+14150000000"), bobKey, aliceId, aliceKey);
    expect(alice.scannable.compare(renamed.scannable.serialize())).toBe(false);
  });

  it("throws FINGERPRINT_VERSION_MISMATCH for another or a missing version, as libsignal does", () => {
    const v2 = Fingerprint.create(1024, 2, aliceId, aliceKey, bobId, bobKey);
    const v1 = Fingerprint.create(1024, 1, bobId, bobKey, aliceId, aliceKey);
    expect(v1.displayable.toString()).toBe(v2.displayable.toString());
    expect(codeOf(() => v2.scannable.compare(v1.scannable.serialize()))).toBe(SignalErrorCode.FingerprintVersionMismatch);
    expect(codeOf(() => v2.scannable.compare(new Uint8Array(0)))).toBe(SignalErrorCode.FingerprintVersionMismatch);
    const lsV2 = ls.ScannableFingerprint._fromBuffer(bytes(v2.scannable.serialize()));
    expect(() => lsV2.compare(ls.ScannableFingerprint._fromBuffer(bytes(v1.scannable.serialize())))).toThrow(/version/);
  });

  it("rejects unparsable or incomplete scanned bytes with INVALID_MESSAGE", () => {
    const ours = new ScannableFingerprint(2, new Uint8Array(32), new Uint8Array(32).fill(1));
    expect(codeOf(() => ours.compare(Uint8Array.of(1, 2, 3)))).toBe(SignalErrorCode.InvalidMessage);
    expect(codeOf(() => ours.compare(Uint8Array.of(0x08, 0x02)))).toBe(SignalErrorCode.InvalidMessage);
    expect(codeOf(() => Fingerprint.create(1, 2, aliceId, aliceKey, bobId, bobKey))).toBe(SignalErrorCode.InvalidMessage);
  });
});
