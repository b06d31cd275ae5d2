import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { CONTENT_VERSION, contentLimits, type Content, type ContentBody } from "../src/content/content.js";
import { decodeContent, encodeContent } from "../src/content/content-codec.js";
import { ContentErrorCode, isContentError, type ContentErrorCode as Code } from "../src/content/content-error.js";
import { isMessageId, newMessageId } from "../src/content/message-id.js";

const messageId = "0b7c6f5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
const otherId = "5f4e3d2c-1b0a-4988-8776-655443322110";
const author = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const sentAt = 1_718_000_000_123;

function content(body: ContentBody, extra: Partial<Content> = {}): Content {
  return { messageId, sentAt, body, ...extra };
}

function expectContentError(run: () => unknown, code: Code): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isContentError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
}

/** Content bytes written field by field, to make inputs encodeContent would refuse. */
function raw(fields: (w: BinaryWriter) => void): Uint8Array {
  const w = new BinaryWriter();
  fields(w);
  return w.finish();
}

function header(w: BinaryWriter, version = CONTENT_VERSION): BinaryWriter {
  w.tag(1, WireType.Varint).uint32(version);
  w.tag(2, WireType.LengthDelimited).string(messageId);
  w.tag(3, WireType.Varint).uint64(sentAt);
  return w;
}

function body(w: BinaryWriter, fieldNo: number, inner: (w: BinaryWriter) => void): BinaryWriter {
  w.tag(fieldNo, WireType.LengthDelimited).fork();
  inner(w);
  return w.join();
}

const examples: Record<string, Content> = {
  "text": content({ kind: "text", text: "Hello, Parley 👋" }),
  "empty text": content({ kind: "text", text: "" }),
  "reply": content({ kind: "text", text: "Agreed", replyTo: { messageId: otherId, author } }),
  "delivered receipt": content({ kind: "receipt", receipt: "delivered", messageIds: [otherId] }),
  "read receipt": content({ kind: "receipt", receipt: "read", messageIds: [otherId, messageId] }),
  "typing started": content({ kind: "typing", started: true }),
  "typing stopped": content({ kind: "typing", started: false }),
  "reaction": content({ kind: "reaction", target: { messageId: otherId, author }, emoji: "👍🏽", remove: false }),
  "reaction removed": content({ kind: "reaction", target: { messageId: otherId, author }, emoji: "❤️", remove: true }),
  "edit": content({ kind: "edit", targetMessageId: otherId, text: "Corrected text" }),
  "delete": content({ kind: "delete", targetMessageId: otherId }),
  "session reset": content({ kind: "sessionReset" }),
  "sent transcript": content({
    kind: "sentTranscript",
    destination: author,
    content: content({ kind: "text", text: "sent from my phone" }, { messageId: otherId, expiresInSeconds: 3600 }),
  }),
  "device linked": content({ kind: "deviceLinked", deviceId: 2, registrationId: 16383 }),
  "disappearing": content({ kind: "text", text: "gone soon" }, { expiresInSeconds: 0xffff_ffff }),
  "sent at the epoch": content({ kind: "typing", started: true }, { sentAt: 0 }),
  "sent at 2^53 - 1": content({ kind: "typing", started: true }, { sentAt: Number.MAX_SAFE_INTEGER }),
};

describe("content codec", () => {
  for (const [name, example] of Object.entries(examples)) {
    it(`round-trips a ${name} message`, () => {
      expect(decodeContent(encodeContent(example))).toEqual(example);
    });
  }

  it("makes message ids that are lower-case version 4 UUIDs the codec accepts", () => {
    let counter = 0;
    const counting = (length: number) => new Uint8Array(length).fill(counter++ * 37);
    const ids = [newMessageId(counting), newMessageId(counting), newMessageId(() => new Uint8Array(16).fill(0xff))];
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(isMessageId(id)).toBe(true);
      expect(decodeContent(encodeContent(content({ kind: "sessionReset" }, { messageId: id }))).messageId).toBe(id);
    }
  });

  it("writes the schema version first", () => {
    const bytes = encodeContent(examples["text"]!);
    expect([bytes[0], bytes[1]]).toEqual([0x08, CONTENT_VERSION]);
  });

  it("accepts text, emoji and receipts exactly at their limits", () => {
    const atLimits = [
      content({ kind: "text", text: "é".repeat(contentLimits.maxTextBytes / 2) }),
      content({ kind: "edit", targetMessageId: otherId, text: "x".repeat(contentLimits.maxTextBytes) }),
      content({ kind: "reaction", target: { messageId: otherId, author }, emoji: "😀".repeat(16), remove: false }),
      content({ kind: "receipt", receipt: "read", messageIds: Array.from({ length: contentLimits.maxReceiptIds }, () => otherId) }),
    ];
    for (const example of atLimits) expect(decodeContent(encodeContent(example))).toEqual(example);
  });
});

describe("content from newer clients", () => {
  it("decodes a body of an unknown kind as kind unknown, keeping the common fields", () => {
    const bytes = raw((w) => body(header(w), 150, (b) => b.tag(1, WireType.LengthDelimited).string("poll")));
    expect(decodeContent(bytes)).toEqual({ messageId, sentAt, body: { kind: "unknown" } });
  });

  it("decodes the fields it knows of a message with a higher version", () => {
    const bytes = raw((w) => {
      header(w, 7);
      w.tag(5, WireType.LengthDelimited).string("a common field of version 7");
      w.tag(60, WireType.Bit64).fixed64(1n);
      body(w, 100, (b) => {
        b.tag(1, WireType.LengthDelimited).string("still readable");
        b.tag(9, WireType.Varint).uint32(3);
      });
    });
    expect(decodeContent(bytes)).toEqual(content({ kind: "text", text: "still readable" }));
  });

  it("decodes a receipt of an unknown type as kind unknown", () => {
    const bytes = raw((w) =>
      body(header(w), 101, (b) => {
        b.tag(1, WireType.Varint).uint32(3);
        b.tag(2, WireType.LengthDelimited).string(otherId);
      }),
    );
    expect(decodeContent(bytes).body).toEqual({ kind: "unknown" });
  });

  it("decodes a sent transcript of an unknown kind", () => {
    const bytes = raw((w) =>
      body(header(w), 107, (b) => {
        b.tag(1, WireType.LengthDelimited).string(author);
        b.tag(2, WireType.LengthDelimited).fork();
        body(header(b), 1999, () => {});
        b.join();
      }),
    );
    expect(decodeContent(bytes).body).toEqual({ kind: "sentTranscript", destination: author, content: { messageId, sentAt, body: { kind: "unknown" } } });
  });

  it("refuses to encode a body of unknown kind", () => {
    expectContentError(() => encodeContent(content({ kind: "unknown" })), ContentErrorCode.Invalid);
  });
});

describe("malformed content", () => {
  const cases: Record<string, Uint8Array> = {
    "empty bytes": new Uint8Array(0),
    "a truncated varint": Uint8Array.of(0x08, 0x81),
    "a length past the end": Uint8Array.of(0x12, 0x10, 0x61),
    "an invalid wire type": Uint8Array.of(0x0f),
    "no version": raw((w) => {
      w.tag(2, WireType.LengthDelimited).string(messageId);
      body(w, 106, () => {});
    }),
    "no body": raw((w) => header(w)),
    "two bodies": raw((w) => body(body(header(w), 106, () => {}), 102, () => {})),
    "a body that is not a message": raw((w) => header(w).tag(100, WireType.Varint).uint32(1)),
    "a message id of the wrong wire type": raw((w) => {
      w.tag(1, WireType.Varint).uint32(1);
      w.tag(2, WireType.Varint).uint32(5);
      body(w, 106, () => {});
    }),
    "text that is not UTF-8": raw((w) => body(header(w), 100, (b) => b.tag(1, WireType.LengthDelimited).bytes(Uint8Array.of(0x61, 0xff, 0x62)))),
    "a sentAt above 2^53 - 1": raw((w) => {
      w.tag(1, WireType.Varint).uint32(1);
      w.tag(2, WireType.LengthDelimited).string(messageId);
      w.tag(3, WireType.Varint).uint64(2n ** 53n);
      body(w, 106, () => {});
    }),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    it(`rejects ${name} as CONTENT_MALFORMED`, () => {
      expectContentError(() => decodeContent(bytes), ContentErrorCode.Malformed);
    });
  }
});

describe("invalid content", () => {
  const tooLongText = "x".repeat(contentLimits.maxTextBytes + 1);
  const tooManyIds = Array.from({ length: contentLimits.maxReceiptIds + 1 }, () => otherId);
  const bodies: Record<string, ContentBody> = {
    "text over 64 KiB": { kind: "text", text: "é".repeat(contentLimits.maxTextBytes / 2) + "x" },
    "an edit over 64 KiB": { kind: "edit", targetMessageId: otherId, text: tooLongText },
    "an emoji over 64 bytes": { kind: "reaction", target: { messageId: otherId, author }, emoji: "😀".repeat(16) + "x", remove: false },
    "an empty emoji": { kind: "reaction", target: { messageId: otherId, author }, emoji: "", remove: true },
    "a receipt of 1,001 ids": { kind: "receipt", receipt: "read", messageIds: tooManyIds },
    "a receipt of no ids": { kind: "receipt", receipt: "delivered", messageIds: [] },
    "a receipt id in upper case": { kind: "receipt", receipt: "read", messageIds: [otherId.toUpperCase()] },
    "a reply to a non-UUID": { kind: "text", text: "hi", replyTo: { messageId: "42", author } },
    "a reaction by a non-account": { kind: "reaction", target: { messageId: otherId, author: "bob" }, emoji: "👍", remove: false },
    "a delete of a braced UUID": { kind: "delete", targetMessageId: `{${otherId}}` },
    "a transcript in a transcript": {
      kind: "sentTranscript",
      destination: author,
      content: content({ kind: "sentTranscript", destination: author, content: content({ kind: "sessionReset" }) }),
    },
    "a device id of 0": { kind: "deviceLinked", deviceId: 0, registrationId: 1 },
    "a device id of 128": { kind: "deviceLinked", deviceId: 128, registrationId: 1 },
    "a registration id of 16,384": { kind: "deviceLinked", deviceId: 2, registrationId: 0x4000 },
    "text with a lone surrogate": { kind: "text", text: "broken \ud83d pair" },
  };
  for (const [name, invalidBody] of Object.entries(bodies)) {
    it(`refuses to encode ${name}`, () => {
      expectContentError(() => encodeContent(content(invalidBody)), ContentErrorCode.Invalid);
    });
  }

  const commons: Record<string, Partial<Content>> = {
    "a message id that is not a UUID": { messageId: "not-a-uuid" },
    "an upper-case message id": { messageId: messageId.toUpperCase() },
    "a negative sentAt": { sentAt: -1 },
    "a fractional sentAt": { sentAt: 1.5 },
    "a timer of 0 seconds": { expiresInSeconds: 0 },
    "a timer above 2^32 - 1 seconds": { expiresInSeconds: 2 ** 32 },
  };
  for (const [name, fields] of Object.entries(commons)) {
    it(`refuses to encode ${name}`, () => {
      expectContentError(() => encodeContent(content({ kind: "sessionReset" }, fields)), ContentErrorCode.Invalid);
    });
  }

  const decoded: Record<string, Uint8Array> = {
    "an upper-case message id": raw((w) => {
      w.tag(1, WireType.Varint).uint32(1);
      w.tag(2, WireType.LengthDelimited).string(messageId.toUpperCase());
      body(w, 106, () => {});
    }),
    "text over 64 KiB": raw((w) => body(header(w), 100, (b) => b.tag(1, WireType.LengthDelimited).string(tooLongText))),
    "an emoji over 64 bytes": raw((w) =>
      body(header(w), 103, (b) => {
        b.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(otherId).tag(2, WireType.LengthDelimited).string(author).join();
        b.tag(2, WireType.LengthDelimited).string("x".repeat(65));
      }),
    ),
    "a reaction without a target": raw((w) => body(header(w), 103, (b) => b.tag(2, WireType.LengthDelimited).string("👍"))),
    "a receipt of 1,001 ids": raw((w) =>
      body(header(w), 101, (b) => {
        b.tag(1, WireType.Varint).uint32(2);
        for (const id of tooManyIds) b.tag(2, WireType.LengthDelimited).string(id);
      }),
    ),
    "a receipt without a type": raw((w) => body(header(w), 101, (b) => b.tag(2, WireType.LengthDelimited).string(otherId))),
    "a transcript without content": raw((w) => body(header(w), 107, (b) => b.tag(1, WireType.LengthDelimited).string(author))),
    "a transcript in a transcript": raw((w) =>
      body(header(w), 107, (b) => {
        b.tag(1, WireType.LengthDelimited).string(author);
        b.tag(2, WireType.LengthDelimited).fork();
        body(header(b), 107, (inner) => inner.tag(1, WireType.LengthDelimited).string(author));
        b.join();
      }),
    ),
    "a device link without ids": raw((w) => body(header(w), 108, () => {})),
  };
  for (const [name, bytes] of Object.entries(decoded)) {
    it(`rejects ${name} as CONTENT_INVALID`, () => {
      expectContentError(() => decodeContent(bytes), ContentErrorCode.Invalid);
    });
  }
});
