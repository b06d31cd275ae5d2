// The protocol's decoders under generated input: random and protobuf-shaped bytes, and
// well-formed frames, envelopes and send bodies damaged in every way the mutations know. The
// targets (packages/testkit/src/fuzz) run a small share here and their full share in
// `npm run fuzz`; FUZZ_SEED replays a run.
import { fuzzRuns, fuzzSeed, fuzzTarget } from "@parley/testkit";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame, WireError } from "../src/index.js";

const seed = fuzzSeed();

async function fuzz(name: string): Promise<void> {
  const target = fuzzTarget(name);
  const result = await target.run({ seed, numRuns: fuzzRuns(target, "test") });
  expect(result.inputs).toBe(fuzzRuns(target, "test"));
}

describe("decoders under fuzzing", () => {
  it("decode arbitrary bytes to well-formed, re-encodable frames or throw WireError", () => fuzz("decode/frame-bytes"));

  it("decode damaged and oversized frames to well-formed frames or throw WireError", () => fuzz("decode/frame-mutated"));

  it("decode damaged envelopes to well-formed envelopes or throw WireError", () => fuzz("decode/envelope"));

  it("decode damaged send bodies within the message limit or throw WireError", () => fuzz("decode/outgoing-messages"));

  it("refuse a header whose name is blank once trimmed", () => {
    // A response frame whose header line is " :x".
    const found = Uint8Array.from([18, 10, 8, 0, 26, 3, 32, 58, 120, 16, 200, 1]);
    expect(() => decodeFrame(found)).toThrow(WireError);
    const blank = encodeFrame({ kind: "request", id: 1, verb: "GET", path: "/x", headers: { "\t ": "v" }, body: new Uint8Array(0) });
    expect(() => decodeFrame(blank)).toThrow(/name:value/);
    const padded = encodeFrame({ kind: "request", id: 1, verb: "GET", path: "/x", headers: { " X-A ": " v " }, body: new Uint8Array(0) });
    expect(decodeFrame(padded).headers).toEqual({ "x-a": "v" });
  });
});
