import { afterEach, describe, expect, it } from "vitest";
import { PrivateKey, PublicKey, SignalErrorCode, isSignalError } from "@parley/signal";
import { cryptoBackend, useCryptoBackend, webCryptoBackend, type CryptoBackend } from "@parley/signal/backend";
import { nodeCryptoBackend, useNodeCrypto } from "../src/index.js";
import { seededRandom as seededBytes } from "@parley/testkit";

/** A deterministic RandomSource for a seed. */
function seededRandom(seed: string): (length: number) => Uint8Array {
  const source = seededBytes(seed);
  return (length) => source.bytes(length);
}

const node = nodeCryptoBackend;
const web = webCryptoBackend;

/** Runs `op` with each backend installed in turn and returns the results in that order. */
async function onEach<T>(op: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const backend of [web, node] satisfies CryptoBackend[]) {
    useCryptoBackend(backend);
    results.push(await op());
  }
  return results;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

const LENGTHS = [0, 1, 15, 16, 17, 32, 33, 1024, 5000];

afterEach(() => useCryptoBackend(web));

describe("the Node crypto backend", () => {
  it("installs itself for the whole process", () => {
    useNodeCrypto();
    expect(cryptoBackend()).toBe(node);
  });

  it("hashes, authenticates and derives keys exactly as the default backend", () => {
    const random = seededRandom("symmetric");
    const key = random(32);
    for (const length of LENGTHS) {
      const data = random(length);
      expect(node.symmetric.sha512(data)).toEqual(web.symmetric.sha512(data));
      expect(node.symmetric.hmacSha256(key, data)).toEqual(web.symmetric.hmacSha256(key, data));
      for (const salt of [undefined, random(32), new Uint8Array(0)]) {
        const info = random(11);
        expect(node.symmetric.hkdfSha256(data.length ? data : key, salt, info, 80)).toEqual(web.symmetric.hkdfSha256(data.length ? data : key, salt, info, 80));
      }
    }
  });

  it("encrypts and decrypts AES-256-CBC exactly as the default backend, and refuses bad padding", () => {
    const random = seededRandom("aes");
    const key = random(32);
    const iv = random(16);
    for (const length of LENGTHS) {
      const plaintext = random(length);
      const ciphertext = node.symmetric.aes256CbcEncrypt(key, iv, plaintext);
      expect(ciphertext).toEqual(web.symmetric.aes256CbcEncrypt(key, iv, plaintext));
      expect(node.symmetric.aes256CbcDecrypt(key, iv, ciphertext)).toEqual(plaintext);
      const tampered = ciphertext.slice();
      tampered[tampered.length - 1]! ^= 0xff; // garbles the padding of the last block
      expect(() => node.symmetric.aes256CbcDecrypt(key, iv, tampered)).toThrow();
    }
  });

  it("returns plain Uint8Arrays that own their bytes", () => {
    const digest = node.symmetric.sha512(new Uint8Array(10));
    expect(Object.getPrototypeOf(digest)).toBe(Uint8Array.prototype);
    expect(digest.byteOffset).toBe(0);
    expect(digest.buffer.byteLength).toBe(64);
  });

  it("agrees on the same X25519 secrets as the default backend and as the JS path", async () => {
    const random = seededRandom("agree");
    for (let i = 0; i < 5; i++) {
      const ours = PrivateKey.generate(random);
      const theirs = PrivateKey.generate(random).publicKey();
      const [viaWeb, viaNode] = await onEach(() => ours.agree(theirs));
      expect(viaNode).toEqual(viaWeb);
      expect(Array.from(viaNode!).some((byte) => byte !== 0)).toBe(true);
    }
  });

  it("refuses agreement with a low-order public key as INVALID_KEY", async () => {
    useNodeCrypto();
    const ours = PrivateKey.generate(seededRandom("low order"));
    for (const u of [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31))]) {
      const error = await rejection(ours.agree(PublicKey.fromRaw(u)));
      expect(isSignalError(error) && error.code).toBe(SignalErrorCode.InvalidKey);
    }
  });

  it("makes the same key pairs and the same XEdDSA signatures as the default backend", async () => {
    const message = seededRandom("message")(300);
    const [fromWeb, fromNode] = await onEach(async () => {
      const random = seededRandom("keys and signatures");
      const key = await PrivateKey.generateAsync(random);
      return { key: key.serialize(), publicKey: key.publicKey().serialize(), signature: await key.signAsync(message, random) };
    });
    expect(fromNode).toEqual(fromWeb);
    useNodeCrypto();
    expect(await PublicKey.deserialize(fromNode!.publicKey).verifySignature(message, fromNode!.signature)).toBe(true);
  });

  it("rejects forged signatures and wrong messages", async () => {
    useNodeCrypto();
    const random = seededRandom("forgery");
    const key = await PrivateKey.generateAsync(random);
    const message = random(64);
    const signature = await key.signAsync(message, random);
    const forged = signature.slice();
    forged[5]! ^= 1;
    const other = message.slice();
    other[0]! ^= 1;
    expect(await key.publicKey().verifySignature(message, forged)).toBe(false);
    expect(await key.publicKey().verifySignature(other, signature)).toBe(false);
    expect(await (await PrivateKey.generateAsync(random)).publicKey().verifySignature(message, signature)).toBe(false);
  });

  it("keeps working for keys first used under another backend", async () => {
    const random = seededRandom("swap");
    const ours = PrivateKey.generate(random);
    const theirs = PrivateKey.generate(random);
    const message = random(32);
    const signature = await ours.signAsync(message, random);
    const [viaWeb, viaNode, viaWebAgain] = [await ours.agree(theirs.publicKey()), (useNodeCrypto(), await ours.agree(theirs.publicKey())), (useCryptoBackend(web), await ours.agree(theirs.publicKey()))];
    expect(viaNode).toEqual(viaWeb);
    expect(viaWebAgain).toEqual(viaWeb);
    useNodeCrypto();
    expect(await ours.publicKey().verifySignature(message, signature)).toBe(true);
  });
});
