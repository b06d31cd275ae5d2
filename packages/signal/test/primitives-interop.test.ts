import { describe, expect, it } from "vitest";
import * as libsignal from "@signalapp/libsignal-client";
import { KemKeyPair, KemPublicKey, KemSecretKey } from "../src/kem.js";
import { KeyPair, PrivateKey, PublicKey } from "../src/curve.js";
import { secureRandom } from "../src/random.js";
import { concatBytes, utf8 } from "../src/bytes.js";
import { sha512 } from "../src/crypto.js";
import { seededRandom } from "./support/seeded-random.js";
import { withoutNativeSigning } from "./support/without-native-signing.js";

describe("curve keys and XEdDSA against libsignal", () => {
  it("derives the same public key from a private key", () => {
    for (let i = 0; i < 20; i++) {
      const theirs = libsignal.PrivateKey.generate();
      const ours = PrivateKey.deserialize(theirs.serialize());
      expect(ours.publicKey().serialize()).toEqual(theirs.getPublicKey().serialize());
    }
  });

  it("verifies signatures made by libsignal", async () => {
    for (let i = 0; i < 20; i++) {
      const theirs = libsignal.PrivateKey.generate();
      const message = secureRandom(i * 7);
      const signature = theirs.sign(message as Uint8Array<ArrayBuffer>);
      const pub = PublicKey.deserialize(theirs.getPublicKey().serialize());
      expect(await pub.verifySignature(message, signature)).toBe(true);
      const tampered = message.length ? Uint8Array.from(message, (b, j) => (j === 0 ? b ^ 1 : b)) : utf8("x");
      expect(await pub.verifySignature(tampered, signature)).toBe(false);
    }
  });

  it("makes signatures libsignal verifies", () => {
    for (let i = 0; i < 20; i++) {
      const ours = KeyPair.generate(secureRandom);
      const message = secureRandom(1 + i * 11);
      const signature = ours.privateKey.sign(message, secureRandom);
      const theirs = libsignal.PublicKey.deserialize(ours.publicKey.serialize() as Uint8Array<ArrayBuffer>);
      expect(theirs.verify(message as Uint8Array<ArrayBuffer>, signature as Uint8Array<ArrayBuffer>)).toBe(true);
    }
  });

  it("makes signatures libsignal verifies with the native nonce point (signAsync)", async () => {
    for (let i = 0; i < 20; i++) {
      const ours = KeyPair.generate(secureRandom);
      const message = secureRandom(1 + i * 61);
      const signature = await ours.privateKey.signAsync(message, secureRandom);
      const theirs = libsignal.PublicKey.deserialize(ours.publicKey.serialize() as Uint8Array<ArrayBuffer>);
      expect(theirs.verify(message as Uint8Array<ArrayBuffer>, signature as Uint8Array<ArrayBuffer>)).toBe(true);
      expect(await ours.publicKey.verifySignature(message, signature)).toBe(true);
    }
  });

  it("agrees on the same shared secret", async () => {
    const ours = KeyPair.generate(secureRandom);
    const theirs = libsignal.PrivateKey.generate();
    const a = await ours.privateKey.agree(PublicKey.deserialize(theirs.getPublicKey().serialize()));
    const b = theirs.agree(libsignal.PublicKey.deserialize(ours.publicKey.serialize() as Uint8Array<ArrayBuffer>));
    expect(a).toEqual(new Uint8Array(b));
  });
});

describe("Kyber-1024 keys", () => {
  it("reads libsignal's key encodings and round-trips a shared secret with them", () => {
    const theirs = libsignal.KEMKeyPair.generate();
    const pub = KemPublicKey.deserialize(theirs.getPublicKey().serialize());
    const secret = KemSecretKey.deserialize(theirs.getSecretKey().serialize());
    const { ciphertext, sharedSecret } = pub.encapsulate(secureRandom);
    expect(ciphertext.length).toBe(1569);
    expect(secret.decapsulate(ciphertext)).toEqual(sharedSecret);
    expect(secret.decapsulate(ciphertext)).toEqual(sharedSecret);
  });

  it("yields a different secret for a tampered ciphertext", () => {
    const pair = KemKeyPair.generate(secureRandom);
    const { ciphertext, sharedSecret } = pair.publicKey.encapsulate(secureRandom);
    ciphertext[100] = ciphertext[100]! ^ 1;
    expect(pair.secretKey.decapsulate(ciphertext)).not.toEqual(sharedSecret);
  });
});

describe("native fast paths agree with the pure-JS results", () => {
  it("computes the same X25519 agreement as noble", async () => {
    const { x25519 } = await import("@noble/curves/ed25519.js");
    for (let i = 0; i < 5; i++) {
      const ours = KeyPair.generate(secureRandom);
      const peer = KeyPair.generate(secureRandom);
      expect(await ours.privateKey.agree(peer.publicKey)).toEqual(x25519.getSharedSecret(ours.privateKey.serialize(), peer.publicKey.raw));
    }
  });

  it("falls back to JS agreement when the native import refuses a key stored with a wrong public half", async () => {
    const { x25519 } = await import("@noble/curves/ed25519.js");
    const ours = KeyPair.generate(secureRandom);
    const peer = KeyPair.generate(secureRandom);
    const mismatched = new KeyPair(peer.publicKey, PrivateKey.deserialize(ours.privateKey.serialize()));
    expect(await mismatched.privateKey.agree(peer.publicKey)).toEqual(x25519.getSharedSecret(ours.privateKey.serialize(), peer.publicKey.raw));
  });

  it("accepts, like libsignal, a signature whose s is not reduced (s + L), which RFC 8032 refuses", async () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const theirs = libsignal.PrivateKey.generate();
    const message = utf8("malleable");
    const signature = new Uint8Array(theirs.sign(message as Uint8Array<ArrayBuffer>));
    const signBit = signature[63]! & 0x80;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(i === 63 ? signature[i]! & 0x7f : signature[i]!);
    let bumped = s + L;
    for (let i = 32; i < 64; i++) {
      signature[i] = Number(bumped & 0xffn);
      bumped >>= 8n;
    }
    signature[63] = signature[63]! | signBit;
    const theirKey = theirs.getPublicKey();
    expect(theirKey.verify(message as Uint8Array<ArrayBuffer>, signature as Uint8Array<ArrayBuffer>)).toBe(true);
    expect(await PublicKey.deserialize(theirKey.serialize()).verifySignature(message, signature)).toBe(true);
  });

  it("signs with R from the platform's Ed25519 signature of hash1 under the public all-zero seed", async () => {
    const { ed25519 } = await import("@noble/curves/ed25519.js");
    const z = new Uint8Array(64).fill(9);
    const fixedZ = () => z.slice();
    const ours = KeyPair.generate(secureRandom);
    const message = utf8("nonce");
    const hash1 = sha512(concatBytes(Uint8Array.of(0xfe, ...new Uint8Array(31).fill(0xff)), ours.privateKey.serialize(), message, z));
    const nativeR = ed25519.sign(hash1, new Uint8Array(32)).subarray(0, 32);
    expect((await ours.privateKey.signAsync(message, fixedZ)).subarray(0, 32)).toEqual(nativeR);
    expect(ours.privateKey.sign(message, fixedZ).subarray(0, 32)).not.toEqual(nativeR);
  });

  it("signs as sign() does when the platform cannot sign with Ed25519", async () => {
    const z = new Uint8Array(64).fill(3);
    const ours = KeyPair.generate(secureRandom);
    const message = utf8("fallback");
    const failing = withoutNativeSigning();
    try {
      expect(await ours.privateKey.signAsync(message, () => z.slice())).toEqual(ours.privateKey.sign(message, () => z.slice()));
      expect(failing.calls()).toBeGreaterThan(0);
    } finally {
      failing.restore();
    }
  });

  it("generates natively the key pair that JS generates from the same random bytes, and X25519 agrees on its public key", async () => {
    const { ed25519, x25519 } = await import("@noble/curves/ed25519.js");
    const L = ed25519.Point.Fn.ORDER;
    for (let i = 0; i < 40; i++) {
      const inJs = PrivateKey.generate(seededRandom(`key ${i}`));
      const native = await PrivateKey.generateAsync(seededRandom(`key ${i}`));
      const bytes = inJs.serialize();
      expect(native.serialize()).toEqual(bytes);
      expect(bytes[0]! & 7).toBe(0);
      expect(bytes[31]! & 0xc0).toBe(0x40);
      expect(native.publicKey().raw).toEqual(x25519.getPublicKey(bytes));
      expect(inJs.publicKey().raw).toEqual(x25519.getPublicKey(bytes));
      let scalar = 0n;
      for (let j = 31; j >= 0; j--) scalar = (scalar << 8n) | BigInt(bytes[j]!);
      const edwards = ed25519.Point.BASE.multiply(scalar % L).toBytes();
      expect(native.edwardsPublicKey()).toEqual(edwards);
      expect(PrivateKey.deserialize(bytes).edwardsPublicKey()).toEqual(edwards);
    }
    const pair = await KeyPair.generateAsync(secureRandom);
    const theirs = libsignal.PrivateKey.generate();
    expect(await pair.privateKey.agree(PublicKey.deserialize(theirs.getPublicKey().serialize()))).toEqual(
      new Uint8Array(theirs.agree(libsignal.PublicKey.deserialize(pair.publicKey.serialize() as Uint8Array<ArrayBuffer>))),
    );
  });

  it("generates the same key pair in JS when the platform cannot sign with Ed25519", async () => {
    const expected = PrivateKey.generate(seededRandom("no native signing"));
    const failing = withoutNativeSigning();
    try {
      const key = await PrivateKey.generateAsync(seededRandom("no native signing"));
      expect(failing.calls()).toBeGreaterThan(0);
      expect(key.serialize()).toEqual(expected.serialize());
      expect(key.publicKey().raw).toEqual(expected.publicKey().raw);
    } finally {
      failing.restore();
    }
  });

  it("verifies as before once a key's Edwards form and import are cached", async () => {
    const ours = KeyPair.generate(secureRandom);
    const message = utf8("cached");
    const signature = ours.privateKey.sign(message, secureRandom);
    const flipped = signature.slice();
    flipped[63] = flipped[63]! ^ 0x80; // the other sign bit: the other cache entry, a wrong A
    for (let i = 0; i < 3; i++) {
      expect(await ours.publicKey.verifySignature(message, signature)).toBe(true);
      expect(await ours.publicKey.verifySignature(utf8("cachet"), signature)).toBe(false);
      expect(await ours.publicKey.verifySignature(message, flipped)).toBe(false);
    }
  });
});
