// Properties of the content codec over generated messages of every kind, and over arbitrary and
// corrupted bytes: decoding untrusted input fails with a ContentError and nothing else.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentLimits, type Content, type ContentBody, type MessageRef } from "../src/content/content.js";
import { decodeContent, encodeContent } from "../src/content/content-codec.js";
import { isContentError } from "../src/content/content-error.js";
import { padPlaintext, unpadPlaintext } from "../src/content/padding.js";

const utf8 = new TextEncoder();

const uuid = fc.uuid().map((id) => id.toLowerCase());
const ref: fc.Arbitrary<MessageRef> = fc.record({ messageId: uuid, author: uuid });
const text = fc.string({ unit: "binary", maxLength: 300 });
const emoji = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 8 })
  .filter((value) => utf8.encode(value).length <= contentLimits.maxEmojiBytes);

const leafBody: fc.Arbitrary<ContentBody> = fc.oneof(
  fc.record({ kind: fc.constant("text" as const), text, replyTo: ref }, { requiredKeys: ["kind", "text"] }),
  fc.record({
    kind: fc.constant("receipt" as const),
    receipt: fc.constantFrom("delivered" as const, "read" as const),
    messageIds: fc.array(uuid, { minLength: 1, maxLength: 20 }),
  }),
  fc.record({ kind: fc.constant("typing" as const), started: fc.boolean() }),
  fc.record({ kind: fc.constant("reaction" as const), target: ref, emoji, remove: fc.boolean() }),
  fc.record({ kind: fc.constant("edit" as const), targetMessageId: uuid, text }),
  fc.record({ kind: fc.constant("delete" as const), targetMessageId: uuid }),
  fc.constant({ kind: "sessionReset" as const }),
  fc.record({
    kind: fc.constant("deviceLinked" as const),
    deviceId: fc.integer({ min: 1, max: 127 }),
    registrationId: fc.integer({ min: 1, max: 0x3fff }),
  }),
);

function contentWith(body: fc.Arbitrary<ContentBody>): fc.Arbitrary<Content> {
  return fc.record(
    {
      messageId: uuid,
      sentAt: fc.maxSafeNat(),
      expiresInSeconds: fc.integer({ min: 1, max: 0xffff_ffff }),
      body,
    },
    { requiredKeys: ["messageId", "sentAt", "body"] },
  );
}

const transcriptBody: fc.Arbitrary<ContentBody> = fc.record({
  kind: fc.constant("sentTranscript" as const),
  destination: uuid,
  content: contentWith(leafBody),
});

const anyContent = contentWith(fc.oneof(leafBody, transcriptBody));

function decodesOrFailsWithContentError(bytes: Uint8Array): void {
  try {
    decodeContent(bytes);
  } catch (error) {
    expect(isContentError(error), String(error)).toBe(true);
  }
}

describe("content codec properties", () => {
  it("decodes every encoded content to an equal value", () => {
    fc.assert(
      fc.property(anyContent, (content) => {
        expect(decodeContent(encodeContent(content))).toEqual(content);
      }),
      { numRuns: 500 },
    );
  });

  it("encodes equal content to equal bytes", () => {
    fc.assert(
      fc.property(anyContent, (content) => {
        const again = decodeContent(encodeContent(content));
        expect(encodeContent(again)).toEqual(encodeContent(content));
      }),
    );
  });

  it("fails on arbitrary bytes only with a ContentError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrFailsWithContentError), { numRuns: 2000 });
  });

  it("fails on corrupted or truncated content only with a ContentError", () => {
    const corrupted = anyContent.chain((content) => {
      const bytes = encodeContent(content);
      return fc.tuple(fc.constant(bytes), fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean());
    });
    fc.assert(
      fc.property(corrupted, ([bytes, position, xor, truncate]) => {
        const changed = truncate ? bytes.slice(0, position) : bytes.slice();
        if (!truncate) changed[position]! ^= xor;
        decodesOrFailsWithContentError(changed);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("padding properties", () => {
  it("pads to a multiple of 160 bytes and unpads to the original", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (plaintext) => {
        const padded = padPlaintext(plaintext);
        expect(padded.length % 160).toBe(0);
        expect(padded.length).toBeGreaterThan(plaintext.length);
        expect(padded.length - plaintext.length).toBeLessThanOrEqual(160);
        expect(unpadPlaintext(padded)).toEqual(plaintext);
      }),
    );
  });

  it("carries padded content through the codec", () => {
    fc.assert(
      fc.property(anyContent, (content) => {
        expect(decodeContent(unpadPlaintext(padPlaintext(encodeContent(content))))).toEqual(content);
      }),
      { numRuns: 100 },
    );
  });
});
