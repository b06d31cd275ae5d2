import fc from "fast-check";
import { KeyPair, PublicKey } from "@parley/signal";
import { describe, expect, it } from "vitest";
import { decodeBase64url, encodeBase64url } from "../src/util/base64url.js";
import { formatLinkingCode, parseLinkingCode } from "../src/linking/linking-code.js";
import { LinkingErrorCode, isLinkingError } from "../src/linking/linking-error.js";
import { seededRandom } from "./support/seeded-random.js";

const publicKey = KeyPair.generate(seededRandom("linking code")).publicKey;
const address = "q1W2e3R4t5Y6u7I8o9P0a_-s";
const key = Buffer.from(publicKey.serialize()).toString("base64url");

function expectInvalidCode(text: string): void {
  let thrown: unknown;
  try {
    parseLinkingCode(text);
  } catch (error) {
    thrown = error;
  }
  expect(isLinkingError(thrown, LinkingErrorCode.CodeInvalid), `${JSON.stringify(text)}: ${String(thrown)}`).toBe(true);
}

describe("linking codes", () => {
  it("formats the address and the serialized key as a parley-link URI", () => {
    expect(formatLinkingCode({ address, publicKey })).toBe(`parley-link:v1?address=${address}&key=${key}`);
    expect(key).toHaveLength(44);
  });

  it("parses what it formats", () => {
    const parsed = parseLinkingCode(formatLinkingCode({ address, publicKey }));
    expect(parsed.address).toBe(address);
    expect(parsed.publicKey.serialize()).toEqual(publicKey.serialize());
  });

  it("percent-encodes an address with reserved or non-ASCII characters", () => {
    const odd = "a b/c?d&e=f+g%h#ü😀";
    const code = formatLinkingCode({ address: odd, publicKey });
    expect(code).not.toContain(" ");
    expect(code.split("&")).toHaveLength(2);
    expect(parseLinkingCode(code).address).toBe(odd);
  });

  it("round-trips any address and key", () => {
    const addresses = fc.string({ unit: "binary", minLength: 1, maxLength: 128 });
    const keys = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((raw) => PublicKey.fromRaw(raw));
    fc.assert(
      fc.property(addresses, keys, (someAddress, someKey) => {
        const parsed = parseLinkingCode(formatLinkingCode({ address: someAddress, publicKey: someKey }));
        expect(parsed.address).toBe(someAddress);
        expect(parsed.publicKey.equals(someKey)).toBe(true);
      }),
    );
  });

  it("accepts the parameters in either order, surrounding whitespace and an upper-case scheme", () => {
    for (const text of [
      `parley-link:v1?key=${key}&address=${address}`,
      `  parley-link:v1?address=${address}&key=${key}\n`,
      `PARLEY-LINK:v1?address=${address}&key=${key}`,
    ]) {
      expect(parseLinkingCode(text).address).toBe(address);
    }
  });

  it("rejects codes that are not version 1 linking codes", () => {
    for (const text of [
      "",
      "hello",
      `https://parley.example/link?address=${address}&key=${key}`,
      `parley-link:v2?address=${address}&key=${key}`,
      `parley-link:V1?address=${address}&key=${key}`,
      `parley-link:v1address=${address}&key=${key}`,
      `parley-link:v1?address=${address}&key=${key}${"A".repeat(1024)}`,
    ]) {
      expectInvalidCode(text);
    }
  });

  it("rejects missing, repeated and unexpected parameters", () => {
    for (const text of [
      `parley-link:v1?address=${address}`,
      `parley-link:v1?key=${key}`,
      `parley-link:v1?address=${address}&key=${key}&key=${key}`,
      `parley-link:v1?address=${address}&address=${address}&key=${key}`,
      `parley-link:v1?address=${address}&key=${key}&name=laptop`,
      `parley-link:v1?address=${address}&key=${key}&`,
      `parley-link:v1?address&key=${key}`,
    ]) {
      expectInvalidCode(text);
    }
  });

  it("rejects bad addresses", () => {
    for (const encoded of ["", "%E0%A4%A", "%ZZ", "%ED%A0%80", "a".repeat(129)]) {
      expectInvalidCode(`parley-link:v1?address=${encoded}&key=${key}`);
    }
    expect(() => formatLinkingCode({ address: "", publicKey })).toThrow(expect.objectContaining({ code: LinkingErrorCode.CodeInvalid }));
    expect(() => formatLinkingCode({ address: "\ud800", publicKey })).toThrow(expect.objectContaining({ code: LinkingErrorCode.CodeInvalid }));
  });

  it("rejects keys that are not a base64url Curve25519 public key", () => {
    const serialized = publicKey.serialize();
    const wrongType = serialized.slice();
    wrongType[0] = 0x06;
    for (const encoded of [
      "",
      key.slice(0, 43),
      `${key}A`,
      `${key}=`,
      Buffer.from(serialized).toString("base64"), // standard alphabet, with padding
      Buffer.from(serialized.subarray(1)).toString("base64url"), // the raw 32 bytes
      Buffer.from(wrongType).toString("base64url"),
      key.replace(/^./, "*"),
    ]) {
      expectInvalidCode(`parley-link:v1?address=${address}&key=${encoded}`);
    }
  });
});

describe("base64url", () => {
  it("matches the platform's encoding and decodes it back", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = encodeBase64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64url"));
        expect(decodeBase64url(text)).toEqual(bytes);
      }),
    );
  });

  it("decodes only the canonical form", () => {
    expect(decodeBase64url("QQ")).toEqual(Uint8Array.of(0x41));
    expect(decodeBase64url("QR")).toBeUndefined(); // leftover bits set
    expect(decodeBase64url("Q")).toBeUndefined();
    expect(decodeBase64url("QQ==")).toBeUndefined();
    expect(decodeBase64url("Q+")).toBeUndefined();
  });
});
