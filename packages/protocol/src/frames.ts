// The WebSocket framing of proto/parley.proto: every binary message is one Frame holding a
// request or a response. HTTP and WebSocket share one request/response model; a 2xx response to
// the server's PUT /v1/messages is the acknowledgement that deletes the envelope.
import { type Allocate, ExactWriter, fieldSize, utf8Length, varintSize } from "./fast-writer.js";
import { BinaryReader, type DecodeOptions, WireType, decoding, expectWireType, readBytes, readUint53 } from "./wire.js";
import { WireError } from "./wire-error.js";

export type Verb = "GET" | "PUT" | "POST" | "DELETE";
const verbs: ReadonlySet<string> = new Set<Verb>(["GET", "PUT", "POST", "DELETE"]);

/** Header names in lower case. A header given twice keeps its last value. */
export type Headers = Record<string, string>;

export interface RequestFrame {
  kind: "request";
  id: number;
  verb: Verb;
  path: string;
  headers: Headers;
  body: Uint8Array;
}

export interface ResponseFrame {
  kind: "response";
  id: number;
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export type Frame = RequestFrame | ResponseFrame;

/** Bounds applied while decoding, so a hostile frame cannot make the decoder allocate much. */
export const frameLimits = {
  maxPathLength: 2048,
  maxHeaders: 32,
  maxHeaderLength: 1024,
} as const;

const emptyBody: Uint8Array = new Uint8Array(0);

/** Encodes one frame into a buffer from `allocate` (a new zeroed Uint8Array by default). */
export function encodeFrame(frame: Frame, allocate?: Allocate): Uint8Array {
  const headerLines: string[] = [];
  const headerLengths: number[] = [];
  let headersSize = 0;
  for (const name in frame.headers) {
    const line = `${name}:${frame.headers[name]}`;
    const length = utf8Length(line);
    headerLines.push(line);
    headerLengths.push(length);
    headersSize += fieldSize(length);
  }
  const body = frame.body.length > 0 ? fieldSize(frame.body.length) : 0;
  let inner: number;
  let verbLength = 0;
  let pathLength = 0;
  if (frame.kind === "request") {
    verbLength = utf8Length(frame.verb);
    pathLength = utf8Length(frame.path);
    inner = 1 + varintSize(frame.id) + fieldSize(verbLength) + fieldSize(pathLength) + headersSize + body;
  } else {
    inner = 1 + varintSize(frame.id) + 1 + varintSize(frame.status) + headersSize + body;
  }
  const w = new ExactWriter(fieldSize(inner), allocate);
  w.tag(frame.kind === "request" ? 1 : 2, WireType.LengthDelimited).varint(inner);
  w.tag(1, WireType.Varint).varint(frame.id);
  const headerField = frame.kind === "request" ? 4 : 3;
  if (frame.kind === "request") {
    w.tag(2, WireType.LengthDelimited).string(frame.verb, verbLength);
    w.tag(3, WireType.LengthDelimited).string(frame.path, pathLength);
  } else {
    w.tag(2, WireType.Varint).varint(frame.status);
  }
  for (let i = 0; i < headerLines.length; i++) w.tag(headerField, WireType.LengthDelimited).string(headerLines[i]!, headerLengths[i]!);
  if (frame.body.length > 0) w.tag(frame.kind === "request" ? 5 : 4, WireType.LengthDelimited).lengthDelimited(frame.body);
  return w.finish();
}

/**
 * Decodes one frame; throws WireError for anything that is not a well-formed frame. The body is a
 * copy, or with `options.views` a view into `bytes`.
 */
export function decodeFrame(bytes: Uint8Array, options?: DecodeOptions): Frame {
  const views = options?.views === true;
  return decoding("frame", () => {
    const reader = new BinaryReader(bytes);
    let frame: Frame | undefined;
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      if (fieldNo === 1 || fieldNo === 2) {
        expectWireType(wireType, WireType.LengthDelimited, "frame kind");
        const inner = reader.bytes();
        frame = fieldNo === 1 ? decodeRequest(inner, views) : decodeResponse(inner, views);
      } else {
        reader.skip(wireType, fieldNo);
      }
    }
    if (!frame) throw new WireError("frame holds neither a request nor a response");
    return frame;
  });
}

function decodeRequest(bytes: Uint8Array, views: boolean): RequestFrame {
  const reader = new BinaryReader(bytes);
  let id: number | undefined;
  let verb: string | undefined;
  let path: string | undefined;
  const headers: Headers = {};
  let headerCount = 0;
  let body: Uint8Array = emptyBody;
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    switch (fieldNo) {
      case 1:
        expectWireType(wireType, WireType.Varint, "request id");
        id = readUint53(reader, "request id");
        break;
      case 2:
        expectWireType(wireType, WireType.LengthDelimited, "request verb");
        verb = reader.string();
        break;
      case 3:
        expectWireType(wireType, WireType.LengthDelimited, "request path");
        path = reader.string();
        if (path.length > frameLimits.maxPathLength) throw new WireError("request path is too long");
        break;
      case 4:
        expectWireType(wireType, WireType.LengthDelimited, "request header");
        if (++headerCount > frameLimits.maxHeaders) throw new WireError("too many headers");
        readHeader(reader.string(), headers);
        break;
      case 5:
        expectWireType(wireType, WireType.LengthDelimited, "request body");
        body = readBytes(reader, views);
        break;
      default:
        reader.skip(wireType, fieldNo);
    }
  }
  if (id === undefined) throw new WireError("request has no id");
  if (verb === undefined || !verbs.has(verb)) throw new WireError("request verb is missing or unknown");
  if (path === undefined || !path.startsWith("/")) throw new WireError("request path must start with /");
  return { kind: "request", id, verb: verb as Verb, path, headers, body };
}

function decodeResponse(bytes: Uint8Array, views: boolean): ResponseFrame {
  const reader = new BinaryReader(bytes);
  let id: number | undefined;
  let status: number | undefined;
  const headers: Headers = {};
  let headerCount = 0;
  let body: Uint8Array = emptyBody;
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    switch (fieldNo) {
      case 1:
        expectWireType(wireType, WireType.Varint, "response id");
        id = readUint53(reader, "response id");
        break;
      case 2:
        expectWireType(wireType, WireType.Varint, "response status");
        status = reader.uint32();
        break;
      case 3:
        expectWireType(wireType, WireType.LengthDelimited, "response header");
        if (++headerCount > frameLimits.maxHeaders) throw new WireError("too many headers");
        readHeader(reader.string(), headers);
        break;
      case 4:
        expectWireType(wireType, WireType.LengthDelimited, "response body");
        body = readBytes(reader, views);
        break;
      default:
        reader.skip(wireType, fieldNo);
    }
  }
  if (id === undefined) throw new WireError("response has no id");
  if (status === undefined || status < 100 || status > 599) throw new WireError("response status is missing or out of range");
  return { kind: "response", id, status, headers, body };
}

function readHeader(line: string, headers: Headers): void {
  if (line.length > frameLimits.maxHeaderLength) throw new WireError("header is too long");
  const colon = line.indexOf(":");
  // Checked after trimming: " :x" names no header, and would not survive re-encoding.
  const name = colon < 0 ? "" : line.slice(0, colon).trim().toLowerCase();
  if (name.length === 0) throw new WireError("header must be name:value");
  headers[name] = line.slice(colon + 1).trim();
}
