import { describe, expect, it } from "vitest";
import { ContentErrorCode, isContentError } from "../src/content/content-error.js";
import { padPlaintext, unpadPlaintext } from "../src/content/padding.js";

const filled = (length: number, value = 0x41) => new Uint8Array(length).fill(value);

function expectBadPadding(padded: Uint8Array): void {
  let thrown: unknown;
  try {
    unpadPlaintext(padded);
  } catch (error) {
    thrown = error;
  }
  expect(isContentError(thrown, ContentErrorCode.BadPadding)).toBe(true);
}

describe("plaintext padding", () => {
  it.each([
    [0, 160],
    [1, 160],
    [159, 160],
    [160, 320],
    [161, 320],
    [319, 320],
    [320, 480],
  ])("pads %i bytes to %i", (length, padded) => {
    const content = filled(length);
    const result = padPlaintext(content);
    expect(result.length).toBe(padded);
    expect(result.subarray(0, length)).toEqual(content);
    expect(result[length]).toBe(0x80);
    expect(result.subarray(length + 1).every((byte) => byte === 0)).toBe(true);
    expect(unpadPlaintext(result)).toEqual(content);
  });

  it("keeps content that ends in zeros or in 0x80", () => {
    for (const content of [Uint8Array.of(1, 0, 0), Uint8Array.of(0x80), Uint8Array.of(0, 0x80, 0)]) {
      expect(unpadPlaintext(padPlaintext(content))).toEqual(content);
    }
  });

  it("accepts more padding than needed, as Signal clients do", () => {
    const padded = new Uint8Array(480);
    padded.set([7, 8, 9, 0x80]);
    expect(unpadPlaintext(padded)).toEqual(Uint8Array.of(7, 8, 9));
  });

  it("accepts the marker without zeros after it", () => {
    expect(unpadPlaintext(Uint8Array.of(5, 0x80))).toEqual(Uint8Array.of(5));
  });

  it("rejects padding without its marker", () => {
    expectBadPadding(new Uint8Array(0));
    expectBadPadding(new Uint8Array(160));
    expectBadPadding(filled(160));
    expectBadPadding(Uint8Array.of(1, 2, 0x81, 0, 0));
    expectBadPadding(Uint8Array.of(0x80, 0x01));
  });
});
