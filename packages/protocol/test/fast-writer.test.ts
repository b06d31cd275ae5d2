import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeEnvelope, encodeFrame, type Envelope, type Frame } from "../src/index.js";

// Reference encodings with @bufbuild/protobuf's writer, field by field as proto/parley.proto says.
function referenceFrame(frame: Frame): Uint8Array {
  const inner = new BinaryWriter();
  inner.tag(1, WireType.Varint).uint64(frame.id);
  if (frame.kind === "request") {
    inner.tag(2, WireType.LengthDelimited).string(frame.verb);
    inner.tag(3, WireType.LengthDelimited).string(frame.path);
  } else {
    inner.tag(2, WireType.Varint).uint32(frame.status);
  }
  for (const name in frame.headers) inner.tag(frame.kind === "request" ? 4 : 3, WireType.LengthDelimited).string(`${name}:${frame.headers[name]}`);
  if (frame.body.length > 0) inner.tag(frame.kind === "request" ? 5 : 4, WireType.LengthDelimited).bytes(frame.body);
  return new BinaryWriter().tag(frame.kind === "request" ? 1 : 2, WireType.LengthDelimited).bytes(inner.finish()).finish();
}

function referenceEnvelope(e: Envelope): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.LengthDelimited).bytes(e.id);
  if (e.type) w.tag(2, WireType.Varint).uint32(e.type);
  if (e.sourceAccount) w.tag(3, WireType.LengthDelimited).string(e.sourceAccount);
  if (e.sourceDevice) w.tag(4, WireType.Varint).uint32(e.sourceDevice);
  if (e.destinationDevice) w.tag(5, WireType.Varint).uint32(e.destinationDevice);
  if (e.clientTimestamp) w.tag(6, WireType.Varint).uint64(e.clientTimestamp);
  if (e.serverTimestamp) w.tag(7, WireType.Varint).uint64(e.serverTimestamp);
  if (e.content.length) w.tag(8, WireType.LengthDelimited).bytes(e.content);
  if (e.ephemeral) w.tag(9, WireType.Varint).bool(true);
  if (e.urgent) w.tag(10, WireType.Varint).bool(true);
  return w.finish();
}

const anyText = fc.string({ unit: "binary", maxLength: 40 });
const safe = fc.maxSafeNat();

describe("exact-size encoders", () => {
  it("write frames byte for byte as the protobuf reference writer does, any text included", () => {
    const frame = fc.oneof(
      fc.record({
        kind: fc.constant("request" as const),
        id: safe,
        verb: fc.constantFrom("GET" as const, "PUT" as const),
        path: anyText,
        headers: fc.dictionary(fc.stringMatching(/^[a-z]{1,10}$/), anyText, { maxKeys: 4 }),
        body: fc.uint8Array({ maxLength: 300 }),
      }),
      fc.record({
        kind: fc.constant("response" as const),
        id: safe,
        status: fc.integer({ min: 100, max: 599 }),
        headers: fc.dictionary(fc.stringMatching(/^[a-z]{1,10}$/), anyText, { maxKeys: 4 }),
        body: fc.uint8Array({ maxLength: 300 }),
      }),
    );
    fc.assert(
      fc.property(frame, (f) => {
        expect(encodeFrame(f)).toEqual(referenceFrame(f));
      }),
      { numRuns: 1000 },
    );
  });

  it("write envelopes byte for byte as the protobuf reference writer does", () => {
    const envelope = fc.record({
      id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      type: fc.nat({ max: 0xffffffff }),
      sourceAccount: anyText,
      sourceDevice: fc.nat({ max: 127 }),
      destinationDevice: fc.nat({ max: 127 }),
      clientTimestamp: safe,
      serverTimestamp: safe,
      content: fc.uint8Array({ maxLength: 2000 }),
      ephemeral: fc.boolean(),
      urgent: fc.boolean(),
    });
    fc.assert(
      fc.property(envelope, (e) => {
        expect(encodeEnvelope(e)).toEqual(referenceEnvelope(e));
      }),
      { numRuns: 1000 },
    );
  });
});
