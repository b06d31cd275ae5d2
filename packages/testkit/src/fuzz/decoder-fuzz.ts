// Fuzz targets for everything that parses bytes or header text from the network without a server
// around it: the frame, envelope and send-body decoders of @parley/protocol, the server's Basic
// credentials parser and bus event codec, and signature verification. A decoder must return a
// well-formed value or throw its documented error (WireError), never anything else; must not take
// long; and must not hand out more than it was given (no amplification).
import { isDeepStrictEqual } from "node:util";
import {
  decodeEnvelope,
  decodeFrame,
  decodeOutgoingMessages,
  encodeEnvelope,
  encodeFrame,
  encodeOutgoingMessages,
  frameLimits,
  TooManyMessagesError,
  WireError,
  type Envelope,
  type Frame,
  type OutgoingMessages,
} from "@parley/protocol";
import { KeyPair } from "@parley/signal";
import { verifySignature } from "@parley/signal/verify";
import fc from "fast-check";
import { decodeDeviceEvent, encodeDeviceEvent } from "../../../server/src/adapters/nats/device-event-codec.js";
import { parseBasicAuthorization } from "../../../server/src/domain/credentials.js";
import { seededRandom } from "../seeded-random.js";
import { applyMutations, byteMutation, concat, mutated, protobufShaped, varintBytes } from "./byte-mutation.js";
import { describeError, ensure, FuzzCheckError, runFuzz, runFuzzSync, type FuzzResult, type FuzzRunOptions, type Tally } from "./fuzz-run.js";

/** A decode of at most a megabyte taking longer than this counts as a hang. */
const slowDecodeMs = 1000;
const maxUint32 = 0xffffffff;

const isUint32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= maxUint32;

/** Runs `decode`; WireError is an outcome, any other exception a failure. */
function decodeOrWireError<T>(what: string, decode: () => T, tally: Tally, size: number): T | undefined {
  const started = performance.now();
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof WireError)) throw new FuzzCheckError(`${what} threw ${describeError(error)}, not a WireError`);
    tally.count(error instanceof TooManyMessagesError ? "TooManyMessagesError" : "WireError");
    return undefined;
  } finally {
    const ms = performance.now() - started;
    tally.timed(ms, () => `${what} of ${size} bytes`);
    ensure(ms < slowDecodeMs, `${what} of ${size} bytes took ${ms.toFixed(0)} ms`);
  }
}

// ---------------------------------------------------------------- frames

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/);
const headerValue = fc.oneof(fc.stringMatching(/^[!-~]{0,60}$/), fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => s.trim()));
const frameId = fc.oneof(fc.nat(), fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER));

export const wellFormedFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    kind: fc.constant("request" as const),
    id: frameId,
    verb: fc.constantFrom("GET" as const, "PUT" as const, "POST" as const, "DELETE" as const),
    path: fc.oneof(fc.stringMatching(/^\/[!-~]{0,80}$/), fc.string({ unit: "grapheme", maxLength: 60 }).map((s) => `/${s}`)),
    headers: fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
    body: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({
    kind: fc.constant("response" as const),
    id: frameId,
    status: fc.integer({ min: 100, max: 599 }),
    headers: fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
    body: fc.uint8Array({ maxLength: 300 }),
  }),
);

function repeat(part: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(part.length * times);
  for (let i = 0; i < times; i++) out.set(part, i * part.length);
  return out;
}
const field = (fieldNo: number, payload: Uint8Array): Uint8Array => concat(varintBytes(BigInt(fieldNo * 8 + 2)), varintBytes(BigInt(payload.length)), payload);
const requestOf = (inner: Uint8Array): Uint8Array => field(1, inner);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const minimalRequest = concat(Uint8Array.of(0x08, 0x01), field(2, text("GET")), field(3, text("/x")));

/** Frames at and past the decoder's bounds, and large ones: a sized few, not many. */
const boundaryFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.integer({ min: frameLimits.maxHeaders - 1, max: frameLimits.maxHeaders + 8 }).map((n) => requestOf(concat(minimalRequest, repeat(field(4, text("x-a:b")), n)))),
  fc.integer({ min: frameLimits.maxPathLength - 2, max: frameLimits.maxPathLength + 2 }).map((n) => requestOf(concat(Uint8Array.of(0x08, 0x01), field(2, text("GET")), field(3, text(`/${"p".repeat(n - 1)}`))))),
  fc.integer({ min: frameLimits.maxHeaderLength - 2, max: frameLimits.maxHeaderLength + 2 }).map((n) => requestOf(concat(minimalRequest, field(4, text(`h:${"v".repeat(n - 2)}`))))),
  // Nested groups as deep as the bytes allow, inside the frame and inside a request.
  fc.integer({ min: 1, max: 200_000 }).map((n) => repeat(Uint8Array.of(0x0b), n)),
  fc.integer({ min: 1, max: 200_000 }).map((n) => requestOf(concat(minimalRequest, repeat(Uint8Array.of(0x33), n)))),
  // Many small unknown fields, a large body, a request repeated many times.
  fc.integer({ min: 1, max: 300_000 }).map((n) => requestOf(concat(minimalRequest, repeat(Uint8Array.of(0x30, 0x01), n)))),
  fc.integer({ min: 0, max: 1 << 20 }).map((n) => requestOf(concat(minimalRequest, field(5, new Uint8Array(n))))),
  fc.integer({ min: 1, max: 20_000 }).map((n) => repeat(requestOf(minimalRequest), n)),
);

/** Checks one decoded frame: within the documented bounds, no larger than its bytes, re-encodable. */
function checkFrame(bytes: Uint8Array, frame: Frame): void {
  ensure(Number.isSafeInteger(frame.id) && frame.id >= 0, "frame id is not a 53-bit unsigned integer");
  let size = frame.body.length;
  if (frame.kind === "request") {
    ensure(["GET", "PUT", "POST", "DELETE"].includes(frame.verb), "request verb outside the four");
    ensure(frame.path.startsWith("/") && frame.path.length <= frameLimits.maxPathLength, "request path not absolute or too long");
    size += frame.path.length;
  } else {
    ensure(Number.isInteger(frame.status) && frame.status >= 100 && frame.status <= 599, "response status out of range");
  }
  const names = Object.keys(frame.headers);
  ensure(names.length <= frameLimits.maxHeaders, "more headers than the limit");
  for (const name of names) {
    const value = frame.headers[name] ?? "";
    ensure(name.length > 0 && !name.includes(":") && name === name.trim().toLowerCase(), `header name ${JSON.stringify(name)} is not a trimmed lower-case name`);
    ensure(value === value.trim(), "header value is not trimmed");
    size += name.length + value.length;
  }
  // Every decoded character and byte comes from a distinct input byte.
  ensure(size <= bytes.length, `decoded ${size} characters and bytes from ${bytes.length} bytes`);
  // The decoded frame is one the encoder writes, and it decodes to itself.
  ensure(isDeepStrictEqual(decodeFrame(encodeFrame(frame)), frame), "re-encoding the decoded frame does not decode to it");
}

function frameCheck(input: { bytes: Uint8Array; views: boolean }, tally: Tally): void {
  const frame = decodeOrWireError("decodeFrame", () => decodeFrame(input.bytes, { views: input.views }), tally, input.bytes.length);
  if (frame === undefined) return;
  tally.count(frame.kind);
  checkFrame(input.bytes, frame);
}

const varintField = (fieldNo: number, value: fc.Arbitrary<bigint>) => value.map((v) => concat(varintBytes(BigInt(fieldNo * 8)), varintBytes(v)));
const textField = (fieldNo: number, value: fc.Arbitrary<string>) => value.map((v) => field(fieldNo, text(v)));
const edgeId = fc.oneof({ weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }) }, fc.constantFrom(0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n));
const headerLine = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(headerName, headerValue).map(([name, value]) => `${name}:${value}`) },
  fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom(":", " : ", "::", ""), fc.string({ maxLength: 20 })).map((p) => p.join("")),
  fc.constantFrom("a:b", ":x", " :x", "\t:x", "A : B ", "content-type:application/json", "Content-Type :  x ", "__proto__:x", "constructor:x"),
  fc.string({ unit: "binary", maxLength: 40 }),
);
/** The fields of a frame, each well-formed or nearly so, with extra fields, in any order. */
function shapedMessage(kind: number, required: readonly fc.Arbitrary<Uint8Array>[], extra: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.tuple(...required), fc.array(extra, { maxLength: 6 }), fc.nat())
    .map(([fields, extras, rotation]) => {
      const all = [...fields, ...extras];
      const at = rotation % (all.length + 1);
      return field(kind, concat(...all.slice(at), ...all.slice(0, at)));
    });
}
const maybe = (arbitrary: fc.Arbitrary<Uint8Array>) => fc.oneof({ weight: 6, arbitrary }, { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) });
const verbText = fc.oneof({ weight: 6, arbitrary: fc.constantFrom("GET", "PUT", "POST", "DELETE") }, fc.constantFrom("get", "PATCH", "", " GET", "GET\u0000"));
const pathText = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.constantFrom("/", "/v1/keys", "//", "/?"), fc.string({ unit: "grapheme", maxLength: 30 }).map((p) => `/${p}`)) },
  fc.constantFrom("x", "", "v1/keys"),
);
const statusValue = fc.oneof({ weight: 6, arbitrary: fc.bigInt({ min: 100n, max: 599n }) }, fc.constantFrom(0n, 99n, 600n, 2n ** 32n + 200n));
const body = (fieldNo: number) => fc.uint8Array({ maxLength: 40 }).map((bytes) => field(fieldNo, bytes));
const frameShaped = fc.oneof(
  shapedMessage(1, [maybe(varintField(1, edgeId)), maybe(textField(2, verbText)), maybe(textField(3, pathText))], fc.oneof({ weight: 3, arbitrary: fc.oneof(textField(4, headerLine), body(5)) }, protobufShaped([1, 2, 3, 4, 5], 0))),
  shapedMessage(2, [maybe(varintField(1, edgeId)), maybe(varintField(2, statusValue))], fc.oneof({ weight: 3, arbitrary: fc.oneof(textField(3, headerLine), body(4)) }, protobufShaped([1, 2, 3, 4], 0))),
);

const frameBytes = fc.oneof(
  { weight: 4, arbitrary: frameShaped },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 600 }) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(1, 2, 3), protobufShaped([1, 2, 3, 4, 5])).map(([kind, inner]) => field(kind, inner)) },
  { weight: 1, arbitrary: protobufShaped([1, 2]) },
);
const frameMutated = fc.oneof(
  { weight: 12, arbitrary: mutated(wellFormedFrame.map((frame) => encodeFrame(frame))) },
  { weight: 1, arbitrary: fc.oneof(boundaryFrame, mutated(boundaryFrame, 2)) },
);

// ---------------------------------------------------------------- envelopes and send bodies

const uint32 = fc.oneof(fc.constantFrom(0, 1, 127, 128, 0x3fff, maxUint32), fc.integer({ min: 0, max: maxUint32 }));
const millis = fc.oneof(fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));

export const wellFormedEnvelope: fc.Arbitrary<Envelope> = fc.record({
  id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  type: uint32,
  sourceAccount: fc.oneof(fc.uuid(), fc.string({ unit: "grapheme", maxLength: 40 })),
  sourceDevice: uint32,
  destinationDevice: uint32,
  clientTimestamp: millis,
  serverTimestamp: millis,
  content: fc.uint8Array({ maxLength: 300 }),
  ephemeral: fc.boolean(),
  urgent: fc.boolean(),
});

export const wellFormedOutgoingMessages: fc.Arbitrary<OutgoingMessages> = fc.record({
  timestamp: millis,
  messages: fc.array(fc.record({ deviceId: uint32, registrationId: uint32, type: uint32, content: fc.uint8Array({ maxLength: 100 }) }), { maxLength: 12 }),
  ephemeral: fc.boolean(),
  urgent: fc.boolean(),
});

function envelopeCheck(bytes: Uint8Array, tally: Tally): void {
  const e = decodeOrWireError("decodeEnvelope", () => decodeEnvelope(bytes), tally, bytes.length);
  if (e === undefined) return;
  tally.count("envelope");
  ensure(e.id.length === 16, "envelope id is not 16 bytes");
  ensure(isUint32(e.type) && isUint32(e.sourceDevice) && isUint32(e.destinationDevice), "envelope uint32 field out of range");
  ensure(Number.isSafeInteger(e.clientTimestamp) && e.clientTimestamp >= 0 && Number.isSafeInteger(e.serverTimestamp) && e.serverTimestamp >= 0, "envelope timestamp out of range");
  ensure(e.id.length + e.content.length + e.sourceAccount.length <= bytes.length, "envelope decoded to more than its bytes");
  ensure(isDeepStrictEqual(decodeEnvelope(encodeEnvelope(e)), e), "re-encoding the decoded envelope does not decode to it");
}

function outgoingCheck(input: { bytes: Uint8Array; max: number; views: boolean }, tally: Tally): void {
  const body = decodeOrWireError("decodeOutgoingMessages", () => decodeOutgoingMessages(input.bytes, input.max, { views: input.views }), tally, input.bytes.length);
  if (body === undefined) return;
  tally.count(body.messages.length === 0 ? "no messages" : "messages");
  ensure(body.messages.length <= input.max, "more messages than the limit");
  ensure(Number.isSafeInteger(body.timestamp) && body.timestamp >= 0, "timestamp out of range");
  let size = 0;
  for (const m of body.messages) {
    ensure(isUint32(m.deviceId) && isUint32(m.registrationId) && isUint32(m.type), "message uint32 field out of range");
    size += m.content.length;
  }
  ensure(size <= input.bytes.length, "send body decoded to more than its bytes");
  const again = decodeOutgoingMessages(encodeOutgoingMessages(body), input.max);
  ensure(isDeepStrictEqual(again, body), "re-encoding the decoded send body does not decode to it");
}

// ---------------------------------------------------------------- server parsers

const loginDeviceId = fc.oneof(fc.constantFrom("1", "2", "127", "0", "128", "01", "-1", "1.0", "1e2", "0x7f", " 1", "NaN", "Infinity", ""), fc.string({ maxLength: 5 }));
const loginText = fc
  .tuple(fc.oneof(fc.uuid(), fc.string({ unit: "grapheme", maxLength: 50 })), fc.constantFrom(".", "..", ""), loginDeviceId, fc.constantFrom(":", "::", ""), fc.string({ unit: "grapheme", maxLength: 60 }))
  .map((parts) => parts.join(""));
const authorizationHeader = fc.oneof(
  fc.tuple(fc.constantFrom("Basic ", "basic ", "BASIC ", "Basic  ", " Basic ", "Bearer ", "Basic\t"), loginText, fc.constantFrom("", "=", " ", "\n", "!"))
    .map(([scheme, login, tail]) => `${scheme}${Buffer.from(login, "utf8").toString("base64")}${tail}`),
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.tuple(fc.constantFrom("Basic ", ""), fc.stringMatching(/^[A-Za-z0-9+/=]{0,700}$/)).map(([scheme, rest]) => scheme + rest),
);

function authorizationCheck(header: string, tally: Tally): void {
  let parsed;
  try {
    parsed = parseBasicAuthorization(header);
  } catch (error) {
    throw new FuzzCheckError(`parseBasicAuthorization threw ${describeError(error)}`);
  }
  tally.count(parsed ? "credentials" : "refused");
  if (!parsed) return;
  ensure(header.length <= 512, "a header over 512 characters was accepted");
  ensure(Number.isInteger(parsed.deviceId) && parsed.deviceId >= 1 && parsed.deviceId <= 127, "device id out of range");
  ensure(parsed.password.length > 0, "empty password accepted");
}

const deviceEventPayload = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(fc.integer({ min: 0, max: 6 }), fc.uint8Array({ maxLength: 300 })).map(([type, rest]) => concat(Uint8Array.of(type), rest)),
);

function deviceEventCheck(payload: Uint8Array, tally: Tally): void {
  let event;
  try {
    event = decodeDeviceEvent(payload);
  } catch (error) {
    throw new FuzzCheckError(`decodeDeviceEvent threw ${describeError(error)}`);
  }
  tally.count(event?.type ?? "ignored");
  // Only canonical payloads are accepted: the event encodes back to the very same bytes.
  if (event) ensure(isDeepStrictEqual(encodeDeviceEvent(event), payload), "a decoded bus event does not encode back to its payload");
}

// ---------------------------------------------------------------- signatures

const signatureCase = fc.record({
  signer: fc.nat({ max: 2 }),
  message: fc.uint8Array({ maxLength: 200 }),
  key: fc.array(byteMutation, { maxLength: 1 }),
  signature: fc.array(byteMutation, { maxLength: 2 }),
  messageChange: fc.array(byteMutation, { maxLength: 1 }),
});

const fieldPrime = 2n ** 255n - 19n;

/**
 * Whether two serialized Curve25519 keys name the same point: X25519 ignores the top bit of the
 * u-coordinate and reads it modulo p (RFC 7748, section 5), as libsignal does, so encodings that
 * differ only there are one key.
 */
function sameCurveKey(a: Uint8Array, b: Uint8Array): boolean {
  const u = (key: Uint8Array) => (Buffer.from(key.subarray(1)).reverse().reduce((n, byte) => n * 256n + BigInt(byte), 0n) & (2n ** 255n - 1n)) % fieldPrime;
  return a.length === 33 && b.length === 33 && a[0] === b[0] && u(a) === u(b);
}

/** Signs with key pairs made from a seed, so the same run signs the same bytes. */
function signatureTarget(options: FuzzRunOptions): Promise<FuzzResult> {
  const random = seededRandom(`signatures:${options.seed}`);
  const source = (length: number) => random.bytes(length);
  const signers = Array.from({ length: 3 }, () => KeyPair.generate(source));
  return runFuzz(
    "decode/xeddsa-signature",
    signatureCase,
    async (input, tally) => {
      const signer = signers[input.signer]!;
      const publicKey = signer.publicKey.serialize();
      const signature = signer.privateKey.sign(input.message, source);
      const key = applyMutations(publicKey, input.key);
      const sig = applyMutations(signature, input.signature);
      const message = applyMutations(input.message, input.messageChange);
      let valid: boolean;
      try {
        valid = await verifySignature(key, message, sig);
      } catch (error) {
        throw new FuzzCheckError(`verifySignature threw ${describeError(error)}`);
      }
      const untouched = sameCurveKey(key, publicKey) && isDeepStrictEqual(sig, signature) && isDeepStrictEqual(message, input.message);
      tally.count(valid ? "verified" : "refused");
      ensure(valid === untouched, untouched ? "a genuine signature did not verify" : "a changed key, message or signature verified");
    },
    options,
  );
}

// ---------------------------------------------------------------- the targets

export interface DecoderTarget {
  readonly name: string;
  run(options: FuzzRunOptions): FuzzResult | Promise<FuzzResult>;
}

const views = fc.boolean();

export const decoderTargets: readonly DecoderTarget[] = [
  { name: "decode/frame-bytes", run: (o) => runFuzzSync("decode/frame-bytes", fc.record({ bytes: frameBytes, views }), frameCheck, o) },
  { name: "decode/frame-mutated", run: (o) => runFuzzSync("decode/frame-mutated", fc.record({ bytes: frameMutated, views }), frameCheck, o) },
  {
    name: "decode/envelope",
    run: (o) =>
      runFuzzSync(
        "decode/envelope",
        fc.oneof(fc.uint8Array({ maxLength: 400 }), protobufShaped([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), mutated(wellFormedEnvelope.map(encodeEnvelope))),
        envelopeCheck,
        o,
      ),
  },
  {
    name: "decode/outgoing-messages",
    run: (o) =>
      runFuzzSync(
        "decode/outgoing-messages",
        fc.record({
          bytes: fc.oneof(
            fc.uint8Array({ maxLength: 400 }),
            protobufShaped([1, 2, 3, 4]),
            fc.array(protobufShaped([1, 2, 3, 4], 1), { maxLength: 40 }).map((messages) => concat(...messages.map((m) => field(2, m)))),
            mutated(wellFormedOutgoingMessages.map(encodeOutgoingMessages)),
          ),
          max: fc.integer({ min: 1, max: 40 }),
          views,
        }),
        outgoingCheck,
        o,
      ),
  },
  { name: "decode/authorization-header", run: (o) => runFuzzSync("decode/authorization-header", authorizationHeader, authorizationCheck, o) },
  { name: "decode/bus-event", run: (o) => runFuzzSync("decode/bus-event", deviceEventPayload, deviceEventCheck, o) },
  { name: "decode/xeddsa-signature", run: signatureTarget },
];
