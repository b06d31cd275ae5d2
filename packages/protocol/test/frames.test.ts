import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, WireError, type Frame } from "../src/index.js";

describe("frames", () => {
  it("round-trips requests and responses", () => {
    const frames: Frame[] = [
      { kind: "request", id: 1, verb: "PUT", path: "/v1/messages", headers: { "content-type": "application/x-protobuf" }, body: new Uint8Array([1, 2]) },
      { kind: "request", id: 2 ** 53 - 1, verb: "GET", path: "/v1/keys?x=1", headers: {}, body: new Uint8Array(0) },
      { kind: "response", id: 7, status: 409, headers: { "content-type": "application/json" }, body: new Uint8Array([123, 125]) },
    ];
    for (const frame of frames) expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
  });

  it("round-trips arbitrary well-formed frames", () => {
    const header = fc.tuple(fc.stringMatching(/^[a-z][a-z-]{0,20}$/), fc.stringMatching(/^[!-~]{0,40}$/));
    const request = fc.record({
      kind: fc.constant("request" as const),
      id: fc.nat(),
      verb: fc.constantFrom("GET" as const, "PUT" as const, "POST" as const, "DELETE" as const),
      path: fc.stringMatching(/^\/[!-~]{0,100}$/),
      headers: fc.array(header, { maxLength: 5 }).map((h) => Object.fromEntries(h)),
      body: fc.uint8Array({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(request, (frame) => {
        expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
      }),
      { numRuns: 300 },
    );
  });

  it("throws only WireError on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeFrame(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses frames with an unknown verb, a relative path or no id", () => {
    const good = encodeFrame({ kind: "request", id: 1, verb: "GET", path: "/x", headers: {}, body: new Uint8Array(0) });
    expect(() => decodeFrame(new Uint8Array(0))).toThrow(WireError);
    expect(() => decodeFrame(good.subarray(0, good.length - 1))).toThrow(WireError);
    const noSlash = encodeFrame({ kind: "request", id: 1, verb: "GET", path: "x", headers: {}, body: new Uint8Array(0) });
    expect(() => decodeFrame(noSlash)).toThrow(/path/);
    const badVerb = encodeFrame({ kind: "request", id: 1, verb: "PATCH" as "GET", path: "/x", headers: {}, body: new Uint8Array(0) });
    expect(() => decodeFrame(badVerb)).toThrow(/verb/);
  });

  it("copies the body by default and views the input when asked", () => {
    const bytes = encodeFrame({ kind: "request", id: 3, verb: "PUT", path: "/v1/messages/x", headers: {}, body: new Uint8Array([7, 8, 9]) });
    const copied = decodeFrame(bytes);
    const viewed = decodeFrame(bytes, { views: true });
    expect(viewed).toEqual(copied);
    bytes[bytes.length - 1] = 0;
    expect(copied.body).toEqual(new Uint8Array([7, 8, 9]));
    expect(viewed.body).toEqual(new Uint8Array([7, 8, 0]));
  });

  it("encodes into the buffer the allocator gives, overwriting every byte", () => {
    const frame: Frame = { kind: "response", id: 9, status: 200, headers: { "content-type": "application/json" }, body: new Uint8Array([1]) };
    const sizes: number[] = [];
    const dirty = (size: number) => {
      sizes.push(size);
      return new Uint8Array(size).fill(0xee);
    };
    const encoded = encodeFrame(frame, dirty);
    expect(sizes).toEqual([encoded.length]);
    expect(encoded).toEqual(encodeFrame(frame));
    expect(() => encodeFrame(frame, (size) => new Uint8Array(size + 1))).toThrow(/allocated/);
  });

  it("refuses more headers than the limit", () => {
    const headers = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`h${i}`, "v"]));
    const frame = encodeFrame({ kind: "response", id: 1, status: 200, headers, body: new Uint8Array(0) });
    expect(() => decodeFrame(frame)).toThrow(/too many headers/);
  });
});
