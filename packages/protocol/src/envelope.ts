// Codecs for the envelope a device receives and for the binary send body (proto/parley.proto).
// The server never looks inside `content`; these fields are the metadata it needs to route.
import { ExactWriter, fieldSize, utf8Length, varintSize } from "./fast-writer.js";
import { BinaryReader, BinaryWriter, type DecodeOptions, WireType, decoding, expectWireType, readBytes, readUint53 } from "./wire.js";
import { WireError } from "./wire-error.js";

export interface Envelope {
  /** 16 bytes, assigned by the server. */
  id: Uint8Array;
  type: number;
  sourceAccount: string;
  sourceDevice: number;
  destinationDevice: number;
  clientTimestamp: number;
  serverTimestamp: number;
  content: Uint8Array;
  ephemeral: boolean;
  urgent: boolean;
}

export interface OutgoingMessage {
  deviceId: number;
  registrationId: number;
  type: number;
  content: Uint8Array;
}

export interface OutgoingMessages {
  timestamp: number;
  messages: OutgoingMessage[];
  ephemeral: boolean;
  urgent: boolean;
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  const sourceLength = utf8Length(envelope.sourceAccount);
  const varintField = (value: number) => (value !== 0 ? 1 + varintSize(value) : 0);
  const size =
    fieldSize(envelope.id.length) +
    varintField(envelope.type) +
    (sourceLength > 0 ? fieldSize(sourceLength) : 0) +
    varintField(envelope.sourceDevice) +
    varintField(envelope.destinationDevice) +
    varintField(envelope.clientTimestamp) +
    varintField(envelope.serverTimestamp) +
    (envelope.content.length > 0 ? fieldSize(envelope.content.length) : 0) +
    (envelope.ephemeral ? 2 : 0) +
    (envelope.urgent ? 2 : 0);
  const w = new ExactWriter(size);
  w.tag(1, WireType.LengthDelimited).lengthDelimited(envelope.id);
  if (envelope.type !== 0) w.tag(2, WireType.Varint).varint(envelope.type);
  if (sourceLength > 0) w.tag(3, WireType.LengthDelimited).string(envelope.sourceAccount, sourceLength);
  if (envelope.sourceDevice !== 0) w.tag(4, WireType.Varint).varint(envelope.sourceDevice);
  if (envelope.destinationDevice !== 0) w.tag(5, WireType.Varint).varint(envelope.destinationDevice);
  if (envelope.clientTimestamp !== 0) w.tag(6, WireType.Varint).varint(envelope.clientTimestamp);
  if (envelope.serverTimestamp !== 0) w.tag(7, WireType.Varint).varint(envelope.serverTimestamp);
  if (envelope.content.length > 0) w.tag(8, WireType.LengthDelimited).lengthDelimited(envelope.content);
  if (envelope.ephemeral) w.tag(9, WireType.Varint).varint(1);
  if (envelope.urgent) w.tag(10, WireType.Varint).varint(1);
  return w.finish();
}

export function decodeEnvelope(bytes: Uint8Array): Envelope {
  return decoding("envelope", () => {
    const r = new BinaryReader(bytes);
    const e: Envelope = {
      id: new Uint8Array(0),
      type: 0,
      sourceAccount: "",
      sourceDevice: 0,
      destinationDevice: 0,
      clientTimestamp: 0,
      serverTimestamp: 0,
      content: new Uint8Array(0),
      ephemeral: false,
      urgent: false,
    };
    while (r.pos < r.len) {
      const [fieldNo, wireType] = r.tag();
      switch (fieldNo) {
        case 1:
          expectWireType(wireType, WireType.LengthDelimited, "envelope id");
          e.id = readBytes(r);
          break;
        case 2:
          expectWireType(wireType, WireType.Varint, "envelope type");
          e.type = r.uint32();
          break;
        case 3:
          expectWireType(wireType, WireType.LengthDelimited, "envelope source account");
          e.sourceAccount = r.string();
          break;
        case 4:
          expectWireType(wireType, WireType.Varint, "envelope source device");
          e.sourceDevice = r.uint32();
          break;
        case 5:
          expectWireType(wireType, WireType.Varint, "envelope destination device");
          e.destinationDevice = r.uint32();
          break;
        case 6:
          expectWireType(wireType, WireType.Varint, "envelope client timestamp");
          e.clientTimestamp = readUint53(r, "envelope client timestamp");
          break;
        case 7:
          expectWireType(wireType, WireType.Varint, "envelope server timestamp");
          e.serverTimestamp = readUint53(r, "envelope server timestamp");
          break;
        case 8:
          expectWireType(wireType, WireType.LengthDelimited, "envelope content");
          e.content = readBytes(r);
          break;
        case 9:
          expectWireType(wireType, WireType.Varint, "envelope ephemeral flag");
          e.ephemeral = r.bool();
          break;
        case 10:
          expectWireType(wireType, WireType.Varint, "envelope urgent flag");
          e.urgent = r.bool();
          break;
        default:
          r.skip(wireType, fieldNo);
      }
    }
    if (e.id.length !== 16) throw new WireError("envelope id must be 16 bytes");
    return e;
  });
}

export function encodeOutgoingMessages(body: OutgoingMessages): Uint8Array {
  const w = new BinaryWriter();
  if (body.timestamp !== 0) w.tag(1, WireType.Varint).uint64(body.timestamp);
  for (const m of body.messages) {
    const inner = new BinaryWriter();
    if (m.deviceId !== 0) inner.tag(1, WireType.Varint).uint32(m.deviceId);
    if (m.registrationId !== 0) inner.tag(2, WireType.Varint).uint32(m.registrationId);
    if (m.type !== 0) inner.tag(3, WireType.Varint).uint32(m.type);
    if (m.content.length > 0) inner.tag(4, WireType.LengthDelimited).bytes(m.content);
    w.tag(2, WireType.LengthDelimited).bytes(inner.finish());
  }
  if (body.ephemeral) w.tag(3, WireType.Varint).bool(true);
  if (body.urgent) w.tag(4, WireType.Varint).bool(true);
  return w.finish();
}

/**
 * Decodes the binary send body; `maxMessages` bounds the work a hostile body can cause. Contents
 * are copies, or with `options.views` views into `bytes`.
 */
export function decodeOutgoingMessages(bytes: Uint8Array, maxMessages: number, options?: DecodeOptions): OutgoingMessages {
  const views = options?.views === true;
  return decoding("outgoing messages", () => {
    const r = new BinaryReader(bytes);
    const body: OutgoingMessages = { timestamp: 0, messages: [], ephemeral: false, urgent: false };
    while (r.pos < r.len) {
      const [fieldNo, wireType] = r.tag();
      switch (fieldNo) {
        case 1:
          expectWireType(wireType, WireType.Varint, "timestamp");
          body.timestamp = readUint53(r, "timestamp");
          break;
        case 2:
          expectWireType(wireType, WireType.LengthDelimited, "message");
          if (body.messages.length >= maxMessages) throw new TooManyMessagesError(maxMessages);
          body.messages.push(decodeOutgoingMessage(r.bytes(), views));
          break;
        case 3:
          expectWireType(wireType, WireType.Varint, "ephemeral flag");
          body.ephemeral = r.bool();
          break;
        case 4:
          expectWireType(wireType, WireType.Varint, "urgent flag");
          body.urgent = r.bool();
          break;
        default:
          r.skip(wireType, fieldNo);
      }
    }
    return body;
  });
}

/** More messages than the caller allows in one body; a WireError with the limit attached. */
export class TooManyMessagesError extends WireError {
  constructor(readonly limit: number) {
    super(`more than ${limit} messages in one request`);
  }
}

function decodeOutgoingMessage(bytes: Uint8Array, views: boolean): OutgoingMessage {
  const r = new BinaryReader(bytes);
  const m: OutgoingMessage = { deviceId: 0, registrationId: 0, type: 0, content: new Uint8Array(0) };
  while (r.pos < r.len) {
    const [fieldNo, wireType] = r.tag();
    switch (fieldNo) {
      case 1:
        expectWireType(wireType, WireType.Varint, "device id");
        m.deviceId = r.uint32();
        break;
      case 2:
        expectWireType(wireType, WireType.Varint, "registration id");
        m.registrationId = r.uint32();
        break;
      case 3:
        expectWireType(wireType, WireType.Varint, "message type");
        m.type = r.uint32();
        break;
      case 4:
        expectWireType(wireType, WireType.LengthDelimited, "message content");
        m.content = readBytes(r, views);
        break;
      default:
        r.skip(wireType, fieldNo);
    }
  }
  return m;
}
