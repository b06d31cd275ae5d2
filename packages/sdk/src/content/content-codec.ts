// Codec of proto/content.proto, message Content. Decoding takes untrusted plaintext (after
// decryption and unpadding) and fails only with a ContentError.
import { CONTENT_VERSION, contentLimits, type Content, type ContentBody, type MessageRef } from "./content.js";
import { ContentError, ContentErrorCode } from "./content-error.js";
import { checkContent } from "./content-rules.js";
import { BinaryReader, BinaryWriter, WireType, expectWireType, readString, readUint53 } from "./wire.js";

const Field = { version: 1, messageId: 2, sentAt: 3, expiresInSeconds: 4 } as const;

/** Field numbers of the `body` oneof; the range 100-1999 belongs to body kinds (see the schema). */
const BodyField = {
  text: 100,
  receipt: 101,
  typing: 102,
  reaction: 103,
  edit: 104,
  delete: 105,
  sessionReset: 106,
  sentTranscript: 107,
  deviceLinked: 108,
} as const;
const firstBodyField = 100;
const lastBodyField = 1999;

const ReceiptType = { delivered: 1, read: 2 } as const;

/** Throws CONTENT_INVALID when `content` breaks a rule (the same rules decodeContent enforces). */
export function encodeContent(content: Content): Uint8Array {
  checkContent(content, { nested: false, encoding: true });
  const w = new BinaryWriter();
  writeContent(w, content);
  return w.finish();
}

/**
 * Reads a Content of any version: fields it does not know are skipped, and a body of a newer
 * kind becomes kind "unknown". Throws CONTENT_MALFORMED or CONTENT_INVALID.
 */
export function decodeContent(bytes: Uint8Array): Content {
  let content: Content;
  try {
    content = readContent(bytes, false);
  } catch (cause) {
    if (cause instanceof ContentError) throw cause;
    throw new ContentError(ContentErrorCode.Malformed, "malformed content", { cause });
  }
  checkContent(content, { nested: false, encoding: false });
  return content;
}

function writeContent(w: BinaryWriter, c: Content): void {
  w.tag(Field.version, WireType.Varint).uint32(CONTENT_VERSION);
  w.tag(Field.messageId, WireType.LengthDelimited).string(c.messageId);
  if (c.sentAt !== 0) w.tag(Field.sentAt, WireType.Varint).uint64(c.sentAt);
  if (c.expiresInSeconds !== undefined) w.tag(Field.expiresInSeconds, WireType.Varint).uint32(c.expiresInSeconds);
  writeBody(w, c.body);
}

function writeRef(w: BinaryWriter, fieldNo: number, ref: MessageRef): void {
  w.tag(fieldNo, WireType.LengthDelimited).fork();
  w.tag(1, WireType.LengthDelimited).string(ref.messageId);
  w.tag(2, WireType.LengthDelimited).string(ref.author);
  w.join();
}

function writeBody(w: BinaryWriter, body: ContentBody): void {
  switch (body.kind) {
    case "text":
      w.tag(BodyField.text, WireType.LengthDelimited).fork();
      if (body.text !== "") w.tag(1, WireType.LengthDelimited).string(body.text);
      if (body.replyTo !== undefined) writeRef(w, 2, body.replyTo);
      break;
    case "receipt":
      w.tag(BodyField.receipt, WireType.LengthDelimited).fork();
      w.tag(1, WireType.Varint).uint32(ReceiptType[body.receipt]);
      for (const id of body.messageIds) w.tag(2, WireType.LengthDelimited).string(id);
      break;
    case "typing":
      w.tag(BodyField.typing, WireType.LengthDelimited).fork();
      if (body.started) w.tag(1, WireType.Varint).bool(true);
      break;
    case "reaction":
      w.tag(BodyField.reaction, WireType.LengthDelimited).fork();
      writeRef(w, 1, body.target);
      w.tag(2, WireType.LengthDelimited).string(body.emoji);
      if (body.remove) w.tag(3, WireType.Varint).bool(true);
      break;
    case "edit":
      w.tag(BodyField.edit, WireType.LengthDelimited).fork();
      w.tag(1, WireType.LengthDelimited).string(body.targetMessageId);
      if (body.text !== "") w.tag(2, WireType.LengthDelimited).string(body.text);
      break;
    case "delete":
      w.tag(BodyField.delete, WireType.LengthDelimited).fork();
      w.tag(1, WireType.LengthDelimited).string(body.targetMessageId);
      break;
    case "sessionReset":
      w.tag(BodyField.sessionReset, WireType.LengthDelimited).fork();
      break;
    case "sentTranscript":
      w.tag(BodyField.sentTranscript, WireType.LengthDelimited).fork();
      w.tag(1, WireType.LengthDelimited).string(body.destination);
      w.tag(2, WireType.LengthDelimited).fork();
      writeContent(w, body.content);
      w.join();
      break;
    case "deviceLinked":
      w.tag(BodyField.deviceLinked, WireType.LengthDelimited).fork();
      w.tag(1, WireType.Varint).uint32(body.deviceId);
      w.tag(2, WireType.Varint).uint32(body.registrationId);
      break;
    case "unknown":
      // checkContent refuses it before anything is written.
      throw new ContentError(ContentErrorCode.Invalid, "a body of unknown kind cannot be encoded");
  }
  w.join();
}

function malformed(message: string): ContentError {
  return new ContentError(ContentErrorCode.Malformed, message);
}

function readContent(bytes: Uint8Array, nested: boolean): Content {
  const r = new BinaryReader(bytes);
  let version = 0;
  let messageId = "";
  let sentAt = 0;
  let expiresInSeconds = 0;
  let body: ContentBody | undefined;
  while (r.pos < r.len) {
    const [fieldNo, wireType] = r.tag();
    if (fieldNo >= firstBodyField && fieldNo <= lastBodyField) {
      expectWireType(wireType, WireType.LengthDelimited, "content body");
      if (body !== undefined) throw malformed("content has more than one body");
      body = readBody(fieldNo, r.bytes(), nested);
      continue;
    }
    switch (fieldNo) {
      case Field.version:
        expectWireType(wireType, WireType.Varint, "version");
        version = r.uint32();
        break;
      case Field.messageId:
        expectWireType(wireType, WireType.LengthDelimited, "message id");
        messageId = readString(r);
        break;
      case Field.sentAt:
        expectWireType(wireType, WireType.Varint, "sentAt");
        sentAt = readUint53(r, "sentAt");
        break;
      case Field.expiresInSeconds:
        expectWireType(wireType, WireType.Varint, "expiresInSeconds");
        expiresInSeconds = r.uint32();
        break;
      default:
        r.skip(wireType, fieldNo);
    }
  }
  if (version === 0) throw malformed("content has no version");
  if (body === undefined) throw malformed("content has no body");
  const content: Content = { messageId, sentAt, body };
  if (expiresInSeconds !== 0) content.expiresInSeconds = expiresInSeconds;
  return content;
}

function readBody(fieldNo: number, bytes: Uint8Array, nested: boolean): ContentBody {
  switch (fieldNo) {
    case BodyField.text:
      return readText(bytes);
    case BodyField.receipt:
      return readReceipt(bytes);
    case BodyField.typing:
      return readTyping(bytes);
    case BodyField.reaction:
      return readReaction(bytes);
    case BodyField.edit:
      return readEdit(bytes);
    case BodyField.delete:
      return readDelete(bytes);
    case BodyField.sessionReset:
      return { kind: "sessionReset" };
    case BodyField.sentTranscript:
      // Refused before reading, so that hostile input cannot nest transcripts to any depth.
      if (nested) throw new ContentError(ContentErrorCode.Invalid, "a sent transcript cannot contain another");
      return readSentTranscript(bytes);
    case BodyField.deviceLinked:
      return readDeviceLinked(bytes);
    default:
      return { kind: "unknown" };
  }
}

/** Calls `onField` for every field of a nested message; it returns false to have a field skipped. */
function readFields(bytes: Uint8Array, onField: (r: BinaryReader, fieldNo: number, wireType: WireType) => boolean): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [fieldNo, wireType] = r.tag();
    if (!onField(r, fieldNo, wireType)) r.skip(wireType, fieldNo);
  }
}

function readStringField(r: BinaryReader, wireType: WireType, field: string): string {
  expectWireType(wireType, WireType.LengthDelimited, field);
  return readString(r);
}

function readRef(bytes: Uint8Array): MessageRef {
  const ref: MessageRef = { messageId: "", author: "" };
  readFields(bytes, (r, fieldNo, wireType) => {
    if (fieldNo === 1) ref.messageId = readStringField(r, wireType, "message id");
    else if (fieldNo === 2) ref.author = readStringField(r, wireType, "author");
    else return false;
    return true;
  });
  return ref;
}

function readRefField(r: BinaryReader, wireType: WireType, field: string): MessageRef {
  expectWireType(wireType, WireType.LengthDelimited, field);
  return readRef(r.bytes());
}

function readText(bytes: Uint8Array): ContentBody {
  const body: ContentBody = { kind: "text", text: "" };
  readFields(bytes, (r, fieldNo, wireType) => {
    if (fieldNo === 1) body.text = readStringField(r, wireType, "text");
    else if (fieldNo === 2) body.replyTo = readRefField(r, wireType, "replyTo");
    else return false;
    return true;
  });
  return body;
}

function readReceipt(bytes: Uint8Array): ContentBody {
  let type = 0;
  const messageIds: string[] = [];
  readFields(bytes, (r, fieldNo, wireType) => {
    if (fieldNo === 1) {
      expectWireType(wireType, WireType.Varint, "receipt type");
      type = r.uint32();
    } else if (fieldNo === 2) {
      // Checked while reading, so an oversized receipt costs no more than the limit.
      if (messageIds.length === contentLimits.maxReceiptIds) throw new ContentError(ContentErrorCode.Invalid, "too many ids in a receipt");
      messageIds.push(readStringField(r, wireType, "receipt message id"));
    } else return false;
    return true;
  });
  switch (type) {
    case ReceiptType.delivered:
      return { kind: "receipt", receipt: "delivered", messageIds };
    case ReceiptType.read:
      return { kind: "receipt", receipt: "read", messageIds };
    case 0:
      throw new ContentError(ContentErrorCode.Invalid, "receipt has no type");
    default:
      // A receipt type of a newer version (say "viewed"): not ours to misread as another.
      return { kind: "unknown" };
  }
}

function readTyping(bytes: Uint8Array): ContentBody {
  let started = false;
  readFields(bytes, (r, fieldNo, wireType) => {
    if (fieldNo !== 1) return false;
    expectWireType(wireType, WireType.Varint, "typing.started");
    started = r.bool();
    return true;
  });
  return { kind: "typing", started };
}

function readReaction(bytes: Uint8Array): ContentBody {
  let target: MessageRef | undefined;
  let emoji = "";
  let remove = false;
  readFields(bytes, (r, fieldNo, wireType) => {
    if (fieldNo === 1) target = readRefField(r, wireType, "reaction target");
    else if (fieldNo === 2) emoji = readStringField(r, wireType, "emoji");
    else if (fieldNo === 3) {
      expectWireType(wireType, WireType.Varint, "reaction.remove");
      remove = r.bool();
    } else return false;
    return true;
  });
  if (target === undefined) throw new ContentError(ContentErrorCode.Invalid, "reaction has no target");
  return { kind: "reaction", target, emoji, remove };
}

function readEdit(bytes: Uint8Array): ContentBody {
  const body: ContentBody = { kind: "edit", targetMessageId: "", text: "" };
  readFields(bytes, (r, fieldNo, wireType) => {
    if (fieldNo === 1) body.targetMessageId = readStringField(r, wireType, "edit target");
    else if (fieldNo === 2) body.text = readStringField(r, wireType, "edited text");
    else return false;
    return true;
  });
  return body;
}

function readDelete(bytes: Uint8Array): ContentBody {
  const body: ContentBody = { kind: "delete", targetMessageId: "" };
  readFields(bytes, (r, fieldNo, wireType) => {
    if (fieldNo !== 1) return false;
    body.targetMessageId = readStringField(r, wireType, "delete target");
    return true;
  });
  return body;
}

function readSentTranscript(bytes: Uint8Array): ContentBody {
  let destination = "";
  let content: Content | undefined;
  readFields(bytes, (r, fieldNo, wireType) => {
    if (fieldNo === 1) destination = readStringField(r, wireType, "transcript destination");
    else if (fieldNo === 2) {
      expectWireType(wireType, WireType.LengthDelimited, "transcript content");
      content = readContent(r.bytes(), true);
    } else return false;
    return true;
  });
  if (content === undefined) throw new ContentError(ContentErrorCode.Invalid, "transcript has no content");
  return { kind: "sentTranscript", destination, content };
}

function readDeviceLinked(bytes: Uint8Array): ContentBody {
  const body: ContentBody = { kind: "deviceLinked", deviceId: 0, registrationId: 0 };
  readFields(bytes, (r, fieldNo, wireType) => {
    if (fieldNo === 1) {
      expectWireType(wireType, WireType.Varint, "deviceId");
      body.deviceId = r.uint32();
    } else if (fieldNo === 2) {
      expectWireType(wireType, WireType.Varint, "registrationId");
      body.registrationId = r.uint32();
    } else return false;
    return true;
  });
  return body;
}
